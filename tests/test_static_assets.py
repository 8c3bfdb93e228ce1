"""Static assets under content-hashed names, kept for a year (issue 27 §2)."""

import hashlib
import re

from sitedir.widget.views import STATIC


def test_pages_link_their_assets_by_content_hash(client):
    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:src|href)="/widget/static/([^"]+)"', page)
    assert links
    for link in links:
        digest, name = re.fullmatch(r"([0-9a-f]{12})/(.+)", link).groups()
        content = (STATIC / name).read_bytes()
        assert digest == hashlib.sha256(content).hexdigest()[:12]
        answer = client.get(f"/widget/static/{link}")
        assert answer.status_code == 200 and answer.data == content
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Expires" not in answer.headers


def test_an_old_hash_gets_todays_file_without_a_year_of_caching(client):
    answer = client.get("/widget/static/000000000000/widget.css")
    assert answer.status_code == 200
    assert answer.data == (STATIC / "widget.css").read_bytes()
    assert answer.headers["Cache-Control"] == "no-cache"


def test_unhashed_names_and_missing_files_answer_as_before(client):
    assert client.get("/widget/static/widget.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/widget/static/0123456789ab/nothing.css").status_code == 404
    assert client.get("/widget/static/../__init__.py").status_code == 404
