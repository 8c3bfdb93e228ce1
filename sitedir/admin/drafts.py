"""What an admin typed in a form the server refused for an expired session or CSRF token,
kept to be shown again (never a password), so that nothing typed is lost.

The draft lives in the signed session cookie, for one form, and survives the login that
follows (sitedir.admin.sessions.start_session). Only a form posted from this site's own
pages is kept (`Sec-Fetch-Site: same-origin`, or an `Origin` that is this site): a
cross-site post, which carries no cookie under SameSite=Strict, must neither plant a
draft nor replace the admin's session cookie.
"""

from urllib.parse import urlsplit

from flask import request, session
from werkzeug.datastructures import MultiDict

from sitedir.web.hosts import public_root

KEY = "draft"
# A cookie holds about 4 KB: a longer draft is not kept (the refusal page says so).
MAX_BYTES = 2500
NEVER_KEPT = ("csrf_token", "password", "password_again")


def same_origin() -> bool:
    """Whether the refused form was posted from one of this site's pages."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return False
    ours, theirs = urlsplit(public_root()), urlsplit(origin)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


def typed_fields() -> list[tuple[str, str]]:
    """The refused form's fields, as typed, passwords and the CSRF token left out."""
    return [
        (name, value)
        for name, values in request.form.lists()
        if name not in NEVER_KEPT
        for value in values
    ]


def keep(endpoint: str, view_args: dict) -> bool:
    """Keep the request's form as the draft of `endpoint`; False when it is too long."""
    fields = typed_fields()
    if sum(len(name) + len(value) for name, value in fields) > MAX_BYTES:
        return False
    session[KEY] = {"endpoint": endpoint, "args": dict(view_args), "fields": fields}
    return True


def take(endpoints: tuple[str, ...], **view_args) -> tuple[str, dict, MultiDict] | None:
    """The draft of one of these forms whose URL had these arguments (removed from the
    session): (its endpoint, all its URL's arguments, what was typed); else None."""
    draft = session.get(KEY)
    if not isinstance(draft, dict) or draft.get("endpoint") not in endpoints:
        return None
    args = draft.get("args") or {}
    if any(args.get(name) != value for name, value in view_args.items()):
        return None
    session.pop(KEY)
    fields = draft.get("fields") or []
    return draft["endpoint"], args, MultiDict([(str(n), str(v)) for n, v in fields])


def pending_endpoint() -> str | None:
    """The endpoint whose form has a draft waiting, if any."""
    draft = session.get(KEY)
    return draft.get("endpoint") if isinstance(draft, dict) else None
