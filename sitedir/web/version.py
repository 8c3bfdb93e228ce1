"""Which sitedir answers: its version and the commit it was built from (`GET /version`).

An operator comparing instances during a deploy needs both. The commit comes from
`SITEDIR_COMMIT` when the deploy sets it (an image built without .git), else from the
checkout's .git, read once at start-up without running git.
"""

import tomllib
from importlib import metadata
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify

blp = Blueprint("version", __name__)

_ROOT = Path(__file__).resolve().parents[2]


def package_version(root: Path = _ROOT) -> str | None:
    """sitedir's version: the installed package's metadata (built from pyproject.toml's
    `version`, the one CHANGELOG.md names), else pyproject.toml itself when sitedir runs
    from a checkout without being installed; None when neither is there."""
    try:
        return metadata.version("sitedir")
    except metadata.PackageNotFoundError:
        pass
    try:
        with (root / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def checkout_commit(root: Path = _ROOT) -> str | None:
    """The commit a git checkout at `root` is on, from its files (None if not a checkout)."""
    git = root / ".git"
    if git.is_file():  # a worktree: "gitdir: <path>"
        line = git.read_text().strip()
        if not line.startswith("gitdir:"):
            return None
        git = (root / line.removeprefix("gitdir:").strip()).resolve()
    try:
        head = (git / "HEAD").read_text().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.removeprefix("ref:").strip()
    # A worktree keeps its refs in the common directory.
    common = git
    if (git / "commondir").is_file():
        common = (git / (git / "commondir").read_text().strip()).resolve()
    for folder in (git, common):
        try:
            return (folder / ref).read_text().strip()
        except OSError:
            pass
    try:
        packed = (common / "packed-refs").read_text().splitlines()
    except OSError:
        return None
    for line in packed:
        sha, _, name = line.partition(" ")
        if name == ref:
            return sha
    return None


def register_version(app: Flask) -> None:
    """Serve /version, outside the rate limits like the probes."""
    app.extensions["sitedir_version"] = {
        "version": package_version(),
        "commit": app.config["COMMIT"] or checkout_commit(),
    }
    app.register_blueprint(blp)
    app.extensions["sitedir_limiter"].exempt(blp)


@blp.get("/version")
def version():
    """{"version": "0.5.0.dev0", "commit": "<sha>"}; either is null when unknown."""
    response = jsonify(current_app.extensions["sitedir_version"])
    response.headers["Cache-Control"] = "no-store"
    return response
