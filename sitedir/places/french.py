"""Step 2 of place search: French rules for what people type about places.

Saint and its abbreviations, leading articles, "Fd" for Ferrand, arrondissements in
every usual form, and département hints ("Saint-Denis 93", "Valence Drôme").
Each rule is a small pure function on folded text (see normalize.fold).
"""

import re

ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "fd": "ferrand",
    "mt": "mont",
}
ARTICLES = ("le", "la", "les", "l")

# INSEE codes of municipal arrondissements: prefix and how many there are.
ARRONDISSEMENTS = {"paris": ("751", 20), "marseille": ("132", 16), "lyon": ("6938", 9)}
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon) (\d{1,2}|[ivx]+) ?(?:e|er|ere|eme|ieme|em|me)?"
    r"(?: arr(?:t|ondissement)?)?$"
)
DEPARTMENT_CODE = re.compile(r"^(\d{2}|2a|2b|97\d)$")


def expand_abbreviations(key: str) -> str:
    """Return the key with St/Ste/Fd... written out; a lone leading "s" is Saint."""
    words = key.split()
    out = [ABBREVIATIONS.get(w, w) for w in words]
    if len(out) > 1 and out[0] == "s":
        out[0] = "saint"
    return " ".join(out)


def strip_article(key: str) -> str:
    """Return the key without a leading Le/La/Les/L' (kept when it is the whole key)."""
    first, _, rest = key.partition(" ")
    return rest if first in ARTICLES and rest else key


def _roman(text: str) -> int | None:
    values = [_ROMAN[c] for c in text]
    total = 0
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and values[i + 1] > value else value
    return total or None


def arrondissement_code(key: str) -> str | None:
    """Return the INSEE code named by "paris 13e", "marseille 5eme", "lyon iii"..., or None."""
    found = _ARRONDISSEMENT.match(key)
    if not found:
        return None
    city, number = found.group(1), found.group(2)
    n = int(number) if number.isdigit() else _roman(number)
    prefix, count = ARRONDISSEMENTS[city]
    if not n or n > count:
        return None
    return prefix + str(n).zfill(5 - len(prefix))


def split_department_hint(key: str, department_names: dict[str, str]) -> tuple[str, str] | None:
    """Return (name, département code) when the key ends with a département code or name.

    `department_names` maps folded département names to their codes.
    """
    words = key.split()
    if len(words) < 2:
        return None
    if DEPARTMENT_CODE.match(words[-1]):
        return " ".join(words[:-1]), words[-1].upper()
    # Longest département name first: "puy de dome" before "dome".
    for size in (4, 3, 2, 1):
        if len(words) > size:
            tail = " ".join(words[-size:])
            if tail in department_names:
                return " ".join(words[:-size]), department_names[tail]
    return None
