"""Dates shown to French users are Paris dates, whatever the server's zone."""

from datetime import UTC, datetime

from sitedir.domain.clock import in_paris, paris_format


def test_naive_moments_are_utc_and_shown_in_paris_time():
    late_evening_utc = datetime(2026, 11, 25, 23, 30)  # as SQLite returns it
    assert paris_format(late_evening_utc) == "26/11/2026 00:30"  # winter: UTC+1
    summer = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    assert in_paris(summer).strftime("%H:%M") == "12:00"  # summer: UTC+2
    assert paris_format(None) == ""
