"""Step 2 of place search: French rules for what people type about places.

Saint and its abbreviations, leading articles, "Fd" for Ferrand, arrondissements in
every usual form, and where-hints typed after the town: a département's number or name, a
région's name, current or former, or an overseas territory's usual name ("Saint-Denis 93",
"Valence Drôme", "Le Robert Martinique", "Saint-Pierre à la Réunion", "Vichy Auvergne").
Each rule is a small pure function on folded text (see normalize.fold).
"""

import re
from dataclasses import dataclass

from sitedir.places.normalize import fold

ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "fd": "ferrand",
    "mt": "mont",
    "nd": "notre dame",
}
ARTICLES = ("le", "la", "les", "l")

# INSEE codes of municipal arrondissements: prefix and how many there are.
ARRONDISSEMENTS = {"paris": ("751", 20), "marseille": ("132", 16), "lyon": ("6938", 9)}
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ARRONDISSEMENT = re.compile(
    r"(paris|marseille|lyon) (\d{1,2}|[ivx]+) ?(?:e|er|ere|eme|ieme|em|me)?"
    r"(?: arr(?:t|ondissement)?)?"
)
# Metropolitan numbers, Corsica's two, overseas départements and collectivités.
DEPARTMENT_CODE = re.compile(r"\d{2}|2a|2b|97[1-8]|98[4-9]")
CORSICA = frozenset({"2A", "2B"})  # "20", the number before 1976, means either

# Words between a town and its hint: "Saint-Denis à la Réunion", "Le Robert en Martinique".
CONNECTORS = frozenset({"a", "au", "aux", "en", "dans", "de", "du", "des", "d"})

# Usual short names of régions and territories, beside the official ones the gazetteer
# has (with and without their article): folded short name -> folded official name.
SHORT_NAMES = {
    "idf": "ile de france",
    "paca": "provence alpes cote d azur",
    "aura": "auvergne rhone alpes",
    "centre": "centre val de loire",
    "polynesie": "polynesie francaise",
    "tahiti": "polynesie francaise",
    "caledonie": "nouvelle caledonie",
    "nlle caledonie": "nouvelle caledonie",
    "guyane francaise": "guyane",
    "spm": "saint pierre et miquelon",
    "miquelon": "saint pierre et miquelon",
    "saint barth": "saint barthelemy",
    "wallis": "wallis et futuna",
    "futuna": "wallis et futuna",
    "taaf": "terres australes et antarctiques francaises",
    "terres australes": "terres australes et antarctiques francaises",
    "clipperton": "ile de clipperton",
}

# The régions before 2016, still what many people say: their départements.
FORMER_REGIONS = {
    "alsace": ("67", "68"),
    "aquitaine": ("24", "33", "40", "47", "64"),
    "auvergne": ("03", "15", "43", "63"),
    "basse normandie": ("14", "50", "61"),
    "bourgogne": ("21", "58", "71", "89"),
    "champagne ardenne": ("08", "10", "51", "52"),
    "franche comte": ("25", "39", "70", "90"),
    "haute normandie": ("27", "76"),
    "languedoc roussillon": ("11", "30", "34", "48", "66"),
    "limousin": ("19", "23", "87"),
    "lorraine": ("54", "55", "57", "88"),
    "midi pyrenees": ("09", "12", "31", "32", "46", "65", "81", "82"),
    "nord pas de calais": ("59", "62"),
    "picardie": ("02", "60", "80"),
    "poitou charentes": ("16", "17", "79", "86"),
    "rhone alpes": ("01", "07", "26", "38", "42", "69", "73", "74"),
}


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
    found = _ARRONDISSEMENT.fullmatch(key)
    if not found:
        return None
    city, number = found.group(1), found.group(2)
    n = int(number) if number.isdigit() else _roman(number)
    prefix, count = ARRONDISSEMENTS[city]
    if not n or n > count:
        return None
    return prefix + str(n).zfill(5 - len(prefix))


@dataclass(frozen=True)
class WhereHints:
    """Folded where-hints ("drome", "la reunion", "reunion", "auvergne") and the
    département codes each means; `longest` is the most words one has."""

    codes: dict[str, frozenset[str]]
    longest: int


def where_hints(
    departments: dict[str, str], regions: dict[str, str], department_regions: dict[str, str]
) -> WhereHints:
    """Return every where-hint with the département codes it means.

    `departments` maps codes to names, `regions` région codes to names, and
    `department_regions` each département's code to its région's. Names count with and
    without their article ("la reunion", "reunion"); a région means all its départements.
    """
    by_region: dict[str, set[str]] = {}
    for department, region in department_regions.items():
        by_region.setdefault(region, set()).add(department)
    codes: dict[str, frozenset[str]] = {}

    def add(name: str, departments) -> None:
        for variant in (name, strip_article(name)):
            # A département keeps its own name where a région shares it (Guadeloupe).
            codes.setdefault(variant, frozenset(departments))

    for code, name in departments.items():
        add(_key(name), {code})
    for code, name in regions.items():
        if by_region.get(code):
            add(_key(name), by_region[code])
    for name, departments_of_region in FORMER_REGIONS.items():
        add(name, departments_of_region)
    for short, official in SHORT_NAMES.items():
        if official in codes:
            add(short, codes[official])
    return WhereHints(codes, max(len(name.split()) for name in codes))


def _key(name: str) -> str:
    return expand_abbreviations(fold(name))


def split_hint(key: str, hints: WhereHints) -> tuple[str, frozenset[str]] | None:
    """Return (town, département codes) when the key ends with a where-hint, else None.

    A trailing département number counts too. Words joining the town to the hint
    ("a la", "en", "dans") are dropped from the town.
    """
    words = key.split()
    if len(words) < 2:
        return None
    found = None
    if DEPARTMENT_CODE.fullmatch(words[-1]):
        code = words[-1].upper()
        found = 1, CORSICA if code == "20" else frozenset({code})
    else:
        # Longest hint first: "puy de dome" before "dome", "la reunion" before "reunion".
        for size in range(min(len(words) - 1, hints.longest), 0, -1):
            departments = hints.codes.get(" ".join(words[-size:]))
            if departments:
                found = size, departments
                break
    if found is None:
        return None
    size, departments = found
    town = words[:-size]
    while town and (town[-1] in CONNECTORS or town[-1] in ARTICLES):
        town.pop()
    return (" ".join(town), departments) if town else None
