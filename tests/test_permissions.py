"""Every admin write (and admin read) x every kind of caller: the expected answer only."""

import pytest

from tests.helpers import NEW_SITE, contact_etag, etag

CALLERS = ["none", "bad", "expired", "revoked", "other", "own", "network"]
SITE = "clermont-ferrand"
FUTURE = "2099-01-31"


def _contact_id(client):
    return client.get(f"/api/v1/sites/{SITE}").get_json()["contacts"][0]["id"]


# (name, method, path, json, If-Match of: "site", "contact" or None, success, network admin only)
WRITES = [
    (
        "patch site",
        "patch",
        f"/api/v1/sites/{SITE}",
        {"status": "suspended", "status_reason": "Pause", "expected_reopening": FUTURE},
        "site",
        200,
        False,
    ),
    ("confirm", "post", f"/api/v1/sites/{SITE}/confirm", None, None, 200, False),
    (
        "add contact",
        "post",
        f"/api/v1/sites/{SITE}/contacts",
        {"role": "referral_desk", "phone": "+33 4 00 00 00 00", "public": False},
        None,
        201,
        False,
    ),
    (
        "patch contact",
        "patch",
        f"/api/v1/sites/{SITE}/contacts/{{cid}}",
        {"unit": "Médecine"},
        "contact",
        200,
        False,
    ),
    (
        "delete contact",
        "delete",
        f"/api/v1/sites/{SITE}/contacts/{{cid}}",
        None,
        "contact",
        204,
        False,
    ),
    ("list contacts", "get", f"/api/v1/sites/{SITE}/contacts", None, None, 200, False),
    ("read contact", "get", f"/api/v1/sites/{SITE}/contacts/{{cid}}", None, None, 200, False),
    (
        "new site",
        "post",
        "/api/v1/sites",
        NEW_SITE,
        None,
        201,
        True,
    ),
    ("audit", "get", "/api/v1/audit", None, None, 200, True),
]


def expected(caller, success, network_only):
    if caller in ("none", "bad", "expired", "revoked"):
        return 401
    if network_only and caller != "network":
        return 403
    if caller == "other":
        return 403
    return success


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "if_match", "success", "network_only"),
    WRITES,
    ids=[w[0] for w in WRITES],
)
def test_permission_matrix(
    client, tokens, caller, name, method, path, body, if_match, success, network_only
):
    cid = _contact_id(client)
    path = path.format(cid=cid)
    headers = dict(tokens[caller])
    if if_match == "site":
        headers["If-Match"] = etag(client)
    elif if_match == "contact":
        headers["If-Match"] = contact_etag(client, tokens["network"], cid)
    before = client.get(f"/api/v1/sites/{SITE}").get_json()
    response = getattr(client, method)(path, json=body, headers=headers)
    want = expected(caller, success, network_only)
    assert response.status_code == want, response.get_data(as_text=True)
    if want == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if want >= 400:
        assert response.mimetype == "application/problem+json"
        after = client.get(f"/api/v1/sites/{SITE}").get_json()
        assert after == before  # a refused write changes nothing
    assert "Access-Control-Allow-Origin" not in response.headers
