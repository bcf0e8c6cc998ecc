"""The type colours of the map markers and legend dots (issue 28): every letter is readable on its
colour (WCAG 1.4.3, 4.5:1) and the colours stay apart from each other.

Computed from the sources of truth: the palette is ``geo_clsm.web.pages.maps.TYPE_STYLE`` (sent to
the map script and the legend templates), the letter's colour and any opacity come from
``static/app/map.css``. The contrast and the colour difference are computed here from their
definitions (WCAG 2 relative luminance; CIEDE2000), not taken from the code under test.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

from geo_clsm.documents.staticmap import MARKER_APPROX_FILL, MARKER_FILL
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.package_data import package_dir
from geo_clsm.web.pages.maps import TYPE_STYLE

MAP_CSS = package_dir("geo_clsm") / "web" / "static" / "app" / "map.css"
TEXT_CONTRAST = 4.5  # WCAG 1.4.3 (AA), normal text: the letters are 11 px bold
NON_TEXT_CONTRAST = 3.0  # WCAG 1.4.11: a dot without a letter
MIN_DELTA_E = 10.0  # CIEDE2000 between any two types' colours (the old palette had a pair at 6.5)


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", h), hex_colour
    r, g, b = (int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance."""
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _over(hex_colour: str, opacity: float, under: str = "#ffffff") -> str:
    """``hex_colour`` at ``opacity`` over ``under`` (what the eye sees of a translucent marker)."""
    mixed = (opacity * c + (1 - opacity) * u for c, u in zip(_rgb(hex_colour), _rgb(under), strict=True))
    return "#" + "".join(f"{round(c * 255):02x}" for c in mixed)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e2000(c1: str, c2: str) -> float:
    """CIEDE2000 colour difference of two sRGB colours."""
    return delta_e2000_lab(_lab(c1), _lab(c2))


def delta_e2000_lab(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu, Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dh = h2p - h1p
    if c1p * c2p == 0:
        dh = 0.0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def _css_rules(css: str) -> dict[str, str]:
    """Each selector of map.css (top level and inside @media) with its declarations (later rules win)."""
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        for selector in selectors.split(","):
            key = " ".join(selector.split())
            rules[key] = rules.get(key, "") + ";" + body
    return rules


def _declared(rules: dict[str, str], selector: str, prop: str) -> str | None:
    found = re.findall(rf"(?:^|;|\s){re.escape(prop)}\s*:\s*([^;]+)", rules.get(selector, ""))
    return found[-1].strip() if found else None


def _letter_and_opacities() -> tuple[str, list[float]]:
    """The letters' colour on the dots and markers, and every opacity the marker rules declare."""
    rules = _css_rules(MAP_CSS.read_text(encoding="utf-8"))
    # The legend's dots always; the markers' letters while they are HTML (a canvas drawing would use the dots').
    assert _declared(rules, ".gc-dot", "color"), "map.css: the dots' letter colour"
    letters = {c for s in (".gc-dot", ".gc-marker span") if (c := _declared(rules, s, "color")) is not None}
    assert len(letters) == 1, f"map.css: one letter colour for dots and markers: {letters}"
    opacities = [
        float(value)
        for selector in rules
        if re.search(r"\.gc-(dot|marker|approx)", selector)
        for value in [_declared(rules, selector, "opacity")]
        if value is not None
    ]
    (letter,) = letters
    return letter, opacities


def test_the_contrast_formula_matches_wcag_reference_values() -> None:
    """The formula itself: black on white is 21:1, #767676 on white is the classic 4.54:1."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert delta_e2000("#1f5fa8", "#1f5fa8") == 0.0
    assert _lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=0.02)
    # Pairs 1, 7 and 17 of Sharma, Wu and Dalal's CIEDE2000 test data.
    assert delta_e2000_lab((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert delta_e2000_lab((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert delta_e2000_lab((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


@pytest.mark.parametrize("rtype", list(TYPE_STYLE), ids=lambda t: t.value)
def test_every_marker_letter_has_4_5_to_1_on_its_colour(rtype: ResourceType) -> None:
    colour, short = TYPE_STYLE[rtype]
    letter, opacities = _letter_and_opacities()
    needed = TEXT_CONTRAST if short.strip() else NON_TEXT_CONTRAST
    assert contrast(letter, colour) >= needed, (rtype.value, colour, letter, round(contrast(letter, colour), 2))
    # A translucent marker shows its colour mixed with what lies under it (white is the worst case).
    for opacity in opacities:
        seen = _over(colour, opacity)
        assert contrast(_over(letter, opacity), seen) >= needed, (rtype.value, opacity, seen)


def test_every_type_has_its_own_letter() -> None:
    assert len({s for _, s in TYPE_STYLE.values()}) == len(TYPE_STYLE), "two types share a letter"


def test_type_colours_stay_distinguishable() -> None:
    pairs = sorted(
        (delta_e2000(TYPE_STYLE[a][0], TYPE_STYLE[b][0]), a.value, b.value)
        for a, b in itertools.combinations(TYPE_STYLE, 2)
    )
    assert pairs[0][0] >= MIN_DELTA_E, pairs[:3]


def test_the_guide_numbers_have_4_5_to_1() -> None:
    """The guide's static map (geo_clsm/documents/staticmap.py) has its own palette: white numbers on
    the dark fill, dark numbers on the white disc of an approximate position."""
    assert contrast("#ffffff", MARKER_FILL) >= TEXT_CONTRAST
    assert contrast(MARKER_FILL, MARKER_APPROX_FILL) >= TEXT_CONTRAST


def test_the_check_can_fail() -> None:
    """The old palette (before issue 28) fails: MDA's white letter on #e07a00 is 3.0:1, and a marker
    at 85 % opacity drops CMP_ADULTE's 6.4:1 to 4.6:1."""
    assert contrast("#ffffff", "#e07a00") < TEXT_CONTRAST
    assert contrast("#ffffff", "#2a9d8f") < TEXT_CONTRAST
    assert contrast(_over("#ffffff", 0.85), _over("#4a6fa5", 0.85)) < TEXT_CONTRAST
    assert delta_e2000("#1f5fa8", "#4a6fa5") < MIN_DELTA_E
    rules = _css_rules(".gc-dot, .gc-marker span { color: #fff; }\n.gc-approx span { opacity: .85; }")
    assert _declared(rules, ".gc-marker span", "color") == "#fff"
    assert _declared(rules, ".gc-approx span", "opacity") == ".85"
