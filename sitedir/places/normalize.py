"""Step 1 of place search: fold what people type into a comparable key."""

import re
import unicodedata

_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
    }
)
# "s/" is the postal abbreviation of "sur" (Chalon s/ Saône).
_SUR = re.compile(r"(?<![a-z0-9])s\s*/\s*", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Return `text` lower-cased, without accents, ligatures or punctuation, one space apart."""
    text = _SUR.sub(" sur ", text.translate(_LIGATURES))
    # Decomposed, accents are separate marks; dropping what is not ASCII drops them
    # (and whatever else is not a letter or digit, which the next step removes anyway).
    text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub(" ", text).strip()
