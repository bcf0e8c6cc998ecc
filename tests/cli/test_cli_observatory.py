"""``geo-clsm observatory``: a snapshot recorded from the command line (once per version), the
évolution printed and written as a workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from geo_clsm.cli import main
from geo_clsm.data.catalog import Catalog
from geo_clsm.store import repo
from geo_clsm.store.startup import open_store

LAYERS = Path(__file__).resolve().parents[2] / "layers"


def test_snapshot_then_evolution(catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    db = open_store(url, shipped=lambda: catalog.resources, territories=list(catalog.territories))
    args = ["observatory", "snapshot", "--database", url, "--data", str(LAYERS), "--versions", str(tmp_path / "v")]
    assert main([*args, "--territory", "metz"]) == 0
    assert "1 nouvel(s) instantané(s)" in capsys.readouterr().out
    # withdrawn by an editor: the next snapshot of Metz says it closed
    gone = next(r for r in catalog.resources if r.territory == "metz" and r.position is not None)
    repo.withdraw(db, gone.id, author="ed@example.fr")
    assert main([*args, "--territory", "metz"]) == 0
    assert "1 nouvel(s)" in capsys.readouterr().out
    assert main([*args, "--territory", "metz"]) == 0  # nothing changed since: no snapshot
    assert "0 nouvel(s)" in capsys.readouterr().out
    out = tmp_path / "evolution.xlsx"
    assert main(["observatory", "evolution", "--territory", "metz", "--database", url, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ressources fermées : 1" in printed and gone.id in printed and "ressources ouvertes : 0" in printed
    header = next(openpyxl.load_workbook(out)["Données"].iter_rows(values_only=True))
    assert {"QPV", "Avant", "Après", "Évolution"} <= set(header)
    assert main(["observatory", "evolution", "--database", url]) == 2
    assert "--territory" in capsys.readouterr().err
