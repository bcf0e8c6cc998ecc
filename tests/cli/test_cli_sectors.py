"""``geo-clsm sectors import|export`` on the FICTITIOUS fixture: stored when good, nothing stored
when a row is bad, exported in the import's format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo_clsm.cli import main
from geo_clsm.store.db import connect
from geo_clsm.store.sectors import active_sectors
from tests.sector_fixtures import LAYERS, SECTORS_CSV, SECTORS_GEOJSON


def _stored(url: str) -> list[str]:
    db = connect(url)
    try:
        with db.connect() as conn:
            return [s.id for s in active_sectors(conn)]
    finally:
        db.dispose()


def test_import_then_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    common = ["--data", str(LAYERS), "--database", url]
    code = main(["sectors", "import", str(SECTORS_CSV), "--polygons", str(SECTORS_GEOJSON), *common])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rejetées : 0" in out and "4 créé(s)" in out
    assert _stored(url) == ["FICTIF-57G01", "FICTIF-57G02", "FICTIF-57G03", "FICTIF-57I01"]

    csv_out, poly_out = tmp_path / "export.csv", tmp_path / "export.geojson"
    assert main(["sectors", "export", "--out", str(csv_out), "--polygons", str(poly_out), "--database", url]) == 0
    assert csv_out.read_text(encoding="utf-8") == SECTORS_CSV.read_text(encoding="utf-8")
    features = json.loads(poly_out.read_text(encoding="utf-8"))["features"]
    assert sorted(f["properties"]["secteur"] for f in features) == ["FICTIF-57G01", "FICTIF-57G02"]

    # The export imports back unchanged.
    assert main(["sectors", "import", str(csv_out), "--polygons", str(poly_out), *common]) == 0
    assert "0 créé(s)" in capsys.readouterr().out


def test_bad_row_stores_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    bad = tmp_path / "secteurs_fictifs_errones.csv"
    lines = SECTORS_CSV.read_text(encoding="utf-8").splitlines()
    lines.append("FICTIF-57G09,Secteur fictif,adultes,Fictif,57463,,cmp-qui-n-existe-pas")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["sectors", "import", str(bad), "--data", str(LAYERS), "--database", url])
    captured = capsys.readouterr()
    assert code == 1
    assert f"ligne {len(lines)} [FICTIF-57G09] — champ referents : ressource inconnue « cmp-qui-n-existe-pas »" in (
        captured.out
    )
    assert "rien n'est enregistré" in captured.err
    assert _stored(url) == []


def test_dry_run_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["sectors", "import", str(SECTORS_CSV), "--dry-run", "--data", str(LAYERS), "--database", url]) == 0
    assert "rien n'est enregistré" in capsys.readouterr().out and _stored(url) == []
    assert main(["sectors", "import", str(tmp_path / "absent.csv"), "--database", url]) == 2
    assert "fichier introuvable" in capsys.readouterr().err
