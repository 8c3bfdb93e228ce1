"""RGAA measures read from a rendered page: horizontal scroll, landmarks, contrast computed
from the colours Chromium actually painted. Shared by the browser tests of issue 23."""

import os
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"

# WCAG 2.1 relative luminance and contrast, over the first opaque background behind an
# element (alpha blended on the way), for its text or a pseudo-element's (::placeholder).
CONTRAST_JS = """([selector, pseudo]) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const rgba = (s) => {
    const m = s.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lin = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  let layers = [];
  for (let n = el; n; n = n.parentElement) {
    const b = rgba(getComputedStyle(n).backgroundColor);
    if (b[3] > 0) layers.push(b);
    if (b[3] === 1) break;
  }
  let bg = [255, 255, 255];
  const canvas = rgba(getComputedStyle(document.documentElement).backgroundColor);
  if (canvas[3] === 1) bg = canvas.slice(0, 3);
  for (const l of layers.reverse()) bg = bg.map((c, i) => l[i] * l[3] + c * (1 - l[3]));
  let fg = rgba(getComputedStyle(el, pseudo || null).color);
  fg = fg.slice(0, 3).map((c, i) => c * fg[3] + bg[i] * (1 - fg[3]));
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

LANDMARKS_JS = """() => {
  const top = (sel) => [...document.querySelectorAll(sel)].filter(
    (e) => !e.closest('main, article, aside, nav, section:not(body)') || e.matches('main'));
  return {
    banner: top('header').filter((e) => !e.closest('main')).length,
    main: document.querySelectorAll('main').length,
    contentinfo: top('footer').filter((e) => !e.closest('main')).length,
  };
}"""


def contrast(scope, selector: str, pseudo: str | None = None) -> float:
    """The contrast ratio of `selector`'s text (or pseudo-element's) on what is behind it."""
    ratio = scope.locator("html").evaluate(f"(_, a) => ({CONTRAST_JS})(a)", [selector, pseudo])
    assert ratio is not None, f"{selector} is not on the page"
    return ratio


def landmarks(scope) -> dict:
    """How many banner, main and contentinfo landmarks the page has, from its DOM."""
    return scope.locator("html").evaluate(f"() => ({LANDMARKS_JS})()")


def scroll_width(scope) -> int:
    """How wide the document is: at most the viewport when nothing scrolls sideways.

    Measured once the page and its stylesheets have loaded: a page reached by a form's
    redirect can show its first element (what a test waits for) before its CSS applies."""
    page = getattr(scope, "page", scope)
    page.wait_for_load_state("load")
    return scope.locator("html").evaluate("h => h.scrollWidth")


def text_at_200(scope):
    """Double the text size, as a reader's browser setting would (rem and em follow)."""
    scope.locator("html").evaluate("h => { h.style.fontSize = '200%'; }")


def keep_in_docs(path: Path, name: str):
    """Refresh docs/NAME from this run's screenshot when asked (SITEDIR_DOCS_SCREENSHOTS=1)."""
    if os.environ.get("SITEDIR_DOCS_SCREENSHOTS"):
        shutil.copyfile(path, DOCS / name)
