"""The widget's host settings (embed.js's data-* attributes, as the frame's query string),
checked when the frame loads: each wrong one named with the values it accepts, so that the
frame shows a notice instead of a broken search and embed.js warns in the host's console."""

import re
from dataclasses import dataclass

ACCENT = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
# A font stack as getComputedStyle gives it: names, quotes, commas, spaces; nothing that
# could end the CSS declaration it is written into.
FONT_STACK = re.compile(r"[A-Za-z0-9 ,'\"_.-]{1,200}")
LIMITS = [str(n) for n in range(1, 11)]


@dataclass(frozen=True)
class Problem:
    """A setting whose value the widget cannot use: the attribute, the value, what it takes."""

    attribute: str
    value: str
    accepted: str

    def as_dict(self) -> dict:
        return {"attribute": self.attribute, "value": self.value, "accepted": self.accepted}


def problems(args, studies: list[str], regions: list[str]) -> list[Problem]:
    """The frame's settings that are present and wrong, in the tag's order.

    `studies` and `regions` are the known slugs and région codes: a well-formed code that
    names nothing ("99") is as wrong as a malformed one.
    """
    checks = (
        ("study", lambda v: v in studies, ", ".join(studies)),
        ("lang", lambda v: v in ("fr", "en"), "fr, en"),
        ("region", lambda v: v in regions, ", ".join(regions)),
        ("limit", lambda v: v in LIMITS, "1 … 10"),
        ("accent", lambda v: ACCENT.fullmatch(v) is not None, "#rgb, #rrggbb"),
        ("theme", lambda v: v in ("auto", "light", "dark"), "auto, light, dark"),
        # With "inherit", embed.js sends the host's stack beside it, as host_font.
        ("font", lambda v: v in ("inherit", "system"), "inherit, system"),
    )
    found = []
    for name, ok, accepted in checks:
        if name in args and not ok(args[name]):
            found.append(Problem(f"data-{name}", args[name][:80], accepted))
    return found
