"""What a contact request may hold: a French phone number, an RPPS number, and a message
with nothing in it that identifies a person by number or address.

Pure: no Flask or marshmallow here, so the API's schema and the page's form share it and
the tests call it directly.
"""

import re

# What the phone field's error shows as the expected format (RGAA 11.11).
PHONE_EXAMPLE = "01 23 45 67 89 ou +33 1 23 45 67 89"
PHONE_EXAMPLE_EN = "01 23 45 67 89 or +33 1 23 45 67 89"

_SEP = r"[ .\-]?"
# A French number: ten digits from 0 (01 to 09), or +33 (and the overseas +262, +269,
# +508, +590, +594, +596, +687, +689) then nine digits, "(0)" allowed after the prefix;
# pairs separated by a space, a dot or a hyphen, or not at all.
_PREFIXES = r"\+(?:33|262|269|508|590|594|596|687|689)"
PHONE = re.compile(
    rf"(?:0[1-9]|{_PREFIXES}{_SEP}(?:\(0\){_SEP})?[1-9])(?:{_SEP}[0-9]{{2}}){{4}}",
)
# The same, as the OpenAPI document states it (matched whole, see sitedir.schemas.Pattern).
PHONE_RE = f"^{PHONE.pattern}$"

# The same kinds of numbers inside free text, and "00 33 ..." as people also write it.
_PHONE_IN_TEXT = re.compile(
    rf"(?<![\d+])(?:(?:{_PREFIXES}|00{_SEP}33){_SEP}(?:\(0\){_SEP})?[1-9]|0[1-9])"
    rf"(?:{_SEP}\d{{2}}){{4}}(?!\d)"
)
# An email address anywhere in the text (an "@" between two non-blank runs, one dot after).
_EMAIL_IN_TEXT = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# A NIR (French social-security number): sex (1, 2; 3, 4, 7, 8 for special cases), year,
# month, département (digits, 2A or 2B), commune, order, and maybe its two-digit key; with
# or without the spaces people put between the groups.
_NIR_IN_TEXT = re.compile(
    r"(?<![\dA-Za-z])[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3}(?: ?\d{2})?"
    r"(?![\dA-Za-z])"
)

# ASCII digits only: Python's \d also takes other scripts' digits.
RPPS_RE = r"^[0-9]{11}$"
RPPS = re.compile(RPPS_RE[1:-1])


def is_french_phone(value: str) -> bool:
    """True when `value`, as typed, is a French phone number (see PHONE)."""
    return PHONE.fullmatch(value) is not None


def luhn_ok(digits: str) -> bool:
    """True when the digits' last one is their Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def rpps_problem(value: str) -> str | None:
    """Why `value` is not an RPPS number ('length' or 'check'), or None when it is one.

    An RPPS number is 11 digits, the last a Luhn check digit (ANS, Répertoire partagé des
    professionnels de santé).
    """
    if not RPPS.fullmatch(value):
        return "length"
    return None if luhn_ok(value) else "check"


def identifying_details(text: str) -> list[str]:
    """What in `text` may identify a person: 'email', 'phone', 'nir' (in that order)."""
    found = []
    if _EMAIL_IN_TEXT.search(text):
        found.append("email")
    # A NIR is checked first: its 13 or 15 digits would not read as a phone number, but
    # a phone number read inside it would be reported as the wrong thing.
    nir = _NIR_IN_TEXT.search(text)
    without_nir = _NIR_IN_TEXT.sub(" ", text)
    if _PHONE_IN_TEXT.search(without_nir):
        found.append("phone")
    if nir:
        found.append("nir")
    return found
