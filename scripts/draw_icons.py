"""Draw the web app's PNG icons from the design of ``geo_clsm/web/static/app/icon.svg`` (offline, Pillow).

Run at build time, when the design changes; the PNGs are shipped beside the SVG and listed in
``/manifest.webmanifest``::

    .venv/bin/python scripts/draw_icons.py geo_clsm/web/static/app

Outputs: ``icon-192.png`` and ``icon-512.png`` (rounded red square, white heart: purpose "any"),
``icon-maskable-192.png`` and ``icon-maskable-512.png`` (full-bleed red, the heart inside the
central safe circle of radius 40 %: purpose "maskable").
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

RED = (164, 22, 26, 255)  # #a4161a, the emergency banner's colour
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4
Point = tuple[float, float]


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point, n: int = 48) -> list[Point]:
    out = []
    for i in range(1, n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def _arc(p0: Point, p1: Point, r: float, *, sweep: bool, n: int = 48) -> list[Point]:
    """SVG ``A r r 0 0 sweep`` from p0 to p1 (small arc), as points after p0."""
    mx, my = (p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    chord = math.hypot(dx, dy)
    h = math.sqrt(max(r * r - (chord / 2) ** 2, 0.0))
    # centre on the side that makes the small arc run clockwise on screen when sweep is set
    sign = 1.0 if sweep else -1.0
    cx, cy = mx - sign * h * dy / chord, my + sign * h * dx / chord
    a0, a1 = math.atan2(p0[1] - cy, p0[0] - cx), math.atan2(p1[1] - cy, p1[0] - cx)
    if sweep and a1 < a0:
        a1 += 2 * math.pi
    if not sweep and a1 > a0:
        a1 -= 2 * math.pi
    return [
        (cx + r * math.cos(a0 + (a1 - a0) * i / n), cy + r * math.sin(a0 + (a1 - a0) * i / n)) for i in range(1, n + 1)
    ]


def heart() -> list[Point]:
    """The heart of icon.svg (``M256 420c-90-70-150-120-150-190a80 80 0 0 1 150-40 80 80 0 0 1 150 40c0 70-60 120-150 190z``)
    in its 512 × 512 viewBox."""
    pts: list[Point] = [(256, 420)]
    pts += _cubic((256, 420), (166, 350), (106, 300), (106, 230))
    pts += _arc((106, 230), (256, 190), 80, sweep=True)
    pts += _arc((256, 190), (406, 230), 80, sweep=True)
    pts += _cubic((406, 230), (406, 300), (346, 350), (256, 420))
    return pts


def draw(size_px: int, *, maskable: bool) -> Image.Image:
    big = size_px * SUPERSAMPLE
    scale = big / 512
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle((0, 0, big, big), fill=RED)
    else:
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=96 * scale, fill=RED)
    pts = heart()
    if maskable:  # shrink the heart about the centre of its box so that it fits the safe circle
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        k = 0.8
        pts = [(256 + (x - cx) * k, 256 + (y - cy) * k) for x, y in pts]
    d.polygon([(x * scale, y * scale) for x, y in pts], fill=WHITE)
    return img.resize((size_px, size_px), Image.Resampling.LANCZOS)


OUTPUTS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-192.png": (192, True),
    "icon-maskable-512.png": (512, True),
}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: draw_icons.py OUTPUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, (size_px, maskable) in OUTPUTS.items():
        draw(size_px, maskable=maskable).save(out / name, optimize=True)
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
