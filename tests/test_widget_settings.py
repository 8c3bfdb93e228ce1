"""The widget's host settings checked when the frame loads (issue 23): a wrong one gets a
notice naming it instead of a broken search; the configurator never writes a wrong tag."""

import json
import re
from html import unescape

import pytest

from sitedir.widget.settings import problems

REGIONS = ["84", "11"]


@pytest.mark.parametrize(
    ("args", "attribute"),
    [
        ({"region": "99"}, "data-region"),  # well formed, names no région
        ({"region": "8"}, "data-region"),
        ({"study": "nope"}, "data-study"),
        ({"lang": "de"}, "data-lang"),
        ({"limit": "0"}, "data-limit"),
        ({"limit": "11"}, "data-limit"),
        ({"limit": "²"}, "data-limit"),
        ({"accent": "red"}, "data-accent"),
        ({"theme": "pink"}, "data-theme"),
        ({"font": "Arial"}, "data-font"),
    ],
)
def test_each_wrong_setting_is_named(args, attribute):
    found = problems(args, ["cart-lupus"], REGIONS)
    assert [p.attribute for p in found] == [attribute]
    assert found[0].value == next(iter(args.values())) and found[0].accepted


def test_right_and_absent_settings_pass():
    args = {"study": "cart-lupus", "lang": "en", "region": "84", "limit": "10",
            "accent": "#0a6", "theme": "dark", "font": "inherit"}  # fmt: skip
    assert problems(args, ["cart-lupus"], REGIONS) == []
    assert problems({}, ["cart-lupus"], REGIONS) == []


def test_the_frame_shows_a_notice_instead_of_the_search(client):
    response = client.get("/widget/frame?region=99&limit=3")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    html = unescape(response.get_data(as_text=True))
    assert "Réglage du widget invalide : data-region=99" in html
    assert "Valeurs acceptées : 01, 02," in html
    assert 'id="place"' not in html and 'class="marker' not in html  # no broken search
    listed = re.search(r'<script type="application/json" id="sitedir-invalid">(.*?)</script>', html)
    (told,) = json.loads(listed[1])
    assert told["attribute"] == "data-region" and told["value"] == "99"
    assert told["accepted"].split(", ")[:2] == ["01", "02"]
    assert "legal-footer embedded" in html


def test_a_wrong_value_is_escaped_in_the_notice(client):
    html = client.get("/widget/frame?study=%3Cb%3Ex").get_data(as_text=True)
    assert "<b>x" not in html and "&lt;b&gt;x" in html


def test_a_right_frame_says_its_title(client):
    html = client.get("/widget/frame?region=84").get_data(as_text=True)
    assert 'data-frame-title="Trouver un centre : Lupus érythémateux systémique — ' in html
    assert "Auvergne-Rhône-Alpes" in html.split("data-frame-title=")[1].split('"')[1]
    english = client.get("/widget/frame?lang=en").get_data(as_text=True)
    assert 'data-frame-title="Find a site: ' in english


def test_the_hosts_font_stack_is_checked_and_carried(client):
    html = client.get("/widget/frame?font=inherit&host_font=Georgia,%20serif").get_data(
        as_text=True
    )
    href = unescape(re.search(r'href="(/widget/theme\.css[^"]*)"', html)[1])
    css = client.get(href).get_data(as_text=True)
    assert "font-family: Georgia, serif;" in css
    # A stack that could end the declaration is ignored, never written into the CSS.
    css = client.get("/widget/theme.css?font=inherit&host_font=x;}body{color:red").get_data(
        as_text=True
    )
    assert "color:red" not in css and "font-family" not in css


def test_the_configurator_never_writes_a_wrong_tag(client):
    html = unescape(client.get("/widget?region=99&study=nope&limit=50").get_data(as_text=True))
    tag = re.search(r'<code id="tag">(.*?)</code>', html, re.S)[1]
    attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag))
    assert "region" not in attributes and attributes["study"] == "cart-lupus"
    args = {k: v for k, v in attributes.items()}
    assert problems(args, ["cart-lupus"], ["84"]) == []


def test_a_title_cannot_add_attributes_to_the_copied_tag(client):
    """What the page shows (and the copy button copies) is read by the host page's HTML
    parser: a `"` in the title must stay inside data-title, with or without JavaScript."""
    from html.parser import HTMLParser

    title = 'x" onload="alert(1)" a="<b>&'
    html = client.get("/widget", query_string={"title": title}).get_data(as_text=True)
    shown = unescape(re.search(r'<code id="tag">(.*?)</code>', html, re.S)[1])

    found: dict = {}

    class Script(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "script":
                found.update(attrs)

    Script().feed(shown)
    assert "onload" not in found and "a" not in found
    assert found["data-title"] == title
