"""Partner indicators: a table of values by commune, department or territory code.

Indicators the partners chose that geo_clsm cannot compute (recourse to care, mortality by
suicide, density of psychiatrists…). The CSV has a ``code`` column (an INSEE commune code,
a department code or a territory id; ``FR`` or ``France`` for the national value) and a
``valeur`` (or ``value``) column. Separator ``;`` or ``,`` (or tab), UTF-8 with or without
BOM; decimal comma accepted, spaces as thousands separators too. Unknown codes, bad numbers
and codes given twice are rejected with their row and reason: nothing is stored unless
every row is valid (a half-imported indicator would mislead a reader).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from geo_clsm.data.importers.report import ImportReport

CODE_COLUMNS = ("code", "code_insee", "insee_com", "code_geo")
VALUE_COLUMNS = ("valeur", "value")
NATIONAL_CODES = ("fr", "france")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One value of an indicator: ``scope`` is commune, department, territory or france."""

    scope: str
    code: str
    value: float


@dataclass(frozen=True)
class KnownCodes:
    """The codes an indicator may be given for."""

    communes: Collection[str]
    departments: Collection[str]
    territories: Collection[str]

    def scope_of(self, code: str) -> str | None:
        if code.lower() in NATIONAL_CODES:
            return "france"
        if code in self.territories:
            return "territory"
        if code in self.departments:
            return "department"
        if code in self.communes:
            return "commune"
        return None


def parse_number(text: str) -> float:
    """A number written the French or the English way: ``1 234,5``, ``1234.5``, ``12,3``.

    Raises ``ValueError`` (French message) for anything else.
    """
    t = _SPACES.sub("", text.strip())
    if not t:
        raise ValueError("valeur manquante")
    if "," in t:
        if "." in t or t.count(",") > 1:
            raise ValueError(f"nombre illisible « {text.strip()} » : écrire par exemple 12,5 ou 12.5")
        t = t.replace(",", ".")
    if not _NUMBER.match(t):
        raise ValueError(f"nombre illisible « {text.strip()} » : écrire par exemple 12,5 ou 12.5")
    v = float(t)
    if not math.isfinite(v):
        raise ValueError(f"nombre illisible « {text.strip()} »")
    return v


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=";,\t")
    except csv.Error:
        return csv.excel


def import_indicator(
    path: Path | str, *, known: KnownCodes, national_value: float | None = None
) -> ImportReport[IndicatorValue]:
    """Read an indicator table; every row is in ``records`` or ``rejected`` (with row and reason).

    ``national_value`` (from the command line) is added as the ``france`` row unless the
    file gives one (then both must not be given: the row is rejected).
    """
    path = Path(path)
    report: ImportReport[IndicatorValue] = ImportReport(kind="indicateur", source=str(path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.reject(0, "fichier", f"encodage illisible (octet {exc.start}) : enregistrer le fichier en UTF-8")
        return report
    reader = csv.DictReader(io.StringIO(text), dialect=_dialect(text))
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    code_col = next((header[c] for c in CODE_COLUMNS if c in header), None)
    value_col = next((header[c] for c in VALUE_COLUMNS if c in header), None)
    if code_col is None or value_col is None:
        report.reject(
            1, "en-tête", f"colonnes « code » et « valeur » attendues (trouvées : {', '.join(header) or 'aucune'})"
        )
        return report
    seen: dict[str, int] = {}
    for row_no, rec in enumerate(reader, start=2):
        report.rows_read += 1
        code = (rec.get(code_col) or "").strip()
        if not code:
            report.reject(row_no, "code", "code manquant : un code INSEE de commune, de département ou un territoire")
            continue
        scope = known.scope_of(code)
        if scope is None:
            report.reject(
                row_no, "code", f"code inconnu « {code} » : code INSEE de commune, de département, ou territoire", code
            )
            continue
        key = "FR" if scope == "france" else code
        if key in seen:
            report.reject(row_no, "code", f"code « {code} » déjà donné ligne {seen[key]}", code)
            continue
        seen[key] = row_no
        try:
            value = parse_number(rec.get(value_col) or "")
        except ValueError as exc:
            report.reject(row_no, "valeur", str(exc), code)
            continue
        report.records.append(IndicatorValue(scope, key, value))
    if national_value is not None:
        if "FR" in seen:
            report.reject(seen["FR"], "code", "valeur nationale donnée deux fois (fichier et --national-value)", "FR")
        else:
            report.records.append(IndicatorValue("france", "FR", float(national_value)))
    return report
