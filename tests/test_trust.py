"""The one trust line of a card: its wording per case, and its source when it matters."""

from datetime import UTC, date, datetime

import pytest

from sitedir.widget.strings import strings_for
from sitedir.widget.trust import month_text, source_phrase, trust_line

TODAY = date(2026, 12, 2)
PRESS = "Communiqué de presse du CHU de Clermont-Ferrand : ouverture de l'essai"
RECORD = "ClinicalTrials.gov NCT01234567, record of 2026-09-15"
GUESS = "Connaissance institutionnelle publique ; le communiqué ne nomme que la ville"


def site(confirmed=None, source=PRESS, verified=True):
    return {
        "status_confirmed_at": confirmed.isoformat() if confirmed else None,
        "provenance": {"source": source, "verified": verified},
    }


def line(lang="fr", **kwargs):
    status_verified = kwargs.pop("status_verified", None)
    return trust_line(site(**kwargs), strings_for(lang), lang, TODAY, 30, status_verified)


def test_never_confirmed_says_so_and_where_the_status_comes_from():
    found = line()
    assert found.kind == "never" and found.warn
    assert found.text == (
        "Information à vérifier : jamais confirmée par le centre "
        "(d'après le communiqué du CHU de Clermont-Ferrand)"
    )
    assert line("en").text == (
        "To be checked: never confirmed by the site "
        "(according to the press release of the CHU de Clermont-Ferrand)"
    )


def test_confirmed_recently_by_the_site_is_one_quiet_line_without_a_source():
    found = line(confirmed=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    assert (found.kind, found.warn) == ("confirmed", False)
    assert found.text == "Statut confirmé par le centre le 3 novembre 2026"
    english = line("en", confirmed=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    assert english.text == "Status confirmed by the site on 3 November 2026"


def test_a_late_evening_confirmation_is_dated_in_paris():
    # 23:30 UTC on 2 November is 3 November in Paris.
    found = line(confirmed=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    assert found.text.endswith("le 3 novembre 2026")


def test_stale_says_how_old_and_to_call():
    found = line(confirmed=datetime(2026, 10, 18, 10, 0, tzinfo=UTC))
    assert (found.kind, found.warn) == ("stale", True)
    assert found.text == "Confirmé il y a 45 jours : appelez avant d'adresser"
    english = line("en", confirmed=datetime(2026, 10, 18, 10, 0, tzinfo=UTC))
    assert english.text == "Confirmed 45 days ago: call before referring"


def test_a_registry_record_names_its_verified_month():
    found = line(source=RECORD, verified=False, status_verified="2026-09")
    assert found.text == (
        "Information à vérifier : jamais confirmée par le centre "
        "(ClinicalTrials.gov, statut vérifié en septembre 2026)"
    )
    confirmed = line(
        source=RECORD,
        verified=False,
        status_verified="2026-09",
        confirmed=datetime(2026, 11, 20, tzinfo=UTC),
    )
    # Not "par le centre": the registry, not a person there, stands behind it.
    assert confirmed.text == (
        "Statut confirmé le 20 novembre 2026 (ClinicalTrials.gov, statut vérifié en septembre 2026)"
    )


def test_a_registry_record_without_a_verified_month_names_the_record_date():
    assert source_phrase(RECORD, strings_for("fr"), "fr") == (
        "ClinicalTrials.gov, fiche du 15 septembre 2026"
    )


def test_other_sources_are_not_named():
    assert line(source=GUESS, verified=False).text == (
        "Information à vérifier : jamais confirmée par le centre"
    )
    confirmed = line(source=GUESS, verified=False, confirmed=datetime(2026, 11, 30, tzinfo=UTC))
    assert confirmed.text == "Statut confirmé par le centre le 30 novembre 2026"


@pytest.mark.parametrize(
    "source, phrase",
    [
        ("Communiqué de presse : centre participant", "d'après un communiqué de presse"),
        (
            "Communiqué de presse du CHU de Clermont-Ferrand (coordonnées non publiées)",
            "d'après le communiqué du CHU de Clermont-Ferrand",
        ),
        ("Saisi par un administrateur", None),
        (None, None),
    ],
)
def test_source_phrases(source, phrase):
    assert source_phrase(source, strings_for("fr"), "fr") == phrase


def test_months():
    assert month_text("2026-09", "fr") == "septembre 2026"
    assert month_text("2026-13", "fr") is None and month_text("", "en") is None
