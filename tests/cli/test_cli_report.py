"""``geo-clsm indicators import`` and ``geo-clsm report`` (HTML, comparison), with their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_clsm.cli import main

NAME = "SYNTHETIC mortalité par suicide (test)"


def _indicator(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicateur.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_indicators_rejected_rows_store_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "geo_clsm.db"
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", f"sqlite:///{db_file}")
    path = _indicator(tmp_path, "code;valeur\n16015;12,5\n16999;3\n16015;4\n16;x\n")
    args = [
        "indicators",
        "import",
        str(path),
        "--name",
        NAME,
        "--source",
        "synthetic (tests)",
        "--unit",
        "pour 100 000",
    ]
    assert main(args) == 2
    out = capsys.readouterr()
    assert "ligne 3 [16999] — champ code : code inconnu « 16999 »" in out.out
    assert "ligne 4 [16015] — champ code : code « 16015 » déjà donné ligne 2" in out.out
    assert "ligne 5 [16] — champ valeur : nombre illisible « x »" in out.out
    assert "rien n'est enregistré" in out.err
    assert not db_file.exists()
    assert main([*args[:-1], "pour 100 000", "--national-value", "douze"]) == 2


def test_indicator_then_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GEO_CLSM_DATABASE_URL", f"sqlite:///{tmp_path / 'geo_clsm.db'}")
    path = _indicator(tmp_path, "code;valeur\nangouleme;17,25\n16;15,5\n16015;21\n57463;99\n")
    args = [
        "indicators",
        "import",
        str(path),
        "--name",
        NAME,
        "--source",
        "synthetic (tests)",
        "--unit",
        "pour 100 000",
    ]
    assert main([*args, "--national-value", "13,5"]) == 0
    assert "5 valeurs enregistrées" in capsys.readouterr().out
    out = tmp_path / "rapport.html"
    assert main(["report", "--territory", "angouleme", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Grand Angoulême" in html and NAME in html and "synthetic (tests)" in html
    assert "17,25" in html and "13,5" in html and "99" not in html.split(NAME)[1].split("</table>")[0]
    compared = tmp_path / "comparaison.html"
    assert main(["report", "--compare", "metz", "angouleme", "--out", str(compared)]) == 0
    text = compared.read_text(encoding="utf-8")
    assert "Eurométropole de Metz" in text and "Grand Angoulême" in text


def test_report_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--territory", "metz", "--out", str(tmp_path / "r.txt")]) == 2
    assert "choisir un fichier .pdf ou .html" in capsys.readouterr().err
    assert main(["report", "--territory", "metz", "--since", "2026-01-01", "--out", str(tmp_path / "r.html")]) == 2
    assert "observatoire" in capsys.readouterr().err  # no database here: no snapshot to compare
    assert main(["report", "--compare", "metz", "--out", str(tmp_path / "r.html")]) == 2
    assert "au moins deux territoires" in capsys.readouterr().err
    assert main(["report", "--territory", "atlantis", "--out", str(tmp_path / "r.html")]) == 2
    assert "territoire inconnu : atlantis" in capsys.readouterr().err
