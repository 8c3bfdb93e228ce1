"""The Atom feed against RFC 4287's own grammar (Appendix B: RELAX NG and its Schematron
rules, tests/atom_grammar.py), in every state it is served in: empty, longer than one
page, every event type, hostile text; and the check shown to fail on planted defects."""

import re
import shutil
import subprocess

import feedparser
import pytest
from lxml import etree

from sitedir.events import outbox
from sitedir.events.types import EVENT_TYPES
from sitedir.extensions import db
from sitedir.models import Event, Site
from tests.atom_grammar import HERE, atom_errors, schematron_rules
from tests.helpers import NEW_SITE, etag

ATOM = "{http://www.w3.org/2005/Atom}"
XML = "{http://www.w3.org/XML/1998/namespace}"
FEED = "/api/v1/changes.atom"


def _valid(client, url=FEED, **kwargs) -> etree._Element:
    """The served feed, checked against the grammar, with feedparser's reading of it."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert atom_errors(response.data) == []
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = etree.fromstring(response.data)
    # RFC 4287 prose the grammar cannot state: one alternate link per (type, hreflang) in
    # an entry (4.1.2), a self link (4.1.1, SHOULD), ids unique in the feed (4.1.1).
    for entry in root.iter(f"{ATOM}entry"):
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.iter(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)) == 1
    assert [link.get("rel") for link in root.findall(f"{ATOM}link")].count("self") == 1
    ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    return root


def test_the_converted_grammar_is_the_rfcs():
    """atom.rng names every define of atom.rnc (RFC 4287 Appendix B) and its three rules."""
    compact = (HERE / "atom.rnc").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Za-z]+) =", compact, flags=re.M)) - {"start"}
    grammar = etree.parse(str(HERE / "atom.rng"))
    names = {d.get("name") for d in grammar.iter("{http://relaxng.org/ns/structure/1.0}define")}
    assert len(defined) > 40 and names == defined
    assert [context for context, _, _ in schematron_rules()] == [
        "atom:feed",
        "atom:entry",
        "atom:entry",
    ]


def test_the_committed_rng_is_what_trang_makes_of_the_rnc(tmp_path):
    """Where trang is installed (Debian's trang; not needed in CI, which reads the
    committed .rng), the conversion is redone and must give the committed file."""
    if shutil.which("trang") is None:
        pytest.skip("trang is not installed (apt-get install trang)")
    made = tmp_path / "atom.rng"
    subprocess.run(
        ["trang", "-I", "rnc", "-O", "rng", str(HERE / "atom.rnc"), str(made)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert made.read_bytes() == (HERE / "atom.rng").read_bytes()


def test_the_empty_feed_is_valid_atom(client):
    root = _valid(client)
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated").startswith("1970-01-01T00:00:00")


def _status(client, tokens, reason):
    response = client.patch(
        "/api/v1/sites/clermont-ferrand",
        json={"status": "suspended", "status_reason": reason},
        headers={**tokens["own"], "If-Match": etag(client)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def _confirmed(client, tokens):
    response = client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    assert response.status_code == 200, response.get_data(as_text=True)


def _created(client, tokens):
    response = client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    assert response.status_code == 201, response.get_data(as_text=True)


def _contacts(client, tokens):
    contact = {"role": "research_nurse", "name": "Camille Exemple", "email": "ce@chu-exemple.fr"}
    response = client.post(
        "/api/v1/sites/clermont-ferrand/contacts", json=contact, headers=tokens["own"]
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def _hospital(app):
    from sitedir.directory.changes import update_institution

    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        update_institution(site.institution, {"switchboard": "+33 2 40 08 33 33"}, None)


# One public write per event type, each through the write service: a type registered
# without its line here fails the test below.
WRITES = {
    "site.status_changed": lambda app, client, tokens: _status(client, tokens, "Pause"),
    "site.confirmed": lambda app, client, tokens: _confirmed(client, tokens),
    "site.created": lambda app, client, tokens: _created(client, tokens),
    "site.contacts_changed": lambda app, client, tokens: _contacts(client, tokens),
    "site.hospital_changed": lambda app, client, tokens: _hospital(app),
}


def test_every_event_type_makes_a_valid_entry(app, client, tokens):
    assert set(WRITES) == set(EVENT_TYPES)
    for write in WRITES.values():
        write(app, client, tokens)
    for url in (FEED, FEED + "?lang=en"):
        root = _valid(client, url)
        terms = {c.get("term") for c in root.iter(f"{ATOM}category")}
        assert set(EVENT_TYPES) <= terms
        for entry in root.iter(f"{ATOM}entry"):
            summary = entry.findtext(f"{ATOM}summary")
            # Each type says what it is about: no entry falls through to another's words.
            assert (
                "contact(s)" not in summary
                or entry.find(f"{ATOM}category[@term='site.contacts_changed']") is not None
            )
            assert "site." not in entry.findtext(f"{ATOM}title")


def test_a_feed_longer_than_its_page_is_valid(app, client):
    """More events than the feed shows (ATOM_ENTRIES): the latest ones, still valid."""
    from sitedir.events.feed import ATOM_ENTRIES

    with app.app_context():
        sites = db.session.scalars(db.select(Site).order_by(Site.slug)).all()
        for n in range(ATOM_ENTRIES + 30):
            site = sites[n % len(sites)]
            outbox.status_changed(site, "recruiting") if n % 2 else outbox.confirmed(site)
        db.session.commit()
        latest = db.session.scalars(db.select(Event.uid).order_by(Event.id.desc())).first()
    root = _valid(client)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == ATOM_ENTRIES
    assert entries[0].findtext(f"{ATOM}id").endswith(latest)


HOSTILE = (
    "a < b & c > d ]]> \"quoted\" 'single' <script>alert(1)</script> &amp; &#0; "
    "\u202eevil\u202c \u200b zero-width, 🧬 astral, e\u0301 combining, \ufeff bom"
)


def test_hostile_text_stays_valid_atom_and_reads_back(client, tokens):
    _status(client, tokens, HOSTILE)
    root = _valid(client)
    [entry] = root.findall(f"{ATOM}entry")
    assert HOSTILE in entry.findtext(f"{ATOM}summary")  # escaped, never markup
    assert entry.find(".//{http://www.w3.org/1999/xhtml}script") is None


def test_characters_xml_cannot_hold_in_older_data_are_dropped(app, client, tokens):
    """The door refuses them; an event stored before it did still makes a valid feed."""
    _status(client, tokens, "Pause")
    with app.app_context():
        event = db.session.scalar(db.select(Event))
        event.data = {**event.data, "city": "Cler\x00mont\x1b", "reason": "mo\x0btif\ufffe"}
        db.session.commit()
    [entry] = _valid(client).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").startswith("Clermont :")
    assert "Motif : motif" in entry.findtext(f"{ATOM}summary")


def test_an_event_whose_site_is_gone_is_still_a_valid_entry(app, client, tokens):
    """Its JSON (a 404 now) is all it can point to: the alternate link, typed."""
    _status(client, tokens, "Pause")
    with app.app_context():
        event = db.session.scalar(db.select(Event))
        event.site_id = None
        db.session.commit()
    [entry] = _valid(client).findall(f"{ATOM}entry")
    [link] = entry.findall(f"{ATOM}link")
    assert (link.get("rel"), link.get("type")) == ("alternate", "application/json")
    assert link.get("href").endswith("/api/v1/sites/clermont-ferrand")


def test_any_trusted_host_makes_a_valid_feed_with_the_same_ids(client, tokens):
    _status(client, tokens, "Pause")
    feeds = [_valid(client, headers={"Host": host}) for host in ("localhost", "127.0.0.1:8000")]
    ids = [[node.text for node in feed.iter(f"{ATOM}id")] for feed in feeds]
    assert ids[0] == ids[1] and len(ids[0]) == 2


# Each defect a feed writer could make: where (XPath, a: is Atom), how, and with what.
DEFECTS = {
    "no feed id": ("a:id", "remove", None),
    "a date that is not RFC 3339": ("a:entry/a:updated", "text", "2026-12-02 06:00:00"),
    "an entry without a title": ("a:entry/a:title", "remove", None),
    "a link without href": ("a:entry/a:link", "drop", "href"),
    "a media type without a slash": ("a:entry/a:link", "set", ("type", "html")),
    "a language tag with an underscore": (".", "set", (f"{XML}lang", "fr_FR")),
    "an unknown Atom element": ("a:entry", "child", f"{ATOM}status"),
    "two feed titles": ("a:title", "twice", None),
    "no alternate link nor content in an entry (Schematron)": ("a:entry/a:link", "remove", None),
    "no author anywhere (Schematron)": ("a:author", "remove", None),
}


def _plant(document: bytes, where: str, how: str, what) -> bytes:
    root = etree.fromstring(document)
    found = root.xpath(where, namespaces={"a": ATOM[1:-1]})
    assert found, where
    for node in found if how == "remove" else found[:1]:
        if how == "remove":
            node.getparent().remove(node)
        elif how == "text":
            node.text = what
        elif how == "drop":
            del node.attrib[what]
        elif how == "set":
            node.set(*what)
        elif how == "child":
            etree.SubElement(node, what).text = "x"
        elif how == "twice":
            node.addnext(etree.fromstring(etree.tostring(node)))
    return etree.tostring(root)


@pytest.mark.parametrize("defect", DEFECTS)
def test_the_check_fails_on_a_planted_defect(client, tokens, defect):
    _status(client, tokens, "Pause")
    served = client.get(FEED).data
    assert atom_errors(served) == []
    planted = _plant(served, *DEFECTS[defect])
    errors = atom_errors(planted)
    assert errors, defect
    assert any("Schematron" in e for e in errors) == defect.endswith("(Schematron)"), errors
