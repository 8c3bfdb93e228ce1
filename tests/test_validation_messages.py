"""Validation messages in French by default, in English on request."""

import marshmallow as ma
import pytest
from marshmallow import validate

from sitedir.web.validation_messages import FRENCH, in_french
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Missing data for required field.", "Champ obligatoire manquant."),
        ("Not a valid integer.", "Ce n'est pas un nombre entier."),
        (
            "Must be greater than or equal to -90 and less than or equal to 90.",
            "Doit être supérieur ou égal à -90 et inférieur ou égal à 90.",
        ),
        (
            "Must be greater than 0 and less than or equal to 20000.",
            "Doit être supérieur à 0 et inférieur ou égal à 20000.",
        ),
        ("Must be greater than 0.", "Doit être supérieur à 0."),
        ("Must be less than or equal to 5.", "Doit être inférieur ou égal à 5."),
        ("Must be one of: recruiting, paused.", "Valeurs possibles : recruiting, paused."),
        ("Length must be between 1 and 200.", "La longueur doit être comprise entre 1 et 200."),
        ("Longer than maximum length 500.", "Plus long que la longueur maximale (500)."),
        ("5 digits expected", "5 chiffres attendus."),
        # Unknown: kept as it is, never dropped.
        ("something new in a future marshmallow", "something new in a future marshmallow"),
    ],
)
def test_in_french(english, french):
    assert in_french(english) == french


FIELDS = [
    ma.fields.String(),
    ma.fields.Integer(),
    ma.fields.Float(allow_nan=False),
    ma.fields.Boolean(),
    ma.fields.Date(),
    ma.fields.DateTime(),
    ma.fields.Email(),
    ma.fields.Url(),
    ma.fields.List(ma.fields.String()),
    ma.fields.Dict(),
]
VALIDATORS = [
    (validate.Range(min=1, max=20), 99),
    (validate.Range(min=0, max=20000, min_inclusive=False), 0),
    (validate.Range(min=1), 0),
    (validate.Range(max=5, max_inclusive=False), 9),
    (validate.Length(min=1, max=200), ""),
    (validate.Length(max=3), "abcd"),
    (validate.Length(min=3), "a"),
    (validate.Length(equal=5), "abc"),
    (validate.OneOf(["a", "b"]), "c"),
    (validate.Regexp(r"^\d+$"), "x"),
    (validate.Email(), "not an email"),
    (validate.URL(), "not a url"),
]


def _messages_of(error: ma.ValidationError) -> list[str]:
    messages = error.messages
    return messages if isinstance(messages, list) else [str(messages)]


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: type(f).__name__)
def test_every_message_of_the_fields_we_use_has_its_french(field):
    """Guards a marshmallow upgrade: a reworded message would show in English."""
    for key, english in field.error_messages.items():
        if "{" in english:
            continue  # formatted with the input; the templates below cover those we use
        assert english in FRENCH, f"{type(field).__name__}.{key}: {english!r}"


@pytest.mark.parametrize(("validator", "value"), VALIDATORS, ids=repr)
def test_every_validator_message_we_use_has_its_french(validator, value):
    with pytest.raises(ma.ValidationError) as refused:
        validator(value)
    for english in _messages_of(refused.value):
        assert in_french(english) != english, english


def test_the_api_speaks_french_by_default_and_english_on_request(client):
    body = assert_problem(client.get("/api/v1/nearest?lat=999&lon=3"), 422)
    reason = body["invalid_params"][0]["reason"]
    assert reason == "Doit être supérieur ou égal à -90 et inférieur ou égal à 90."
    assert reason in body["detail"]

    body = assert_problem(client.get("/api/v1/nearest?lat=999&lon=3&lang=en"), 422)
    assert body["invalid_params"][0]["reason"] == (
        "Must be greater than or equal to -90 and less than or equal to 90."
    )

    body = assert_problem(client.get("/api/v1/nearest?q=Vichy&insee=03310"), 422)
    assert body["invalid_params"][0]["reason"].startswith("indiquez une seule origine")
    body = assert_problem(
        client.get("/api/v1/nearest?q=Vichy&insee=03310", headers={"Accept-Language": "en"}), 422
    )
    assert body["invalid_params"][0]["reason"].startswith("give exactly one origin")


def test_admin_writes_too(client, tokens):
    body = assert_problem(
        client.post(
            "/api/v1/sites/clermont-ferrand/contacts",
            json={"role": "principal_investigator", "email": "pas un e-mail", "nickname": "x"},
            headers=tokens["own"],
        ),
        422,
    )
    reasons = {p["name"]: p["reason"] for p in body["invalid_params"]}
    assert reasons["email"] == "Adresse e-mail invalide."
    assert reasons["nickname"] == "Champ inconnu."


def test_a_body_that_does_not_parse_is_named_in_both_languages(client, tokens):
    url = "/api/v1/sites/clermont-ferrand/contacts"
    headers = {**tokens["own"], "Content-Type": "application/json"}
    body = assert_problem(client.post(url, data="{not json", headers=headers), 400)
    assert body["invalid_params"] == [
        {"name": None, "in": "json", "reason": "Le corps de la requête n'est pas du JSON valide."}
    ]
    assert body["detail"].endswith("Le corps de la requête n'est pas du JSON valide.")
    english = {**headers, "Accept-Language": "en"}
    body = assert_problem(client.post(url, data="{not json", headers=english), 400)
    assert body["invalid_params"][0]["reason"] == "Invalid JSON body."
