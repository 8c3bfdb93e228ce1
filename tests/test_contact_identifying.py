"""What a contact request may hold: French phone numbers, RPPS numbers, and messages with
no email address, phone number or NIR in them (sitedir.contact.identifying, pure)."""

import pytest

from sitedir.contact.identifying import (
    identifying_details,
    is_french_phone,
    luhn_ok,
    rpps_problem,
)


@pytest.mark.parametrize(
    "typed",
    [
        "01 23 45 67 89",
        "0123456789",
        "01.23.45.67.89",
        "01-23-45-67-89",
        "+33 1 23 45 67 89",
        "+33123456789",
        "+33 (0)1 23 45 67 89",
        "+262 2 62 00 00 00",
        "04 73 00 00 00",
    ],
)
def test_french_phone_numbers_are_taken(typed):
    assert is_french_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12",
        "1234567890",
        "00 23 45 67 89",
        "01 23 45 67",
        "+33 0 23 45 67 89",
        "+44 20 7946 0000",
        "01 23 45 67 89 0",
        "01 23 45 67 8a",
        "01 23 45 67 89\n",  # matched whole: the page trims what people type, the API not
        " 01 23 45 67 89",
    ],
)
def test_other_numbers_are_refused(typed):
    assert not is_french_phone(typed)


def _luhn_digit(body: str) -> str:
    """The check digit of `body`, computed the textbook way (an oracle apart from luhn_ok)."""
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        total += sum(divmod(d * 2, 10)) if i % 2 == 0 else d
    return str((10 - total % 10) % 10)


@pytest.mark.parametrize("body", ["1000000000", "1012345678", "1099999999", "1002345671"])
def test_rpps_numbers_with_their_luhn_key_are_taken(body):
    number = body + _luhn_digit(body)
    assert luhn_ok(number) and rpps_problem(number) is None
    # Any other last digit is refused as a wrong key, not as a wrong length.
    for other in set("0123456789") - {number[-1]}:
        assert rpps_problem(body + other) == "check"


def test_a_swap_of_two_digits_is_caught():
    number = "1012345678" + _luhn_digit("1012345678")
    swapped = number[:3] + number[4] + number[3] + number[5:]
    assert swapped != number and rpps_problem(swapped) == "check"


@pytest.mark.parametrize("typed", ["", "1234567890", "123456789012", "1000000000 9", "1000000000a"])
def test_rpps_numbers_of_another_shape_are_refused_as_such(typed):
    assert rpps_problem(typed) == "length"


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("Patiente de 38 ans, lupus réfractaire, néphrite classe IV.", []),
        ("Trois lignes de traitement en 2025 et 2026, dont 2 perfusions.", []),
        ("Écrivez-moi à jean.dupont@chu-exemple.fr", ["email"]),
        ("sa fille: marie@example.org", ["email"]),
        ("Appelez le 06 12 34 56 78", ["phone"]),
        ("joignable au 0612345678 le matin", ["phone"]),
        ("+33 6 12 34 56 78", ["phone"]),
        ("0033 6 12 34 56 78", ["phone"]),
        ("NIR 2 85 05 78 006 084 36", ["nir"]),
        ("n° 185057800608436", ["nir"]),
        ("secu 1850578006084", ["nir"]),
        ("né en Corse: 1 85 05 2A 006 084", ["nir"]),
        ("x@y.fr, 06 12 34 56 78, 2 85 05 78 006 084 36", ["email", "phone", "nir"]),
    ],
)
def test_messages_are_searched_for_identifying_numbers_and_addresses(message, found):
    assert identifying_details(message) == found


def test_the_checks_need_no_web_stack():
    """identifying.py is pure: it imports and works with Flask and marshmallow blocked."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for name in ('flask', 'sqlalchemy', 'werkzeug', 'flask_smorest', 'marshmallow'):\n"
        "    sys.modules[name] = None\n"
        "from sitedir.contact.identifying import identifying_details, rpps_problem\n"
        "assert identifying_details('appelez le 06 12 34 56 78') == ['phone']\n"
        "assert rpps_problem('10000000009') is None\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
