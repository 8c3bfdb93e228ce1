"""The change feed: GET /api/v1/changes (JSON, resumable cursor) and /api/v1/changes.atom.

Both read the outbox (the `event` table), oldest first; what each type's entry says, and
what its data holds in the document, come from its row in sitedir.events.types. The
cursor is opaque to clients: the last event id they saw and the epoch it was handed out in
(events/epochs.py: cursors survive a restore of older data), encoded; `next` is where to
resume (the same cursor when nothing newer is there yet, so a poller keeps sending it).
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import marshmallow as ma
from feedgen.feed import FeedGenerator
from flask import current_app, jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from lxml import etree
from sqlalchemy.orm import selectinload

from sitedir.domain.clock import as_utc
from sitedir.events import epochs
from sitedir.events.types import (
    EN,
    EVENT_TYPES,
    FR,
    data_description,
    entry_summary,
    entry_title,
    feed_subtitle,
    iso,
)
from sitedir.extensions import db
from sitedir.models import Event, Site, Study
from sitedir.schemas import Pattern
from sitedir.web.hosts import public_root

blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/api/v1",
    description="Change feed: every public change, oldest first (JSON and Atom)",
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
ATOM_ENTRIES = 100
_CURSOR = re.compile(r"[0-9a-z]{1,12}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # an empty feed's `updated`
# tag: URIs (RFC 4151) name the feed and its entries: the authority is the deployment's
# own name (SITEDIR_PUBLIC_URL's host, else its first trusted host), never a request's
# Host, and the date is the one this scheme began, so ids never change.
TAG_DATE = "2026-12-02"
ATOM_NS = "http://www.w3.org/2005/Atom"


def encode_cursor(event_id: int) -> str:
    """The position after this event, in base 36: clients send it back, never build it."""
    digits = ""
    while True:
        event_id, rest = divmod(event_id, 36)
        digits = _DIGITS[rest] + digits
        if not event_id:
            return digits


def decode_cursor(cursor: str) -> int:
    """The event id behind a cursor; ValueError for anything that is not one.

    Every value of the documented pattern is a position (a cursor past the last event
    just finds nothing new), so a request the document calls valid is never refused.
    """
    if not _CURSOR.fullmatch(cursor):
        raise ValueError(cursor)
    return int(cursor, 36)


class ChangesQuerySchema(ma.Schema):
    since = ma.fields.String(
        load_default=None,
        validate=Pattern(r"^[0-9a-z]{1,12}$"),
        metadata={"description": "The `next` of your last read (opaque); none: from the first"},
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT)
    )


class ChangeEventSchema(ma.Schema):
    id = ma.fields.String(
        attribute="uid", metadata={"description": "The event's id (also `webhook-id`)"}
    )
    type = ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES))
    at = ma.fields.String(metadata={"format": "date-time"})
    site = ma.fields.String(metadata={"description": "The site's id"})
    # Each type's row says what its data holds (sitedir.events.types).
    data = ma.fields.Dict(metadata={"description": data_description()})


class ChangesSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(ChangeEventSchema))
    next = ma.fields.String(metadata={"description": "Send it as `since` to resume"})


def event_json(event: Event) -> dict:
    """An event as the feed and the webhooks publish it."""
    return {
        "id": event.uid,
        "type": event.type,
        "at": iso(event.at),
        "site": event.data.get("site"),
        "data": event.data,
    }


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema(), location="query")
    @blp.response(200, ChangesSchema)
    def get(self, args):
        """Public changes after a cursor, oldest first (status, confirmation, new site,
        public contacts); resume from `next`."""
        # A cursor carries its epoch (events/epochs.py): one handed out before a restore of
        # older data resumes after what the restored outbox holds, never past new events.
        epoch, seen = epochs.split(decode_cursor(args["since"]) if args["since"] else 0)
        after, now_epoch = epochs.resume_after(epoch, seen)
        events = db.session.scalars(
            db.select(Event).where(Event.id > after).order_by(Event.id).limit(args["limit"])
        ).all()
        if events:
            following = encode_cursor(epochs.join(now_epoch, events[-1].id))
        elif epoch >= now_epoch and args["since"]:
            following = args["since"]  # nothing newer: the same cursor, to send again later
        else:
            following = encode_cursor(epochs.join(now_epoch, after))
        # ETag (a hash of the body) and Cache-Control come from sitedir.web.caching.
        return jsonify({"events": [event_json(e) for e in events], "next": following})


# What XML 1.0 cannot hold (C0 controls but tab, newline and return; lone surrogates;
# U+FFFE, U+FFFF): refused at the door, and dropped here in case older data holds some,
# since one such character made the whole feed a 500 (issue 21).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def tag_authority() -> str:
    """The tag: URIs' authority: a name this deployment is configured with."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return urlsplit(public).hostname or "localhost"
    hosts = [h.lstrip(".") for h in current_app.config.get("TRUSTED_HOSTS") or []]
    return hosts[0] if hosts else "localhost"


def feed_id() -> str:
    """The feed's id: the same whatever Host the request carried."""
    return f"tag:{tag_authority()},{TAG_DATE}:sitedir/changes"


def entry_id(event: Event) -> str:
    """An entry's id: its event's public id, as the JSON feed and the webhooks give it."""
    return f"tag:{tag_authority()},{TAG_DATE}:sitedir/event/{event.uid}"


class AtomQuerySchema(ma.Schema):
    lang = ma.fields.String(
        load_default=FR,
        validate=ma.validate.OneOf([FR, EN]),
        metadata={"description": "The entries' language: fr (default) or en"},
    )


@blp.route("/changes.atom")
@blp.arguments(AtomQuerySchema(), location="query")
@blp.doc(
    summary="The latest public changes as an Atom 1.0 feed (French; English with ?lang=en)",
    responses={"200": {"description": "Atom feed", "content": {"application/atom+xml": {}}}},
)
def changes_atom(args):
    # The language comes from the URL only, never Accept-Language: a feed is one address
    # a reader subscribes to, and caches key on it.
    lang = args["lang"]
    events = db.session.scalars(
        db.select(Event).order_by(Event.id.desc()).limit(ATOM_ENTRIES)
    ).all()
    base = public_root()  # SITEDIR_PUBLIC_URL, else a trusted Host: never a client's choice
    sites = _sites(events)
    studies = {
        s.slug: s.title_fr if lang == FR else s.title_en
        for s in db.session.scalars(db.select(Study))
    }
    links: dict[str, list[tuple[str, str, str]]] = {}
    feed = FeedGenerator()
    feed.id(feed_id())
    feed.title("Annuaire des centres : changements" if lang == FR else "Site directory: changes")
    feed.subtitle(feed_subtitle(lang))
    feed.language(lang)
    self_url = base + (
        url_for("changes.changes_atom", lang=EN) if lang == EN else url_for("changes.changes_atom")
    )
    feed.link(href=self_url, rel="self")
    feed.link(href=base + "/", rel="alternate", type="text/html")
    feed.author({"name": "sitedir"})
    feed.updated(as_utc(events[0].at) if events else _EPOCH)
    for event in reversed(events):  # feedgen lists the last added first
        entry = feed.add_entry()
        entry.id(entry_id(event))
        study = event.data.get("study")
        entry.title(xml_safe(entry_title(event, lang)))
        entry.summary(xml_safe(entry_summary(event, studies.get(study), lang)))
        entry.updated(as_utc(event.at))
        entry.published(as_utc(event.at))
        site = event.data.get("site")
        page = sites.get(event.site_id)
        json_url = f"{base}/api/v1/sites/{site}"
        if page is not None:
            # The directory's page for the site's town: the site is listed there, with
            # its status (open, or nearer and not open); its JSON is related.
            query = urlencode(
                {"insee": page[0], "study": page[1], **({"lang": EN} if lang == EN else {})}
            )
            entry_links = [("alternate", "text/html", f"{base}/?{query}")]
            entry_links.append(("related", "application/json", json_url))
        else:  # a site since removed: its JSON (a 404 now) is all there is to point at
            entry_links = [("alternate", "application/json", json_url)]
        # Atom needs an alternate link in an entry without content: feedgen writes its href.
        entry.link(href=entry_links[0][2])
        links[entry_id(event)] = entry_links
        entry.category(term=event.type)
        if study:
            label = xml_safe(studies.get(study) or "") or None
            entry.category(term=study, label=label, scheme=f"{base}/api/v1/studies")
    # ETag, Cache-Control and 304 come from sitedir.web.caching, as for every public read.
    body = _with_entry_links(feed.atom_str(pretty=True), links)
    return current_app.response_class(body, mimetype="application/atom+xml")


def _with_entry_links(atom: bytes, links: dict[str, list[tuple[str, str, str]]]) -> bytes:
    """The feed with each entry's links (rel, type, href) written in.

    feedgen 1.0.0 drops an entry link's rel and type (a variable shadowed in
    FeedEntry.atom_entry): its href-only links are replaced here, after <updated>.
    """
    root = etree.fromstring(atom)
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):
        wanted = links.get(entry.findtext(f"{{{ATOM_NS}}}id"), [])
        for written in entry.findall(f"{{{ATOM_NS}}}link"):
            entry.remove(written)
        anchor = entry.find(f"{{{ATOM_NS}}}updated")
        for rel, mimetype, href in reversed(wanted):
            anchor.addnext(etree.Element(f"{{{ATOM_NS}}}link", href=href, rel=rel, type=mimetype))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sites(events) -> dict[int, tuple[str, str]]:
    """Each event's site (still there): its town's INSEE code and its study's slug."""
    ids = {e.site_id for e in events if e.site_id is not None}
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(Site)
        .where(Site.id.in_(ids))
        .options(selectinload(Site.institution), selectinload(Site.study))
    )
    return {s.id: (s.institution.insee, s.study.slug) for s in rows}
