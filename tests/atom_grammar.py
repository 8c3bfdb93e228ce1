"""The RFC 4287 Atom grammar as the tests' oracle: RELAX NG, then its Schematron rules.

RFC 4287 Appendix B gives Atom's grammar in RELAX NG compact syntax; tests/atom/atom.rng
is that grammar converted once by trang (tests/atom/README.md). lxml validates the RELAX
NG; the grammar's three Schematron rules (an entry's alternate link or content, an author
for each entry) are annotations RELAX NG ignores, so they are read out of the same file
and checked as ISO Schematron (lxml's isoschematron), rule for rule.
"""

from functools import cache
from pathlib import Path

from lxml import etree, isoschematron

HERE = Path(__file__).parent / "atom"
RNG = "http://relaxng.org/ns/structure/1.0"
OLD_SCHEMATRON = "http://www.ascc.net/xml/schematron"  # the RFC's Schematron 1.5
ISO_SCHEMATRON = "http://purl.oclc.org/dsdl/schematron"
ATOM = "http://www.w3.org/2005/Atom"


@cache
def _grammar() -> etree._ElementTree:
    return etree.parse(str(HERE / "atom.rng"))


@cache
def _relax_ng() -> etree.RelaxNG:
    return etree.RelaxNG(_grammar())


def schematron_rules() -> list[tuple[str, str, str]]:
    """The grammar's Schematron rules: (context, test, message), as the RFC writes them."""
    return [
        (rule.get("context"), check.get("test"), " ".join(check.text.split()))
        for rule in _grammar().iter(f"{{{OLD_SCHEMATRON}}}rule")
        for check in rule.iter(f"{{{OLD_SCHEMATRON}}}assert")
    ]


@cache
def _schematron() -> isoschematron.Schematron:
    schema = etree.Element(f"{{{ISO_SCHEMATRON}}}schema", nsmap={None: ISO_SCHEMATRON})
    etree.SubElement(schema, f"{{{ISO_SCHEMATRON}}}ns", prefix="atom", uri=ATOM)
    for context, test, message in schematron_rules():
        # Within one pattern only the first rule matching a node fires, and two of the
        # RFC's rules share a context: each rule gets its own pattern.
        pattern = etree.SubElement(schema, f"{{{ISO_SCHEMATRON}}}pattern")
        rule = etree.SubElement(pattern, f"{{{ISO_SCHEMATRON}}}rule", context=context)
        etree.SubElement(rule, f"{{{ISO_SCHEMATRON}}}assert", test=test).text = message
    return isoschematron.Schematron(schema, store_report=True)


def atom_errors(document: bytes) -> list[str]:
    """What RFC 4287's grammar finds wrong with this Atom document; [] when it is valid."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    errors = []
    grammar = _relax_ng()
    if not grammar.validate(root):
        errors += [f"RELAX NG, line {e.line}: {e.message}" for e in grammar.error_log]
    rules = _schematron()
    if not rules.validate(root):
        report = rules.validation_report
        failed = report.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert")
        errors += [
            f"Schematron at {f.get('location')}: {' '.join(f.itertext()).strip()}" for f in failed
        ]
    return errors
