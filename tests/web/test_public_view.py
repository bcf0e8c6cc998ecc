"""Internal notes never leave the building: no public output (API, CSV, map, guide) shows them.

The notes are taken from the curated registry file itself (its ``notes`` column of curation
remarks), not from the model, and searched for in every public output of both pilots.
"""

from __future__ import annotations

import csv
import html
import json
import subprocess
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine

REGISTRY = Path(__file__).resolve().parents[2] / "layers" / "pilots" / "resources_metz_angouleme.csv"


def _notes() -> list[str]:
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        notes = [row["notes"].strip() for row in csv.DictReader(fh)]
    # A distinctive piece of each note (30 characters from its start).
    return [n[:30] for n in notes if len(n) >= 30]


def _text(resp: httpx.Response) -> str:
    assert resp.status_code == 200, resp.text[:300]
    if resp.headers["content-type"].startswith(("application/json", "application/geo+json")):
        return json.dumps(resp.json(), ensure_ascii=False)
    return html.unescape(resp.text)


def test_no_public_output_contains_internal_notes(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    notes = _notes()
    assert len(notes) >= 20 and any("NE PAS géolocaliser" in n or "volontairement" in n for n in _full_notes())
    ids = [r.id for r in engine.catalog.resources if r.territory in ("metz", "angouleme")]
    outputs: dict[str, str] = {}
    for territory in ("metz", "angouleme"):
        for params in ({"territory": territory}, {"territory": territory, "format": "csv"}):
            outputs[f"resources {params}"] = _text(client.get("/api/resources", params=params))
        outputs[f"map {territory}"] = _text(client.get("/", params={"territory": territory}))
        for audience in ("tous", "jeunes", "professionnels"):
            outputs[f"guide {territory} {audience}"] = _text(
                client.get(f"/guide/{territory}", params={"audience": audience})
            )
    pdf = tmp_path / "g.pdf"
    pdf.write_bytes(client.get("/guide/angouleme", params={"format": "pdf"}).content)
    outputs["guide pdf"] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for rid in ids:
        outputs[f"resource {rid}"] = _text(client.get(f"/api/resources/{rid}"))
    outputs["nearest"] = _text(client.get("/api/nearest", params={"commune": "16015", "k": 50}))
    outputs["markers"] = _text(client.get("/api/markers"))
    assert all(outputs.values())
    for name, text in outputs.items():
        for note in notes:
            assert note not in text, f"{name} shows an internal note: {note!r}"


def _full_notes() -> list[str]:
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        return [row["notes"] for row in csv.DictReader(fh)]
