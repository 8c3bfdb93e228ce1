"""A study as the page, the widget and the printed sheet show it: its title, phase,
condition, sponsor, registry link, eligibility summary and who decides; and whether other
studies share its condition ("Tous les essais pour cette maladie").

Only what is known is shown: a study written by hand has no registry details, and none
are made up for it.
"""

from urllib.parse import urlencode

from sitedir.directory.catalogue import of_condition
from sitedir.domain.study_match import age_text, condition_mesh, registry_url, sponsor_name

# An eligibility text longer than this (a registry's full criteria) is folded away.
LONG_ELIGIBILITY = 500


def _phase(phase: str, s: dict) -> str:
    return s.get(f"phase.{phase}") or phase


def _ages(details: dict, s: dict, lang: str) -> str | None:
    low, high = (
        age_text(details.get("minimum_age"), lang),
        age_text(details.get("maximum_age"), lang),
    )
    if low and high:
        return s["age_range"].format(low=low, high=high)
    if low:
        return s["age_min"].format(low=low)
    if high:
        return s["age_max"].format(high=high)
    return None


def study_view(study, s: dict, lang: str) -> dict | None:
    """What the page shows of a study (None for a study that does not exist)."""
    if study is None:
        return None
    en = lang == "en"
    details = study.details or {}
    nct = (study.registry_ids or {}).get("nct")
    url = registry_url(study.registry_ids)
    facts = [(s["phase_label"], _phase(study.phase, s))]
    facts.append((s["condition_label"], study.condition_en if en else study.condition_fr))
    if sponsor := sponsor_name(details):
        facts.append((s["sponsor"], sponsor))
    ages = _ages(details, s, lang)
    sex = s.get(f"sex.{details.get('sex')}") if details.get("sex") else None
    if ages:
        facts.append((s["age"], ages))
    if sex:
        facts.append((s["sex"], sex))
    if not (ages or sex):  # what the study says of its population, when no ages are given
        facts.append((s["population"], study.population_en if en else study.population_fr))
    facts.append((s["study_source"], study.source))
    eligibility = study.eligibility_en if en else study.eligibility_fr
    registry = None
    if url and nct:  # a url is made only from an NCT number: both are there, or neither
        registry = {"label": f"ClinicalTrials.gov {nct.strip()}", "url": url}
    # The record's central contacts, shown by contact/study_contacts.html.
    contacts = [c for c in details.get("central_contacts") or [] if isinstance(c, dict)]
    return {
        "slug": study.slug,
        "lang": lang,
        "title": study.title_en if en else study.title_fr,
        "line": " · ".join(
            f"{label} {value}" if i == 0 else value for i, (label, value) in enumerate(facts[:2])
        ),
        "facts": facts,
        "registry": registry,
        "eligibility": eligibility,
        "eligibility_long": len(eligibility) > LONG_ELIGIBILITY,
        "disclaimer": study.disclaimer_en if en else study.disclaimer_fr,
        "pathway": [step["label_en" if en else "label_fr"] for step in study.pathway_steps or []],
        "contacts": contacts,
    }


def _condition_queries(study) -> list[str]:
    # Its condition as written, in both languages and as the record's terms, then their
    # MeSH codes: not its keywords, which name a treatment as often as a disease.
    details = study.details or {}
    terms = [study.condition_fr, study.condition_en]
    codes = []
    for condition in details.get("conditions") or []:
        if isinstance(condition, dict):
            if isinstance(condition.get("term"), str):
                terms.append(condition["term"])
            codes += condition_mesh(condition)
    return list(dict.fromkeys(t.strip() for t in terms + codes if t and t.strip()))


def related_condition(study, catalogue) -> tuple[str, int] | None:
    """The way of naming this study's condition that finds the most studies, and how many,
    when that is more than this one; else None."""
    if study is None:
        return None
    best = None
    for query in _condition_queries(study):
        count = len(of_condition(catalogue, query))
        if best is None or count > best[1]:
            best = (query, count)
    return best if best and best[1] > 1 else None


def all_trials_href(condition: str, origin: dict | None, lang: str) -> str:
    """The study list, across studies of this condition, for this patient's town if known."""
    query = {"condition": condition}
    if origin and origin.get("insee"):
        query["insee"] = origin["insee"]
    elif origin and origin.get("q"):
        query["town"] = origin["q"]
    query["lang"] = lang
    return "/etudes?" + urlencode(query)
