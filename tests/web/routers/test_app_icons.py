"""The web app's PNG icons and scripts: icons listed in the manifest at the sizes they have, served, the maskable
ones keep the heart inside the safe circle, and the shipped files are what scripts/draw_icons.py draws."""

from __future__ import annotations

import importlib.util
import io
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "geo_clsm" / "web" / "static" / "app"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("draw_icons", ROOT / "scripts" / "draw_icons.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["draw_icons"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_manifest_lists_png_icons_at_their_real_size(client: TestClient) -> None:
    icons = client.get("/manifest.webmanifest").json()["icons"]
    png = [i for i in icons if i["type"] == "image/png"]
    assert {(i["sizes"], i["purpose"]) for i in png} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    for icon in png:
        r = client.get(icon["src"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        img = Image.open(io.BytesIO(r.content))
        assert img.format == "PNG" and f"{img.width}x{img.height}" == icon["sizes"]


def test_maskable_icons_keep_the_heart_in_the_safe_zone() -> None:
    for name in ("icon-maskable-192.png", "icon-maskable-512.png"):
        a = np.asarray(Image.open(STATIC / name).convert("RGB")).astype(int)
        n = a.shape[0]
        yy, xx = np.mgrid[0:n, 0:n]
        r = np.hypot(xx + 0.5 - n / 2, yy + 0.5 - n / 2)
        outside = a[r > 0.4 * n]
        assert (np.abs(outside - [164, 22, 26]).max(axis=1) <= 2).all(), name  # only the red background
        white = (a.min(axis=2) > 240) & (r <= 0.4 * n)
        assert white.sum() > 0.15 * math.pi * (0.4 * n) ** 2, name  # the heart is there, and large


def test_rounded_icons_have_transparent_corners_and_a_white_heart() -> None:
    for name in ("icon-192.png", "icon-512.png"):
        img = Image.open(STATIC / name).convert("RGBA")
        assert img.getpixel((0, 0))[3] == 0 and img.getpixel((img.width // 2, img.height // 2)) == (255, 255, 255, 255)


def test_shipped_icons_are_what_the_script_draws(tmp_path: Path) -> None:
    assert _script().main([str(tmp_path)]) == 0
    for name in ("icon-192.png", "icon-512.png", "icon-maskable-192.png", "icon-maskable-512.png"):
        drawn = np.asarray(Image.open(tmp_path / name).convert("RGBA"))
        shipped = np.asarray(Image.open(STATIC / name).convert("RGBA"))
        assert drawn.shape == shipped.shape and np.array_equal(drawn, shipped), name


def test_app_scripts_stay_small_and_load_in_order(client: TestClient) -> None:
    """Each script of the app stays under 400 lines; the formatting part loads before map.js."""
    for js in STATIC.glob("*.js"):
        assert len(js.read_text(encoding="utf-8").splitlines()) < 400, js.name
    for url in ("/?territory=metz", "/planning?territory=metz&type=CMP_ADULTE"):
        page = client.get(url).text
        fmt, app = (re.search(rf'src="/static/app/{n}\.[0-9a-f]{{10}}\.js"', page) for n in ("map-format", "map"))
        assert fmt and app and fmt.start() < app.start(), url
