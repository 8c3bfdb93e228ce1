"""Static assets under names that carry their content's hash, cached for a year.

`url_for("widget.static", filename="widget.css")` (any blueprint's static endpoint, and
the app's) builds `/widget/static/3f9c2a7b1d04/widget.css`: the templates are unchanged,
and a new version of a file is a new URL, so a browser or the proxy in front
(deploy/nginx) may keep each one for a year without ever asking again
(`Cache-Control: public, max-age=31536000, immutable`).

The static view serves a hashed name as the file it names when the hash is the file's
current one. An old hash (a page from before a deploy, still open) gets today's file with
`no-cache`, never a year of it under a name that says otherwise. Unhashed names work as
before, with Flask's default caching.
"""

import hashlib
import os
import re
from functools import partial, update_wrapper

from flask import Flask, current_app

ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
# <12 hex>/name, as made by hashed_name: the file keeps its name, its folder is its hash.
HASHED = re.compile(r"(?P<hash>[0-9a-f]{12})/(?P<name>.+)")


def content_hash(path: str) -> str:
    """The first 12 hexadecimal digits of the file's SHA-256."""
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def hashed_name(filename: str, digest: str) -> str:
    """widget.css, 3f9c2a7b1d04 -> 3f9c2a7b1d04/widget.css."""
    return f"{digest}/{filename}"


def register_static_assets(app: Flask) -> None:
    """Hash the names every static endpoint builds, and serve them for a year."""
    folders: dict[str, str] = {}
    if app.static_folder is not None:  # what has_static_folder says, read so mypy sees it
        folders["static"] = app.static_folder
    for name, blueprint in app.blueprints.items():
        if blueprint.static_folder is not None:
            folders[f"{name}.static"] = blueprint.static_folder
    # Hashes are read once per file and process; in debug (./dev run) files change while
    # the server runs, so they are read again at each URL built.
    hashes: dict[str, str | None] = {}

    def digest_of(endpoint: str, filename: str) -> str | None:
        path = os.path.join(folders[endpoint], filename)
        key = path
        if key in hashes and not current_app.debug:
            return hashes[key]
        real = os.path.realpath(path)
        inside = real.startswith(os.path.realpath(folders[endpoint]) + os.sep)
        hashes[key] = content_hash(real) if inside and os.path.isfile(real) else None
        return hashes[key]

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint in folders and "filename" in values:
            filename = values["filename"]
            if HASHED.fullmatch(filename):
                return
            digest = digest_of(endpoint, filename)
            if digest:
                values["filename"] = hashed_name(filename, digest)

    for endpoint in folders:
        view = app.view_functions[endpoint]
        # Named as the view it wraps: Flask-Limiter reads every view's __name__ before it
        # looks at exemptions, and a bare partial has none. The AttributeError it raised
        # on each asset was taken for a storage failure, and the process counted every
        # client in its own memory (the fallback) instead of in Redis for a while.
        app.view_functions[endpoint] = update_wrapper(
            partial(_serve, view, endpoint, digest_of), view
        )


def _serve(view, endpoint: str, digest_of, filename: str):
    """The file a hashed name names, cached for a year if the hash is its current one."""
    found = HASHED.fullmatch(filename)
    if found is None:
        return view(filename=filename)
    real_name = found["name"]
    digest = digest_of(endpoint, real_name)
    if digest is None:
        # Not a hashed copy of one of our files: maybe a file whose own name looks so.
        return view(filename=filename)
    response = view(filename=real_name)
    if digest == found["hash"]:
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
