"""GET /version: the version and the commit an instance runs."""

import subprocess
from pathlib import Path

from sitedir.web.version import checkout_commit

ROOT = Path(__file__).resolve().parent.parent


def test_version_names_the_package_and_the_commit(client):
    response = client.get("/version")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == "0.1.0"
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
