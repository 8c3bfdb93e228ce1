"""The vocabulary: one table of statuses, one of roles, every row complete."""

import dataclasses

import pytest

from sitedir.domain.vocabulary import (
    CONTACT_ROLES,
    FHIR_LOCATION_STATUS,
    RECRUITING,
    ROLE_LABELS,
    STATUS_LABELS,
    STATUS_TABLE,
    STATUSES,
    is_open,
)

# FHIR R4's Location.status codes.
FHIR_CODES = {"active", "suspended", "inactive"}


@pytest.mark.parametrize("status", STATUS_TABLE, ids=lambda s: s.value)
def test_every_status_has_every_column(status):
    for column in dataclasses.fields(status):
        value = getattr(status, column.name)
        assert value is not None and value != "", f"{status.value}: no {column.name}"
    assert status.fhir_location_status in FHIR_CODES
    assert isinstance(status.is_open, bool)


def test_statuses_are_clinicaltrials_gov_s_in_their_order():
    assert STATUSES == (
        "not_yet_recruiting",
        "recruiting",
        "active_not_recruiting",
        "suspended",
        "completed",
        "terminated",
        "withdrawn",
    )
    assert set(STATUS_LABELS) == set(FHIR_LOCATION_STATUS) == set(STATUSES)


def test_only_recruiting_is_open():
    assert [s for s in STATUSES if is_open(s)] == [RECRUITING]
    assert not is_open("unknown")


def test_every_role_has_a_french_and_an_english_label():
    for role in CONTACT_ROLES:
        french, english = ROLE_LABELS[role]
        assert french and english and french != role
