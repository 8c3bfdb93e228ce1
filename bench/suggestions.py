"""How often "did you mean" offers the intended town, and at what cost.

    .venv/bin/python bench/suggestions.py

150 of the 3,000 most populous communes, each typed with three random edits (a letter
dropped, added or changed), and 50 typed as "hopital de <name>"; for each, whether the
commune is among the 5 suggestions (sitedir.places.search.suggest), and the mean time per
query (the first calls build the trigram groups they need). Deterministic (fixed seed).
"""

import random
import sys
import time

from sitedir.places.gazetteer import get_gazetteer
from sitedir.places.search import get_index, suggest


def typed_queries(seed: int = 3) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(three-edit typos, "hopital de" queries), each with the INSEE code meant."""
    rng = random.Random(seed)
    places = sorted(get_gazetteer().places(), key=lambda p: -(p.population or 0))[:3000]
    typos = []
    for place in rng.sample(places, 150):
        name = place.name
        for _ in range(3):
            i = rng.randrange(len(name))
            name = rng.choice(
                (
                    name[:i] + name[i + 1 :],
                    name[:i] + rng.choice("aeiourst") + name[i:],
                    name[:i] + rng.choice("aeiourst") + name[i + 1 :],
                )
            )
        typos.append((name, place.insee))
    hospital = [("hopital de " + p.name, p.insee) for p in rng.sample(places, 50)]
    return typos, hospital


def main() -> int:
    typos, hospital = typed_queries()
    get_index()
    began = time.perf_counter()
    found = [insee in [p.insee for p in suggest(q)] for q, insee in typos + hospital]
    per_query_ms = (time.perf_counter() - began) / len(found) * 1000
    print(f"three-edit typos with the town among 5 suggestions: {sum(found[:150])}/150")
    print(f'"hopital de <town>" with the town among 5 suggestions: {sum(found[150:])}/50')
    print(f"mean per query: {per_query_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
