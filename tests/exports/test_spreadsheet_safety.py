"""Spreadsheet safety (issue 25, item 3): no CSV, csv-fr, XLSX, HSDS, batch or report output
carries a value a spreadsheet would run as a formula (OWASP CSV injection: ``=``, ``+``, ``-``,
``@``, tab or CR at the start gets a leading apostrophe); numbers stay numbers.

The hostile values are synthetic test strings, not data of any real resource."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest

from geo_clsm.data.importers.report import ImportReport, Rejection
from geo_clsm.engine.batch import write_answers_csv
from geo_clsm.exports.hsds import hsds_files
from geo_clsm.exports.sheet_safety import neutralise
from geo_clsm.exports.tables import label, write_table
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

HOSTILE = ['=HYPERLINK("http://synthetic.invalid","x")', "+1+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": HOSTILE,
            "phone": ["+33 3 00 00 00 00"] * len(HOSTILE),
            "mean_m": [-12.5, 0.0, 3.0, 4.0, 5.0, 6.0],
            "count": [-1, 2, 3, 4, 5, 6],
        }
    )


def _starts_like_a_formula(text: str) -> bool:
    return text[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_neutralise_follows_owasp_and_keeps_numbers() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+33 3 87 00 00 00") == "'+33 3 87 00 00 00"  # text phone numbers are prefixed
    assert neutralise("-1+2") == "'-1+2"
    assert neutralise("\t@x") == "'\t@x"
    assert neutralise("\r=1+1") == "'\n=1+1" and neutralise("a\r\n=b") == "a\n=b"  # no bare CR left
    assert neutralise("Metz") == "Metz" and neutralise("") == ""
    assert neutralise(-1.5) == -1.5 and neutralise(-3) == -3 and neutralise(None) is None
    assert neutralise(neutralise("=x")) == "'=x"  # idempotent


@pytest.mark.parametrize("fmt", ["csv", "csv-fr"])
def test_csv_tables_carry_no_formula_and_keep_negative_numbers(fmt: str) -> None:
    f = write_table(_hostile_frame(), fmt=fmt, name="synthetic", title="synthetic")
    sep = ";" if fmt == "csv-fr" else ","
    rows = list(csv.reader(io.StringIO(f.content.decode("utf-8-sig")), delimiter=sep))
    text_cells = [c for row in rows[1:] for c in row[:2]]
    assert not any(_starts_like_a_formula(c) for c in text_cells), text_cells
    assert [r[0] for r in rows[1:]] == ["'" + v.replace("\r", "\n") for v in HOSTILE]
    assert len(rows) == len(HOSTILE) + 1  # a carriage return in a value starts no new row
    assert rows[1][1] == "'+33 3 00 00 00 00"
    df = pd.read_csv(io.BytesIO(f.content), sep=sep, decimal="," if fmt == "csv-fr" else ".", encoding="utf-8-sig")
    mean = label("mean_m") if fmt == "csv-fr" else "mean_m"
    count = label("count") if fmt == "csv-fr" else "count"
    assert df[mean].dtype == float and df[mean].iloc[0] == -12.5  # a negative number stays a number
    assert df[count].iloc[0] == -1


def test_xlsx_cells_are_values_never_formulas() -> None:
    df = _hostile_frame()
    df.loc[len(df)] = {"name": "Synth\x01étique", "phone": "", "mean_m": 1.0, "count": 1}  # XML cannot hold U+0001
    f = write_table(df, fmt="xlsx", name="synthetic", title="=synthetic title")
    with zipfile.ZipFile(io.BytesIO(f.content)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    wb = openpyxl.load_workbook(io.BytesIO(f.content))
    ws = wb["Données"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [ws.cell(row=i, column=1) for i in range(2, len(HOSTILE) + 2)]
    # the text itself, as a text cell marked "typed with an apostrophe" (the standard library's XML
    # parser reads a CR as a LF; lxml, when installed, keeps it)
    assert [c.value for c in names] in ([v.replace("\r", "\n") for v in HOSTILE], list(HOSTILE))
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    assert ws.cell(row=2, column=2).value == "+33 3 00 00 00 00" and ws.cell(row=2, column=2).quotePrefix
    assert ws.cell(row=len(HOSTILE) + 2, column=1).value == "Synth\ufffdétique"
    mean = ws.cell(row=2, column=3)
    assert mean.data_type == "n" and mean.value == -12.5 and not mean.quotePrefix  # numbers are number cells
    assert wb["À lire"]["A1"].value == "=synthetic title" and wb["À lire"]["A1"].data_type == "s"


def test_hsds_tables_carry_no_formula() -> None:
    r = Resource(
        id="synthetic-hostile",
        type=ResourceType.AUTRE,
        name="=synthetic hostile name",
        street="-1 rue du Test synthétique",
        postcode="57000",
        commune="Metz",
        insee_com="57463",
        phone="+33 3 00 00 00 00",
        territory="synthetic",
        source="@synthetic test fixture",
        last_verified=date(2026, 11, 1),
        position=Position(lon=-0.5, lat=45.6, precision=PositionPrecision.ADDRESS, source="synthetic"),
    )
    files = hsds_files([r], territory="synthetic", title="synthetic")
    tables = {
        n.removesuffix(".csv"): list(csv.DictReader(io.StringIO(b.decode("utf-8"))))
        for n, b in files.items()
        if n.endswith(".csv")
    }
    for rows in tables.values():
        for row in rows:
            assert not any(_starts_like_a_formula(v) for k, v in row.items() if k not in ("longitude", "latitude"))
    assert tables["organizations"][0]["name"] == "'=synthetic hostile name"
    assert tables["phones"][0]["number"] == "'+33 3 00 00 00 00"
    assert tables["locations"][0]["longitude"] == "-0.5"  # a number, written as a number


def test_batch_answers_neutralise_client_ids() -> None:
    buf = io.StringIO()
    write_answers_csv([{"id": "=cmd|' /C calc'!A0", "rank": 1, "distance_m": -0.0}, {"id": "@x", "error": "-"}], buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [r["id"] for r in rows] == ["'=cmd|' /C calc'!A0", "'@x"]
    assert rows[0]["rank"] == "1" and rows[1]["error"] == "'-"


def test_import_report_csv_neutralises_echoed_values() -> None:
    report: ImportReport[object] = ImportReport(kind="synthetic", source="synthetic")
    report.rejected.append(Rejection(row=2, record_id="=HYPERLINK(1)", field="name", reason="+synthetic reason"))
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[1][2:] == ["'=HYPERLINK(1)", "name", "'+synthetic reason"]
