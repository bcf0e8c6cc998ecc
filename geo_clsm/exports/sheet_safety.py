"""Spreadsheet safety: no value written to a CSV, XLSX or HSDS file is run as a formula.

A spreadsheet opening a CSV (or a cell typed in by hand) runs a value starting with ``=``,
``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide such a
value behind a blank. OWASP's CSV-injection rule: prefix such a **text** value with an
apostrophe, which spreadsheets read as "this is text" (Excel and LibreOffice hide it in the
cell). Every CSV writer (:mod:`geo_clsm.exports.tables`, :mod:`geo_clsm.exports.hsds`,
:mod:`geo_clsm.engine.batch`, import reports, data changes) passes its values through :func:`neutralise`.

XLSX cells are typed, so a text never runs unless written as a formula: :func:`xlsx_value`
writes a text :func:`formula_like` as a text cell (data type ``s``, never ``f``) with Excel's
"typed with an apostrophe" mark (``quotePrefix``), which keeps the cell text when it is edited.
The text itself is unchanged: an apostrophe in an XLSX value would be shown and copied with it.

Only strings are changed. Numbers stay numbers (a negative distance stored as a float is
written ``-12.5``, a number cell); a string that merely looks like a number or a sum
(``"-1+2"``) is text and is prefixed. Phone numbers in international form (``"+33 3 87 …"``)
are text and are prefixed as OWASP recommends: they read ``'+33 3 87 …`` in the raw CSV,
and ``+33 3 87 …`` in a spreadsheet cell.

A carriage return inside a text becomes a line feed: Python's CSV writer quotes a field holding
a line feed but not one holding a lone carriage return (when lines end with ``\n``), and a
reader would start a new row there, whose first value could be a formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is written: the CLI import loads neither it nor openpyxl
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Whether ``value`` is a text a spreadsheet would run as a formula (OWASP's list of starts)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is a string a spreadsheet would run as a
    formula (and its carriage returns as line feeds); any other value (numbers, dates, None)
    unchanged."""
    if not isinstance(value, str):
        return value
    if formula_like(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def neutralise_row(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (dict) with each value through :func:`neutralise`."""
    return {k: neutralise(v) for k, v in row.items()}


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text value through :func:`neutralise`; numeric columns untouched."""
    import pandas as pd

    out = df.copy(deep=False)
    for col in df.columns:
        s = df[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col] = s.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in df.columns]
    return out


def xlsx_cell(ws: Any, value: Any) -> Any:
    """An openpyxl write-only cell of sheet ``ws`` holding ``value``: a text always as a text
    (a formula-like one marked ``quotePrefix``), with the characters XML cannot hold replaced
    by U+FFFD (openpyxl would refuse the workbook)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = formula_like(value)
    return cell


def xlsx_value(ws: Any, value: Any) -> Any:
    """``value`` for a row appended to the write-only sheet ``ws``: as it is when openpyxl writes it
    as a value anyway, else a cell from :func:`xlsx_cell` (a formula-like text, or one holding
    characters XML cannot)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str) and (formula_like(value) or ILLEGAL_CHARACTERS_RE.search(value)):
        return xlsx_cell(ws, value)
    return value
