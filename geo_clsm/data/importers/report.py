"""Import reports: every input row is imported, or listed with its reason."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from geo_clsm.exports.sheet_safety import neutralise

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rejection:
    """One input row left out: its 1-based row number in the file, the field and why (French)."""

    row: int
    field: str
    reason: str
    record_id: str = ""


@dataclass
class ImportReport(Generic[T]):
    """What an importer did with a file.

    ``rejected`` lists rows that failed validation; ``excluded`` lists valid rows left
    out on purpose (out of scope, failed a sanity check). Every row read is in exactly
    one of ``records``, ``rejected`` or ``excluded``.
    """

    kind: str
    source: str
    rows_read: int = 0
    records: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    excluded: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.records)

    def reject(self, row: int, field_name: str, reason: str, record_id: str = "") -> None:
        self.rejected.append(Rejection(row, sys.intern(field_name), sys.intern(reason), record_id))

    def exclude(self, row: int, field_name: str, reason: str, record_id: str = "") -> None:
        # Reasons repeat (thousands of rows, a few dozen reasons): one string each, pickled once.
        self.excluded.append(Rejection(row, sys.intern(field_name), sys.intern(reason), record_id))

    def is_complete(self) -> bool:
        """Every row read is accounted for."""
        return self.rows_read == self.imported + len(self.rejected) + len(self.excluded)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "rejected": len(self.rejected),
            "excluded": len(self.excluded),
        }

    def format(self, *, max_excluded: int = 20) -> str:
        """A human-readable report (French): counts, then each rejection with row and reason."""
        lines = [
            f"Import {self.kind} : {self.source}",
            f"  lignes lues : {self.rows_read}",
            f"  importées : {self.imported}",
            f"  rejetées : {len(self.rejected)}",
            f"  écartées : {len(self.excluded)}",
        ]
        for w in self.warnings:
            lines.append(f"  avertissement : {w}")
        if self.rejected:
            lines.append("Rejets :")
            lines += [_line(r) for r in sorted(self.rejected, key=lambda r: r.row)]
        if self.excluded:
            lines.append("Écartées (par motif) :")
            for reason, n in Counter(r.reason for r in self.excluded).most_common():
                lines.append(f"  {n} × {reason}")
            lines += [_line(r) for r in self.excluded[:max_excluded]]
            if len(self.excluded) > max_excluded:
                lines.append(f"  … et {len(self.excluded) - max_excluded} autres (voir le rapport CSV)")
        return "\n".join(lines)

    def to_csv(self) -> str:
        """Rejected and excluded rows as CSV: status,row,record_id,field,reason."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["status", "row", "record_id", "field", "reason"])
        for status, items in (("rejected", self.rejected), ("excluded", self.excluded)):
            for r in sorted(items, key=lambda r: r.row):
                w.writerow([neutralise(v) for v in (status, r.row, r.record_id, r.field, r.reason)])
        return buf.getvalue()

    def write_csv(self, path: Path) -> None:
        path.write_text(self.to_csv(), encoding="utf-8")


def _line(r: Rejection) -> str:
    rid = f" [{r.record_id}]" if r.record_id else ""
    return f"  ligne {r.row}{rid} — champ {r.field} : {r.reason}"


def utf8_readable(path: Path, report: ImportReport[Any]) -> bool:
    """True if ``path`` decodes as UTF-8 (BOM or not); else one rejection of the whole file (row 0)."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            while fh.read(1 << 20):
                pass
    except UnicodeDecodeError as exc:
        report.reject(0, "fichier", f"encodage illisible (octet {exc.start}) : enregistrer le fichier en UTF-8")
        return False
    return True
