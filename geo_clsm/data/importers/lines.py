"""National listening and emergency lines (``national_lines.csv``), and which needs they answer.

A line is a resource with no position (type ``LIGNE_ECOUTE``, or ``URGENCE`` for the 114): it
is listed by ``/api/resources`` and offered where no local resource of the wanted kind is
near, never drawn on the map. Rows whose notes say "à vérifier" carry ``to_verify`` and say
so publicly. The needs table (``national_lines_needs.csv``: ``line_id,answers``) lists, for
each line, the resource types it answers (``;``-separated) or ``*`` for every need.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from geo_clsm.data.importers.finess_common import format_phone
from geo_clsm.data.importers.report import ImportReport, utf8_readable
from geo_clsm.model.hours import parse_opening_hours
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.validate import french_errors

ALL_NEEDS = "*"


def _hours(text: str) -> str | None:
    """OSM hours; a range past midnight every day ("Mo-Su 08:00-02:00") becomes two ranges."""
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"Mo-Su (\d\d:\d\d)-(\d\d:\d\d)", text)
    if m and m.group(2) < m.group(1):
        text = f"Mo-Su 00:00-{m.group(2)},{m.group(1)}-24:00"
    parse_opening_hours(text)
    return text


def _phone(text: str) -> str | None:
    """A ten-digit number in pairs (« 08 00 23 52 36 »), as every phone of the product; a short
    number (3114, 114) as it is."""
    text = text.strip()
    return (format_phone(text) or text) if text else None


def _audience(text: str) -> Audience:
    m = re.search(r"(\d{1,2})\s*-\s*(\d{1,2})\s*ans", text)
    groups = (text.strip(),) if text.strip() else ()
    if m:
        return Audience(age_min=int(m.group(1)), age_max=int(m.group(2)), groups=groups)
    if text.strip().lower().startswith("tous publics"):
        return Audience(age_min=0, groups=groups)
    return Audience(groups=groups)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def import_national_lines(path: Path | str, *, verified_on: date) -> ImportReport[Resource]:
    """Read the national lines; ``verified_on`` is the day the file was checked into the product."""
    path = Path(path)
    report: ImportReport[Resource] = ImportReport(kind="national_lines", source=str(path))
    if not utf8_readable(path, report):
        return report
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            report.rows_read += 1
            row, rid = reader.line_num, (rec.get("id") or "").strip()
            notes = (rec.get("notes") or "").strip()
            try:
                res = Resource(
                    id=rid,
                    type=ResourceType((rec.get("type") or "").strip()),
                    name=(rec.get("name") or "").strip(),
                    phone=_phone(rec.get("phone") or ""),
                    audience=_audience(rec.get("audience") or ""),
                    opening_hours=_hours(rec.get("opening_hours") or ""),
                    free_of_charge=True if (rec.get("free_of_charge") or "").strip() == "yes" else None,
                    source=(rec.get("source_url") or "").strip() or "national_lines.csv",
                    last_verified=verified_on,
                    source_date=_date(rec.get("source_date_seen") or ""),
                    notes=notes or None,
                    to_verify="à vérifier" in notes.lower(),
                )
            except (ValidationError, ValueError) as exc:
                errs = french_errors(exc) if isinstance(exc, ValidationError) else [("ligne", str(exc))]
                report.reject(row, ", ".join(f for f, _ in errs), " ; ".join(r for _, r in errs), rid)
                continue
            report.records.append(res)
    return report


def read_line_needs(path: Path | str) -> dict[str, frozenset[str]]:
    """line id -> the resource types it answers (``{"*"}`` for every need)."""
    out: dict[str, frozenset[str]] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            answers = {a.strip() for a in (rec.get("answers") or "").split(";") if a.strip()}
            unknown = answers - {ALL_NEEDS, *ResourceType.__members__}
            if unknown:
                raise ValueError(f"ligne {rec.get('line_id')} : types inconnus {', '.join(sorted(unknown))}")
            out[(rec.get("line_id") or "").strip()] = frozenset(answers)
    return out
