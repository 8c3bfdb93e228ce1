"""French for the validation messages the API sends: marshmallow's, webargs' and ours.

Schemas keep their messages in English, as marshmallow writes them and as code is
written. When an answer is in French, problems.py passes each message through
`in_french`, so a doctor reads "Champ obligatoire manquant." where a developer asking
for English reads "Missing data for required field.". A message missing from the table
stays as it is: better English than nothing.
"""

import re

# marshmallow's Range builds its message from these pieces.
_BOUNDS = {
    "greater than": "supérieur à",
    "greater than or equal to": "supérieur ou égal à",
    "less than": "inférieur à",
    "less than or equal to": "inférieur ou égal à",
}

FRENCH = {
    # marshmallow's fields
    "Missing data for required field.": "Champ obligatoire manquant.",
    "Field may not be null.": "Ce champ ne peut pas être nul.",
    "Invalid value.": "Valeur invalide.",
    "Not a valid string.": "Ce n'est pas une chaîne de caractères.",
    "Not a valid utf-8 string.": "Ce n'est pas une chaîne UTF-8 valide.",
    "Not a valid integer.": "Ce n'est pas un nombre entier.",
    "Not a valid number.": "Ce n'est pas un nombre.",
    "Number too large.": "Nombre trop grand.",
    "Special numeric values (nan or infinity) are not permitted.": (
        "Les valeurs numériques spéciales (nan, infini) ne sont pas acceptées."
    ),
    "Not a valid boolean.": "Ce n'est pas un booléen (true ou false).",
    "Not a valid date.": "Ce n'est pas une date (AAAA-MM-JJ).",
    "Not a valid datetime.": "Ce n'est pas une date et heure (ISO 8601).",
    "Not a valid email address.": "Adresse e-mail invalide.",
    "Not a valid URL.": "Adresse web (URL) invalide.",
    "Not a valid list.": "Ce n'est pas une liste.",
    "Not a valid mapping type.": "Ce n'est pas un objet JSON.",
    "Invalid type.": "Type invalide.",
    "Invalid input type.": "Type de données invalide.",
    "Unknown field.": "Champ inconnu.",
    # webargs, for a body that does not parse
    "Invalid JSON body.": "Le corps de la requête n'est pas du JSON valide.",
    # marshmallow's validators
    "Invalid input.": "Valeur invalide.",
    "String does not match expected pattern.": "Format non reconnu.",
    "Must be one of: {choices}.": "Valeurs possibles : {choices}.",
    "Length must be between {min} and {max}.": (
        "La longueur doit être comprise entre {min} et {max}."
    ),
    "Length must be {equal}.": "La longueur doit être de {equal}.",
    "Longer than maximum length {max}.": "Plus long que la longueur maximale ({max}).",
    "Shorter than minimum length {min}.": "Plus court que la longueur minimale ({min}).",
    **{
        f"Must be {low} {{min}} and {high} {{max}}.": (
            f"Doit être {_BOUNDS[low]} {{min}} et {_BOUNDS[high]} {{max}}."
        )
        for low in ("greater than", "greater than or equal to")
        for high in ("less than", "less than or equal to")
    },
    **{f"Must be {bound} {{min}}.": f"Doit être {_BOUNDS[bound]} {{min}}." for bound in _BOUNDS},
    **{f"Must be {bound} {{max}}.": f"Doit être {_BOUNDS[bound]} {{max}}." for bound in _BOUNDS},
    # sitedir's own
    "type a town name, a postcode or a code": "Saisissez une commune, un code postal ou un code.",
    "5 digits expected": "5 chiffres attendus.",
    "not an INSEE code": "Ce n'est pas un code INSEE.",
    "not a phone number": "Ce n'est pas un numéro de téléphone.",
    "unknown study": "Étude inconnue.",
    "nothing searchable": "Rien à chercher.",
    "online geocoding is off": "La recherche d'adresse en ligne est désactivée.",
    "required when several studies exist": "Obligatoire quand il existe plusieurs études.",
}


def _pattern(template: str) -> re.Pattern:
    """A regex matching `template` once its {placeholders} are filled in."""
    parts = re.split(r"\{(\w+)\}", template)
    # re.split alternates literal text and placeholder names.
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


_EXACT = {en: fr for en, fr in FRENCH.items() if "{" not in en}
# Most literal text first: "Must be greater than or equal to {min}." before "Must be
# greater than {min}.", whose {min} would otherwise swallow "or equal to".
_TEMPLATES = sorted(
    (en for en in FRENCH if "{" in en), key=lambda en: -len(re.sub(r"\{\w+\}", "", en))
)
_FILLED = [(_pattern(en), FRENCH[en]) for en in _TEMPLATES]


def in_french(message: str) -> str:
    """Return the French for one validation message, or the message itself if unknown."""
    if message in _EXACT:
        return _EXACT[message]
    for pattern, french in _FILLED:
        found = pattern.fullmatch(message)
        if found:
            return french.format(**found.groupdict())
    return message
