"""/api/v1/sites in pages: a bare JSON array as before, the next page in a Link header."""

import re

from tests.helpers import assert_problem

NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def pages(client, url):
    """Every page from `url` on, following the Link headers."""
    found = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert isinstance(response.get_json(), list)
        found.append([s["id"] for s in response.get_json()])
        link = response.headers.get("Link")
        url = NEXT.match(link)["url"] if link else None
    return found


def test_pages_follow_each_other_and_cover_the_list(client):
    whole = [s["id"] for s in client.get("/api/v1/sites").get_json()]
    assert len(whole) == 9 and whole == sorted(whole)
    assert "Link" not in client.get("/api/v1/sites").headers  # one page of 100
    got = pages(client, "/api/v1/sites?limit=4")
    assert [len(p) for p in got] == [4, 4, 1]
    assert [i for page in got for i in page] == whole


def test_pages_keep_the_filters(client):
    whole = [s["id"] for s in client.get("/api/v1/sites?open=true&department=75").get_json()]
    got = pages(client, "/api/v1/sites?open=true&department=75&limit=1")
    assert [i for page in got for i in page] == whole and len(got) == len(whole)
    link = client.get("/api/v1/sites?open=true&department=75&limit=1").headers["Link"]
    assert "open=true" in link and "department=75" in link and "limit=1" in link


def test_limit_and_cursor_are_checked(client):
    for bad in ("limit=0", "limit=1001", "cursor=%25%25", "cursor=" + "a" * 201):
        response = client.get(f"/api/v1/sites?{bad}")
        assert response.status_code in (400, 422), bad
    assert_problem(client.get("/api/v1/sites?cursor=A"), 400)  # not base64


def test_paging_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    get = spec["paths"]["/api/v1/sites"]["get"]
    names = {p["name"] for p in get["parameters"]}
    assert {"limit", "cursor"} <= names
    assert "Link" in get["responses"]["200"]["headers"]
