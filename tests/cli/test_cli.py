"""The ``geo-clsm`` console script, run as a real subprocess."""

import subprocess
import sys
from pathlib import Path

import pytest

from geo_clsm.cli import main

EXE = Path(sys.executable).parent / "geo-clsm"


def test_console_script_import_finess_prints_rejections(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "finess.geojson"
    report = tmp_path / "report.csv"
    proc = subprocess.run(
        [
            str(EXE),
            "import",
            "finess",
            str(data_dir / "synthetic_finess_stock.csv"),
            "--territory",
            "metz",
            "--out",
            str(out),
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "importées : 3" in proc.stdout
    assert "ligne 7 — champ ligne : 4 champs au lieu de 32" in proc.stdout
    assert "ligne 14 [570900004] — champ coordxet,coordyet : x et y inversés" in proc.stdout
    assert out.read_text(encoding="utf-8").count('"Feature"') == 3
    rows = report.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "status,row,record_id,field,reason" and len(rows) == 1 + 5 + 2


def test_import_resources_to_csv(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    assert (
        main(
            ["import", "resources", str(data_dir / "synthetic_resources.csv"), "--territory", "metz", "--out", str(out)]
        )
        == 0
    )
    assert "rejetées : 9" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("id,type,")


def test_import_qpv_gpkg(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "q.gpkg"
    assert (
        main(["import", "qpv", str(data_dir / "synthetic_qpv_anct.geojson"), "--territory", "metz", "--out", str(out)])
        == 0
    )
    assert "importées : 2" in capsys.readouterr().out
    assert out.is_file()


def test_import_gisco_and_registry(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "gisco", str(data_dir / "synthetic_gisco.csv"), "--territory", "metz"]) == 0
    assert "SMPR" in capsys.readouterr().out
    registry = Path(__file__).resolve().parents[2] / "layers" / "pilots" / "resources_metz_angouleme.csv"
    assert main(["import", "registry", str(registry), "--territory", "metz", "--verified-on", "2026-11-22"]) == 0
    assert "importées : 20" in capsys.readouterr().out


def test_errors_are_plain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "finess", str(tmp_path / "nope.csv")]) == 2
    assert "fichier introuvable" in capsys.readouterr().err
    assert main(["import", "qpv", str(tmp_path / "nope.csv"), "--territory", "lyon"]) == 2
    with pytest.raises(SystemExit):
        main(["import", "pdf", "x"])


def test_gaps_command_writes_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import geopandas as gpd
    import pyogrio

    gpkg = tmp_path / "gaps.gpkg"
    assert main(["gaps", "--territory", "metz", "--out", str(gpkg), "--type", "CMP", "--type", "GEM"]) == 0
    out = capsys.readouterr()
    assert "ratio QPV/hors QPV" in out.out
    assert "2/2" in out.err  # the progress bar
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert layers == {"qpv_indicators", "rest", "communes_2sfca"}
    assert len(gpd.read_file(gpkg, layer="qpv_indicators")) == 8 * 2
    csv_out = tmp_path / "gaps.csv"
    assert main(["gaps", "--territory", "angouleme", "--out", str(csv_out), "--type", "CMP"]) == 0
    assert (tmp_path / "gaps_rest.csv").is_file() and (tmp_path / "gaps_communes.csv").is_file()
    gj = tmp_path / "gaps.geojson"
    assert main(["gaps", "--territory", "angouleme", "--out", str(gj), "--type", "CMP", "--spacing-m", "100"]) == 0
    assert len(gpd.read_file(gj)) == 5
    assert main(["gaps", "--territory", "metz", "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["gaps", "--territory", "metz", "--out", str(gj), "--type", "ZZ"]) == 2


def test_gaps_command_sfca_settings_and_known_audience(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    out = tmp_path / "cmp.csv"
    argv = ["gaps", "--territory", "angouleme", "--out", str(out), "--type", "CMP_ADULTE"]
    assert main([*argv, "--decay", "step", "--catchment", "CMP_ADULTE=3000"]) == 0
    printed = capsys.readouterr().out
    assert "par paliers (APL)" in printed and "3\u202f000 m" in printed
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["catchment_m"] for r in rows} == {"3000"} and all(int(r["n_unknown_audience"]) >= 1 for r in rows)
    assert main([*argv, "--known-audience-only"]) == 0
    assert "public connu seulement" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert all(r["n_unknown_audience"] == "0" for r in rows)
    assert main([*argv, "--catchment", "CMP=beaucoup"]) == 2
    assert "TYPE=MÈTRES" in capsys.readouterr().err
    assert main([*argv, "--catchment", "ZZ=1000"]) == 2


def test_console_script_guide_writes_pdf_and_html(tmp_path: Path) -> None:
    pdf = tmp_path / "guide.pdf"
    proc = subprocess.run(
        [str(EXE), "guide", "--territory", "angouleme", "--audience", "jeunes", "--format", "a5", "--out", str(pdf)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "GEO_CLSM_PUBLIC_URL": "https://exemple.fr"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert pdf.read_bytes().startswith(b"%PDF-") and "Écrit" in proc.stdout
    page = tmp_path / "guide.html"
    assert main(["guide", "--territory", "metz", "--out", str(page)]) == 0  # no public URL: no QR code
    text = page.read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and "?territory=" not in text


def test_guide_refuses_unknown_output_and_territory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["guide", "--territory", "metz", "--out", str(tmp_path / "g.docx")]) == 2
    assert main(["guide", "--territory", "france", "--out", str(tmp_path / "g.pdf")]) == 2
    err = capsys.readouterr().err
    assert ".pdf ou .html" in err and "territoires pilotes" in err
