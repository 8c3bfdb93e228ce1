"""GET /version: the version and the commit an instance runs."""

import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.version import Version

from sitedir.web import version as version_module
from sitedir.web.version import checkout_commit, package_version

ROOT = Path(__file__).resolve().parent.parent


def test_version_names_the_package_and_the_commit(client):
    response = client.get("/version")
    assert response.status_code == 200
    body = response.get_json()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert body["version"] == pyproject["project"]["version"]
    assert response.headers["Cache-Control"] == "no-store"
    if (ROOT / ".git").exists():
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        assert body["commit"] == head


def test_the_commit_is_read_from_loose_and_packed_refs(tmp_path):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs with: peeled\n" + "a" * 40 + " refs/heads/main\n")
    assert checkout_commit(tmp_path) == "a" * 40
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")
    assert checkout_commit(tmp_path) == "b" * 40
    (git / "HEAD").write_text("c" * 40 + "\n")  # a detached head
    assert checkout_commit(tmp_path) == "c" * 40


def test_no_checkout_no_commit(tmp_path):
    assert checkout_commit(tmp_path) is None


def test_version_answers_whatever_the_host(client):
    assert client.get("/version", headers={"Host": "10.0.0.7:8000"}).status_code == 200


def test_the_changelog_s_newest_entry_is_this_version():
    """CHANGELOG.md's first version heading is pyproject.toml's version (0.5.0 for
    0.5.0.dev0), and the versions below it go down."""
    headings = re.findall(
        r"^## (\d+\.\d+\.\d+) ", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M
    )
    assert headings[0] == Version(package_version()).base_version
    versions = [Version(h) for h in headings]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)


def test_an_uninstalled_checkout_reads_pyproject(tmp_path, monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version_module.metadata, "version", not_installed)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sitedir"\nversion = "9.8.7"\n')
    assert package_version(tmp_path) == "9.8.7"
    assert package_version(tmp_path / "missing") is None
