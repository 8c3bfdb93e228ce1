"""Colours a network chooses (accent, its page's background), made readable in each theme.

WCAG 2 contrast: an accent is darkened (light theme) or lightened (dark theme) just enough
to reach 4.5:1 against the paper and the button text; a host background is used as the
widget's paper only when every text colour of that theme stays readable on it.
"""

import re

HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
AA = 4.5

THEMES = {
    # the colours text is written in, on the paper, per theme (same as widget.css)
    "light": {"ink": "#1b1f23", "muted": "#4a5560", "closed": "#8a3b12", "on_accent": "#ffffff",
              "paper": "#ffffff", "accent": "#00665e", "toward": "#000000"},
    "dark": {"ink": "#e6edf3", "muted": "#aab6c2", "closed": "#f2a07b", "on_accent": "#0b1215",
             "paper": "#14191e", "accent": "#4fd1c1", "toward": "#ffffff"},
}  # fmt: skip


def parse(value: str) -> tuple[int, int, int] | None:
    """'#abc' or '#aabbcc' → (r, g, b); anything else → None."""
    if not value or not HEX.fullmatch(value):
        return None
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def rgb_of(value: str) -> tuple[int, int, int]:
    """The colour's (r, g, b); ValueError for anything but '#abc' or '#aabbcc'."""
    parsed = parse(value)
    if parsed is None:
        raise ValueError(f"not a colour: {value!r}")
    return parsed


def to_hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(min(255, max(0, c))):02x}" for c in rgb)


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(rgb_of(a)), luminance(rgb_of(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(a: str, b: str, t: float) -> str:
    ca, cb = rgb_of(a), rgb_of(b)
    return to_hex(tuple(x + (y - x) * t for x, y in zip(ca, cb, strict=True)))


def readable_accent(accent: str, theme: str, paper: str | None = None) -> str:
    """The accent, moved toward black (light) or white (dark) until it reads at 4.5:1
    on the paper and under the button's text."""
    colours = THEMES[theme]
    paper = paper or colours["paper"]
    for step in range(21):
        candidate = _mix(accent, colours["toward"], step / 20)
        if contrast(candidate, paper) >= AA and contrast(candidate, colours["on_accent"]) >= AA:
            return candidate
    return colours["accent"]


def paper_for(background: str, theme: str) -> str | None:
    """The host's background as this theme's paper, when all its text reads on it."""
    if parse(background) is None:
        return None
    colours = THEMES[theme]
    if all(contrast(colours[k], background) >= AA for k in ("ink", "muted", "closed")):
        return to_hex(rgb_of(background))
    return None


def theme_css(accent: str, background: str, font: str = "") -> str:
    """A small stylesheet: the accent and the host's background, for each theme, and the
    host's font stack when given (already checked against settings.FONT_STACK)."""
    blocks = {}
    for theme in ("light", "dark"):
        rules = []
        paper = paper_for(background, theme)
        if paper:
            rules.append(f"--paper: {paper};")
        base = accent if parse(accent) else THEMES[theme]["accent"]
        if parse(accent) or paper:
            rules.append(f"--accent: {readable_accent(base, theme, paper)};")
        blocks[theme] = " ".join(rules)
    css = []
    if blocks["light"]:
        css.append(f':root[data-theme="light"] {{ {blocks["light"]} }}')
        css.append(
            "@media (prefers-color-scheme: light) {\n"
            f'  :root[data-theme="auto"] {{ {blocks["light"]} }}\n}}'
        )
    if blocks["dark"]:
        css.append(f':root[data-theme="dark"] {{ {blocks["dark"]} }}')
        css.append(
            "@media (prefers-color-scheme: dark) {\n"
            f'  :root[data-theme="auto"] {{ {blocks["dark"]} }}\n}}'
        )
    if font:
        css.append(f":root, button, input, select {{ font-family: {font}; }}")
    return "\n".join(css) + "\n"
