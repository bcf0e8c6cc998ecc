"""The column-wise CSV import gives what the row-by-row rules give: same resources, same rejections.

The reference is computed independently of the column code: ``csv.DictReader`` and
:func:`resource_from_record` on each record, duplicates checked in file order.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

from geo_clsm.data.importers import resource_columns, resource_csv
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_csv import CsvSource, strings
from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.data.importers.resources import import_resources, import_resources_table
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource

COMMUNES = {
    "57463": CommunePoint("57463", "Metz", 6.1763, 49.1197, "synthetic town hall"),
    "16015": CommunePoint("16015", "Angoulême", 0.1563, 45.6484, "synthetic town hall"),
}

VALUES: dict[str, list[str]] = {
    "id": ["synthetic-a", "synthetic-b", "", " synthetic-c ", "bad id!", "synthetic-dup"],
    "type": ["CMP", "CMP_ADULTE", "GEM", "", "NOPE", "\u00a0GEM\u3000"],
    "name": ["synthetic place", "", "  spaced  "],
    "services": ["", "CATTP;HDJ", " ; CMPP ;", "NOPE"],
    "postcode": ["", "57000", "5700", "16000"],
    "insee_com": ["", "57463", "16015", "99999", "2A004"],
    "phone": ["", "03 87 00 00 00", "abc"],
    "email": ["", "a@b.fr", "not-an-email"],
    "audience": ["", "jeunes;familles"],
    "age_min": ["", "12", "17.5", "nan", "inf", "-3", "200", "x", "12,0"],
    "age_max": ["", "25", "10", "1e1"],
    "opening_hours": ["", "Mo-Fr 09:00-17:00", "n'importe quand"],
    "languages": ["", "ar;en", "fr"],
    "wheelchair": ["", "oui", "NON", "peut-être", " Yes "],
    "free_of_charge": ["", "1", "0", "vrai"],
    "confidential_address": ["", "", "", "oui", "non"],
    "capacity": ["", "12", "1,5", "nan", "many"],
    "lon": ["", "6.18", "6,18", "49.12", "abc", "2.45", "nan", "200", "-61.5", "0.16"],
    "lat": ["", "49.12", "49,12", "6.18", "46.62", "16.25", "45.65", "nan"],
    "x": ["", "", "", "930000", "6900000", "6.2", "abc"],
    "y": ["", "", "", "6890000", "930000", "49.1"],
    "position_precision": ["", "address", "street", "commune", "none", "exacte"],
    "position_source": ["", "synthetic geocoder"],
    "service_area_wkt": ["", "", "", "POLYGON ((6 49, 6.2 49, 6.2 49.2, 6 49.2, 6 49))", "POLYGON ((0 0, 1 1))"],
    "territory": ["", "metz"],
    "source": ["synthetic benchmark set", ""],
    "last_verified": ["2026-01-01", "", "hier", "2026-13-01"],
    "verified_by_person": ["", "oui", "bof"],
    "to_verify": ["", "non"],
    "service_area_communes": ["", "", "", "", "57463", "57463;16015", "99999", "5746"],
    "service_area_qpv": ["", "", "", "", "QN05720M", "57720"],
    "sector": ["", "", "", "", "", "57G03"],  # retired column of older files: filled, the row is refused
}
HEADER = list(VALUES)


def _write(path: Path, n: int, seed: int, *, plain: bool = False) -> None:
    """``plain``: no quote, no short row, no record over two lines, no blank line (pyarrow reads it)."""
    rng = random.Random(seed)
    values = {c: [v for v in vs if "," not in v] or [""] for c, vs in VALUES.items()} if plain else VALUES
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(n):
        row = [rng.choice(values[c]) for c in HEADER]
        if rng.random() < 0.5:  # mostly valid rows, as in real files
            row = [
                f"synthetic-{i}",
                "CMP",
                "synthetic place",
                "",
                "57000",
                "57463",
                "",
                "",
                "",
                rng.choice(["", "18"]),
                "",
                "",
                "",
                "",
                "",
                rng.choice(["", "oui"]),
                "",
                f"{rng.uniform(5.9, 6.4):.6f}",
                f"{rng.uniform(48.9, 49.3):.6f}",
                "",
                "",
                rng.choice(["", "street"]),
                "",
                "",
                "",
                "synthetic benchmark set",
                "2026-01-01",
                "",
                "",
                "",
                "",
                "",
            ]
            if rng.random() < 0.4:  # one cell of a valid row changed: each column's own check decides
                c = rng.randrange(len(HEADER))
                row[c] = rng.choice(values[HEADER[c]])
        if rng.random() < 0.03 and not plain:
            row = row[: rng.randrange(len(row))]  # a short row
        if rng.random() < 0.02 and not plain:
            row[2] = "synthetic\nmulti-line name"  # quoted over two lines: line numbers shift
        w.writerow(row)
        if rng.random() < 0.02 and not plain:
            buf.write("\n")  # a blank line (skipped)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _row_by_row(path: Path) -> ImportReport[Resource]:
    report: ImportReport[Resource] = ImportReport(kind="resources", source=str(path))
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            report.rows_read += 1
            rid = str(rec.get("id") or "").strip()
            try:
                res = resource_from_record(rec, communes=COMMUNES, territory="metz")
            except RowError as e:
                report.reject(reader.line_num, e.field, e.reason, rid)
                continue
            if res.id in seen:
                report.reject(reader.line_num, "id", f"identifiant « {res.id} » en double : le rendre unique", rid)
                continue
            seen.add(res.id)
            report.records.append(res)
    return report


@pytest.mark.parametrize("chunk_rows", [20_000, 700])  # one chunk; several (duplicates across chunks)
def test_column_import_equals_row_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int) -> None:
    monkeypatch.setattr(resource_columns, "CHUNK_ROWS", chunk_rows)
    path = tmp_path / "synthetic_resources_mixed.csv"
    _write(path, 3000, seed=9)
    got = import_resources(path, communes=COMMUNES, territory="metz")
    want = _row_by_row(path)
    assert got.rows_read == want.rows_read > 2900
    assert got.rejected == want.rejected
    assert got.records == want.records
    # The file exercises both paths: many valid rows, and rejections of many kinds.
    assert len(want.records) > 1000
    assert len({r.field for r in want.rejected}) > 8
    assert got.is_complete()


def test_missing_required_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "synthetic_no_source.csv"
    path.write_text("id,type,name,last_verified\nsynthetic-1,CMP,x,2026-01-01\n", encoding="utf-8")
    report = import_resources(path)
    assert [(r.row, r.field) for r in report.rejected] == [(0, "source")]
    assert "colonnes obligatoires absentes" in report.rejected[0].reason


@pytest.mark.parametrize("chunk_rows", [20_000, 700])
def test_plain_file_read_by_pyarrow_equals_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    """A plain file (no quote, one line per record) goes through pyarrow's reader, in several
    batches: same rejections (row, field, reason) and same resources as the row-by-row rules."""
    monkeypatch.setattr(resource_csv, "BLOCK_BYTES", 16 << 10)  # many batches: duplicates across them
    monkeypatch.setattr(resource_columns, "CHUNK_ROWS", chunk_rows)
    path = tmp_path / "synthetic_resources_plain.csv"
    _write(path, 3000, seed=11, plain=True)
    assert b'"' not in path.read_bytes()
    assert CsvSource(path).header is not None  # the pyarrow path is the one under test
    got = import_resources(path, communes=COMMUNES, territory="metz")
    want = _row_by_row(path)
    assert got.rows_read == want.rows_read == 3000
    assert got.rejected == want.rejected
    assert got.records == want.records
    assert len(want.records) > 1000
    assert len({r.field for r in want.rejected}) > 8


def test_plain_file_with_a_short_row_is_read_by_the_csv_module(tmp_path: Path) -> None:
    """pyarrow refuses a row with fewer cells than the header; the file is then read as the csv
    module reads it (the short row's missing cells empty), with the same answers."""
    path = tmp_path / "synthetic_resources_short_row.csv"
    _write(path, 400, seed=12, plain=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[300] = ",".join(lines[300].split(",")[:5])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = import_resources(path, communes=COMMUNES, territory="metz")
    want = _row_by_row(path)
    assert got.rows_read == want.rows_read == 400
    assert got.rejected == want.rejected
    assert got.records == want.records
    assert any(r.row == 301 for r in want.rejected)  # the short row: no source, no date


def test_table_report_keeps_rows_in_columns(tmp_path: Path) -> None:
    """``import_resources_table`` counts and rejects without building the resources; iterating over
    the table builds the same resources as ``import_resources``; the file must not change meanwhile."""
    path = tmp_path / "synthetic_resources_table.csv"
    _write(path, 500, seed=13, plain=True)
    report = import_resources_table(path, communes=COMMUNES, territory="metz")
    full = import_resources(path, communes=COMMUNES, territory="metz")
    assert report.records == [] and report.table is not None
    assert report.imported == full.imported == len(report.table) > 100
    assert report.rejected == full.rejected and report.is_complete()
    assert list(report.resources()) == full.records
    assert report.table[-1] == full.records[-1] and report.table[2:5] == full.records[2:5]
    assert report.table[7:1:-2] == full.records[7:1:-2]
    path.write_text(path.read_text(encoding="utf-8") + "synthetic-late,CMP,x\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="a changé"):
        list(report.table)


@pytest.mark.parametrize(
    "text",
    ["0", "-3", "12", "12.5", ".5", "5.", "+7", "1e1", "1E-5", "12,5", "6.123456789012345678", "1e99", "-1.5e-30"],
)
def test_plain_numbers_read_as_python_reads_them(text: str) -> None:
    """The numbers pyarrow parses (the others go to the per-row rules) have the value float() gives."""
    from geo_clsm.data.importers.resource_table import _numbers

    values, ok = _numbers(strings([text]))
    assert ok.tolist() == [True]
    assert values.tolist() == [float(text.replace(",", "."))]


@pytest.mark.parametrize("text", ["nan", "inf", "1_000", "١٢", "1e400", "1.2.3", "abc", "0x10"])
def test_other_numbers_left_to_the_row_rules(text: str) -> None:
    from geo_clsm.data.importers.resource_table import _numbers

    _, ok = _numbers(strings([text]))
    assert ok.tolist() == [False]


def test_cli_import_loads_neither_pandas_nor_sqlalchemy(tmp_path: Path) -> None:
    """``geo-clsm import resources FILE.csv`` (no --apply) needs neither: each would add a second and
    tens of MB to a large import."""
    path = tmp_path / "synthetic_resources_cli.csv"
    _write(path, 50, seed=14, plain=True)
    code = (
        "import sys; from geo_clsm.cli import main; main(['import', 'resources', sys.argv[1]]); "
        "print(sorted({'pandas', 'sqlalchemy', 'geopandas'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
