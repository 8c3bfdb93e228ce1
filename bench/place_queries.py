"""Generate the place-search benchmark's query set, deterministically, from the gazetteer.

    .venv/bin/python bench/place_queries.py > bench/data/place_queries.tsv

Each line: a query as a doctor might type it, the INSEE code it means, and the kind of
query. Names are real; the variations are typos (one edit on names of 5+ letters, two on
names of 10+), St/Ste abbreviations, dropped articles, lower case without accents or
hyphens, prefixes for autocomplete, arrondissements in their usual forms, postcodes, INSEE
codes, département hints on names several communes share, and former commune names.
Where several communes bear a name, the one meant is the most populous (the likeliest).
"""

import random
import sys
import unicodedata
from collections import defaultdict

from sitedir.places.gazetteer import get_gazetteer

SEED = 20261125
PER_KIND = 300
ROMAN = {
    1: "Ier",
    2: "IIe",
    3: "IIIe",
    4: "IVe",
    5: "Ve",
    6: "VIe",
    7: "VIIe",
    8: "VIIIe",
    9: "IXe",
    10: "Xe",
    11: "XIe",
    12: "XIIe",
    13: "XIIIe",
    14: "XIVe",
    15: "XVe",
    16: "XVIe",
    17: "XVIIe",
    18: "XVIIIe",
    19: "XIXe",
    20: "XXe",
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def plain(text: str) -> str:
    """Lower case, no accents, spaces for hyphens and apostrophes: how people type fast."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").replace("'", " ").split())


def typo(name: str, edits: int, rng: random.Random) -> str:
    """Apply `edits` random single-letter edits (substitute, delete, insert, swap) inside."""
    chars = list(plain(name))
    for _ in range(edits):
        positions = [i for i, c in enumerate(chars) if c.isalpha() and 0 < i < len(chars) - 1]
        i = rng.choice(positions)
        kind = rng.choice(["sub", "del", "ins", "swap"])
        if kind == "sub":
            chars[i] = rng.choice([c for c in LETTERS if c != chars[i]])
        elif kind == "del":
            del chars[i]
        elif kind == "ins":
            chars.insert(i, rng.choice(LETTERS))
        elif chars[i + 1].isalpha() and chars[i + 1] != chars[i]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice([c for c in LETTERS if c != chars[i]])
    return "".join(chars)


def main() -> int:
    rng = random.Random(SEED)
    gazetteer = get_gazetteer()
    places = sorted(gazetteer.places(), key=lambda p: p.insee)
    communes = [p for p in places if p.kind == "commune"]
    by_name = defaultdict(list)
    for p in communes:
        by_name[plain(p.name)].append(p)
    likeliest = {
        n: max(ps, key=lambda p: (p.population or 0, p.insee)) for n, ps in by_name.items()
    }

    # Names whose likeliest holder is clearly the one meant: unique, or 5x the next one.
    def clear(name):
        holders = sorted((p.population or 0 for p in by_name[name]), reverse=True)
        return len(holders) == 1 or holders[0] >= 5 * max(holders[1], 1)

    known = set(by_name)
    rows = []

    def add(query, place, kind):
        rows.append((query, place.insee, kind))

    sample = rng.sample([p for p in communes if clear(plain(p.name))], PER_KIND * 2)
    for p in sample[:PER_KIND]:
        add(p.name, likeliest[plain(p.name)], "exact")
    for p in sample[PER_KIND:]:
        add(plain(p.name), likeliest[plain(p.name)], "plain")
    long_names = [p for p in communes if len(plain(p.name)) >= 5 and clear(plain(p.name))]
    for p in rng.sample(long_names, PER_KIND):
        edits = 2 if len(plain(p.name)) >= 10 else 1
        query = typo(p.name, edits, rng)
        if query not in known:
            add(query, likeliest[plain(p.name)], f"typo{edits}")
    saints = [
        p for p in communes if p.name.startswith(("Saint-", "Sainte-")) and clear(plain(p.name))
    ]
    for p in rng.sample(saints, PER_KIND):
        short = p.name.replace("Sainte-", "Ste ", 1).replace("Saint-", "St ", 1)
        add(short, likeliest[plain(p.name)], "abbreviation")
    articles = [
        p
        for p in communes
        if p.name.startswith(("Le ", "La ", "Les ", "L'")) and clear(plain(p.name))
    ]
    for p in rng.sample(articles, min(PER_KIND, len(articles))):
        bare = p.name.split(" ", 1)[1] if not p.name.startswith("L'") else p.name[2:]
        if plain(bare) not in known:
            add(bare, likeliest[plain(p.name)], "article")
    # Autocomplete: the first letters of towns of 5,000+ people, meaning the most
    # populous commune whose name starts with them.
    towns = [p for p in communes if (p.population or 0) >= 5000]
    for p in rng.sample(towns, PER_KIND):
        prefix = plain(p.name)[: max(4, len(plain(p.name)) // 2)].strip()
        if prefix in known:
            continue  # a commune bears exactly that name: not a prefix query
        meant = max(
            (q for q in communes if plain(q.name).startswith(prefix)),
            key=lambda q: (q.population or 0, q.insee),
        )
        add(prefix, meant, "prefix")
    for p in places:
        if p.kind == "arrondissement":
            n = int(p.insee[-2:]) if not p.insee.startswith("6938") else int(p.insee[-1])
            city = p.name.split(" ")[0]
            add(f"{city} {n}{'er' if n == 1 else 'e'}", p, "arrondissement")
            add(f"{city} {n}", p, "arrondissement")
            if city == "Paris":
                add(f"Paris {ROMAN[n]}", p, "arrondissement")
            if city == "Marseille":
                add(f"Marseille {n}{'er' if n == 1 else 'ème'}", p, "arrondissement")
    by_postcode = defaultdict(list)
    for p in places:
        for pc in p.postcodes:
            by_postcode[pc].append(p)
    single = sorted(pc for pc, ps in by_postcode.items() if len(ps) == 1)
    for pc in rng.sample(single, PER_KIND):
        spaced = rng.random() < 0.3
        add(f"{pc[:2]} {pc[2:]}" if spaced else pc, by_postcode[pc][0], "postcode")
    # INSEE codes that are not also a postcode (five digits alone read as a postcode).
    codes = [p for p in communes if p.insee not in by_postcode]
    for p in rng.sample(codes, PER_KIND):
        add(p.insee, p, "insee")
    shared = [ps for ps in by_name.values() if len({p.department for p in ps}) > 1]
    for ps in rng.sample(shared, PER_KIND):
        p = rng.choice(ps)
        if sum(1 for q in ps if q.department == p.department) == 1:
            form = rng.choice(["{n} {d}", "{n} ({d})", "{n} {dn}"])
            add(form.format(n=p.name, d=p.department, dn=p.department_name), p, "department")
    formers = [f for f in gazetteer.former if f.name and plain(f.name) not in known]
    former_names = defaultdict(set)
    for f in formers:
        former_names[plain(f.name)].add(f.place.insee)
    unique_formers = [f for f in formers if len(former_names[plain(f.name)]) == 1]
    for f in rng.sample(unique_formers, PER_KIND):
        add(f.name, f.place, "former_name")

    print("query\tinsee\tkind")
    for query, insee, kind in rows:
        print(f"{query}\t{insee}\t{kind}")
    print(f"{len(rows)} queries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
