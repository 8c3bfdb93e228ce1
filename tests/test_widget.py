"""The home page, the frame and embed.js, through the Flask test client."""

from pathlib import Path

from sitedir.extensions import db
from sitedir.models import Institution, Site

ROOT = Path(__file__).resolve().parent.parent


def test_home_page_in_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr" ' in html
    assert "Commune ou code postal du patient" in html
    assert "investigateur du centre qui décide" in html  # the disclaimer
    assert html.count('class="marker') == 9
    assert "Set-Cookie" not in response.headers


def test_english_on_request(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en" ' in html and "town or postcode" in html
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en" ' in html


def test_every_string_exists_in_both_languages():
    from sitedir.widget.strings import STRINGS

    for key, (fr, en) in STRINGS.items():
        assert fr and en, key


def test_frame_is_embeddable_with_a_strict_csp_and_no_cookie(client):
    response = client.get("/widget/frame?lang=fr&region=84")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert html.count('class="marker') == 1
    assert "investigateur du centre qui décide" in html  # the disclaimer, folded away


def test_home_page_may_not_be_framed_by_others(client):
    assert "frame-ancestors 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_no_inline_script_and_no_third_party_resource(client):
    html = client.get("/").get_data(as_text=True)
    for line in html.splitlines():
        if "<script" in line:
            assert 'src="/widget/static/' in line or 'type="application/json"' in line
    assert "http://" not in html and "https://" not in html


def test_malformed_options_are_ignored(client):
    # The page ignores them; the frame names them (tests/test_widget_settings.py).
    html = client.get("/?accent=red;}body{display:none&region=<b>&limit=999&study=../x").get_data(
        as_text=True
    )
    assert 'data-accent=""' in html
    assert 'data-region=""' in html
    assert 'data-limit="3"' in html
    assert 'data-study="cart-lupus"' in html


def test_embed_script_is_small_javascript(client):
    response = client.get("/widget/embed.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert len(response.get_data()) <= 5 * 1024
    response.close()


def test_site_names_are_escaped(app, client):
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        db.session.get(Institution, site.institution_id).site_name = "<img src=x onerror=alert(1)>"
        site.status_reason = None
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_map_markers_are_made_once_per_snapshot(app, client, monkeypatch):
    import sitedir.widget.views as widget

    projected = []
    original = widget.project
    monkeypatch.setattr(widget, "project", lambda *a: projected.append(a) or original(*a))
    first = client.get("/?region=84").get_data(as_text=True)
    made = len(projected)
    assert made == first.count('<g class="marker ') >= 1  # one per site of the region
    assert client.get("/?region=84").get_data(as_text=True) == first
    assert len(projected) == made  # the second view made none
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
    after = client.get("/?region=84").get_data(as_text=True)
    assert len(projected) == 2 * made  # a change: made again, and shown
    assert after != first
    assert 'data-study="no-such-study"' in client.get("/?study=no-such-study").get_data(
        as_text=True
    )


def test_an_empty_search_without_javascript_is_told_at_the_field(client):
    html = client.get("/?q=+").get_data(as_text=True)
    assert 'aria-describedby="place-error place-hint" aria-invalid="true"' in html
    assert '<p id="place-error" class="field-error">Saisissez' in html
    assert '<p id="place-error" class="field-error" hidden>' in client.get("/").get_data(
        as_text=True
    )
