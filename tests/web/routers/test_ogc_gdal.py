"""A real client reads /ogc: GDAL's OGC API – Features driver (Debian gdal-bin, installed
by ``make``) against the app in uvicorn on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest

COLLECTIONS = ("resources", "qpv", "qpv-indicators", "communes-indicators", "sectors")


def _ogrinfo(*args: str) -> str:
    exe = shutil.which("ogrinfo")
    assert exe, "ogrinfo absent : lancer `make gdal` (paquet Debian gdal-bin)"
    proc = subprocess.run([exe, "-ro", *args], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_ogrinfo_lists_every_collection(server: str) -> None:
    out = _ogrinfo("-q", f"OAPIF:{server}/ogc")
    layers = re.findall(r"^\d+: (\S+)", out, flags=re.M)
    assert sorted(layers) == sorted(COLLECTIONS)


@pytest.mark.parametrize("collection", COLLECTIONS[:-1])  # sectors: empty in the shipped layers (test_sectors_api.py)
def test_ogrinfo_reads_every_feature_with_its_attributes(server: str, collection: str) -> None:
    first = httpx.get(f"{server}/ogc/collections/{collection}/items", params={"limit": 1}, timeout=60).json()
    matched = first["numberMatched"]
    summary = _ogrinfo("-so", f"OAPIF:{server}/ogc", collection)
    assert re.search(r"^Feature Count: (\d+)$", summary, flags=re.M).group(1) == str(matched)  # type: ignore[union-attr]
    full = _ogrinfo("-al", "-q", f"OAPIF:{server}/ogc", collection)
    blocks = full.split("OGRFeature(")[1:]
    assert len(blocks) == matched
    ids = re.findall(r"^  id \(String\) = (.+)$", full, flags=re.M)
    assert len(ids) == matched == len(set(ids))
    # the attributes of the API's first feature, as GDAL read them
    feat = first["features"][0]
    block = next(b for b in blocks if f"  id (String) = {feat['id']}\n" in b)
    for key, value in feat["properties"].items():
        if isinstance(value, str) and "\n" not in value and key != "id":
            shown = value.replace("-", "/") if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else value  # GDAL's dates
            assert f"  {key} (" in block and f") = {shown}\n" in block, key


def test_ogrinfo_spatial_filter_agrees_with_api_resources(server: str) -> None:
    """GDAL sends -spat as bbox: the resources it returns are those /api/resources finds in the box."""
    box = ("6.10", "49.05", "6.25", "49.15")
    api = httpx.get(f"{server}/api/resources", params={"bbox": ",".join(box), "limit": 5000}, timeout=60).json()
    out = _ogrinfo("-al", "-q", "-spat", *box, f"OAPIF:{server}/ogc", "resources")
    ids = set(re.findall(r"^  id \(String\) = (.+)$", out, flags=re.M))
    assert ids == {f["id"] for f in api["features"]} and len(ids) == api["numberMatched"] > 0
