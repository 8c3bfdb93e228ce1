"""The hashed locks (issue 21.12, issue 26 §3): every package pinned with its hashes, the
direct dependencies of pyproject.toml all locked at versions their ranges admit, the
runtime lock a subset of the dev lock, and this venv installed from it."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")
HASH = re.compile(r"^ +--hash=sha256:[0-9a-f]{64}( \\)?$")


def read_lock(name: str) -> dict[str, tuple[str, int]]:
    """{canonical name: (version, number of hashes)} from a pip-compile lock."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            current = None
            continue
        if match := ENTRY.match(line):
            current = canonicalize_name(match[1])
            assert current not in entries, f"{name}: {current} twice"
            entries[current] = (match[2], 0)
        else:
            assert HASH.match(line) and current, f"{name}: unexpected line {line!r}"
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


RUNTIME = read_lock("requirements.txt")
DEV = read_lock("requirements-dev.txt")


def direct(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        found += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return found


def test_every_locked_package_is_pinned_with_hashes():
    for lock in (RUNTIME, DEV):
        assert lock
        assert all(hashes >= 1 for _, hashes in lock.values())


def test_flask_s_own_dependencies_are_locked():
    for name in ("werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker"):
        assert name in RUNTIME, name
    for name in ("urllib3", "idna", "packaging"):
        assert name in DEV, name


def test_direct_dependencies_are_locked_at_versions_their_ranges_admit():
    for lock, extras in ((RUNTIME, ("postgres",)), (DEV, ("postgres", "dev"))):
        for requirement in direct(*extras):
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is in pyproject.toml but not locked: ./dev lock"
            assert requirement.specifier.contains(lock[name][0], prereleases=True), name


def test_runtime_lock_is_the_dev_lock_s_runtime_part():
    for name, (version, _) in RUNTIME.items():
        assert DEV[name][0] == version, name
    dev_only = {
        canonicalize_name(Requirement(r).name)
        for r in PYPROJECT["project"]["optional-dependencies"]["dev"]
    }
    assert not dev_only & RUNTIME.keys()


def test_this_venv_is_installed_from_the_dev_lock():
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, (v, _) in DEV.items() if installed.get(n) != v}
    assert wrong == {}


def test_pre_commit_runs_the_locked_ruff():
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    pins = set(re.findall(r"ruff==([0-9.]+)", config))
    assert pins == {DEV["ruff"][0]}
    assert "ruff==" + DEV["ruff"][0] in PYPROJECT["project"]["optional-dependencies"]["dev"]


def test_locks_say_how_to_remake_them():
    for name in ("requirements.txt", "requirements-dev.txt"):
        assert "#    ./dev lock\n" in (ROOT / name).read_text(encoding="utf-8")
