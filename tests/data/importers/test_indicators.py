"""Partner indicators: French or English CSV, and every bad row rejected with its row and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_clsm.data.importers.indicators import KnownCodes, import_indicator, parse_number

KNOWN = KnownCodes(communes={"57463", "16015", "2A004"}, departments={"57", "16", "2A"}, territories={"metz"})


def _write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "indicateur.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", 12.5), ("12.5", 12.5), ("1 234,5", 1234.5), ("1\u202f234", 1234.0), ("-3", -3.0), ("0", 0.0)],
)
def test_numbers_french_and_english(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "12,3,4", "1.234,5", "nan", "inf", "12 %"])
def test_bad_numbers_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_french_spreadsheet_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, "code;valeur\nmetz;12,5\n57;10,1\n57463;14\n2A004;3,0\nFR;9,8\n", bom=True)
    report = import_indicator(path, known=KNOWN)
    assert not report.rejected
    assert [(v.scope, v.code, v.value) for v in report.records] == [
        ("territory", "metz", 12.5),
        ("department", "57", 10.1),
        ("commune", "57463", 14.0),
        ("commune", "2A004", 3.0),
        ("france", "FR", 9.8),
    ]


def test_rejections_name_row_and_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,value\n57463,1.5\n99999,2\n57463,3\n16015,douze\n,4\n16,\n")
    report = import_indicator(path, known=KNOWN)
    got = {(r.row, r.field): r.reason for r in report.rejected}
    assert "code inconnu « 99999 »" in got[3, "code"]
    assert got[4, "code"] == "code « 57463 » déjà donné ligne 2"
    assert "nombre illisible « douze »" in got[5, "valeur"]
    assert "code manquant" in got[6, "code"]
    assert got[7, "valeur"] == "valeur manquante"
    assert [v.code for v in report.records] == ["57463"]
    assert report.rows_read == 6


def test_missing_columns_and_bad_encoding(tmp_path: Path) -> None:
    report = import_indicator(_write(tmp_path, "commune;taux\n57463;1\n"), known=KNOWN)
    assert report.rejected[0].row == 1 and "colonnes « code » et « valeur »" in report.rejected[0].reason
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("code;valeur\n57463;é\n".encode("latin-1"))
    assert "encodage illisible" in import_indicator(latin, known=KNOWN).rejected[0].reason


def test_national_value_given_twice(tmp_path: Path) -> None:
    report = import_indicator(_write(tmp_path, "code;valeur\nFR;3\n"), known=KNOWN, national_value=4.0)
    assert any("valeur nationale donnée deux fois" in r.reason for r in report.rejected)
    ok = import_indicator(_write(tmp_path, "code;valeur\n57;3\n"), known=KNOWN, national_value=4.0)
    assert [(v.scope, v.value) for v in ok.records] == [("department", 3.0), ("france", 4.0)]
