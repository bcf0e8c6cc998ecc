"""The curated registry format (``resources_metz_angouleme.csv``, see its README).

Columns: id, territory, type, services, name, street, postcode, commune, insee_com,
phone, website, audience, lat, lon, coord_source, coord_quality, finess_et, source_url,
other_sources, source_date_seen, confidence, notes.

Each row is translated to the project's schema, then validated like any resource:

- ``coord_quality`` gives the precision: ``good`` -> address, ``medium`` or
  ``approximate`` -> street; a row without coordinates is placed at its town hall
  (commune precision), except a row whose notes say it is not a place (« ne pas cartographier »).
- A row whose notes ask not to publish its location (« lieu discret », « ne pas géolocaliser »)
  is ``confidential_address``.
- ``notes`` (curation remarks, in French), ``other_sources`` and ``confidence`` go to
  the internal ``notes``, never published; an optional ``public_info`` column holds
  the French text the public may see.
- ``AUTRE`` rows that are CMPs whose public is not stated become type ``CMP``.
- ``audience`` text gives an age range by the rules of ``audience_ages``.
- ``last_verified`` is the date the registry was checked (``verified_on``);
  ``source_date`` is the most recent date its sources state.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any

from geo_clsm.data.importers.names import readable, readable_street
from geo_clsm.data.importers.report import ImportReport, utf8_readable
from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.model.resource import Resource

_AGE_RANGE = re.compile(r"(\d{1,2})\s*-\s*(\d{1,2})\s*ans")
_KEYWORD_AGES: tuple[tuple[str, int | None, int | None], ...] = (
    ("personnes âgées", 60, None),
    ("adolescents", 11, 17),
    ("enfants", 0, 17),
    ("jeunes", 11, 25),
    ("adultes", 18, None),
)


CONFIDENTIAL_PHRASES = ("lieu discret", "ne pas géolocaliser")
"""Words of a row's French notes asking not to publish its location (compared casefolded)."""
NOT_A_PLACE_PHRASES = ("pas un lieu", "ne pas cartographier")
"""Words of a row's French notes saying it is not a place: no position, not on the map."""


def audience_ages(text: str) -> tuple[int | None, int | None]:
    """Age range stated by an audience text.

    An explicit range ("13-20 ans") wins; otherwise keywords: enfants 0-17,
    adolescents 11-17, jeunes 11-25, adultes 18+, personnes âgées 60+; "tous" or an
    empty text gives no range (open to all ages).
    """
    low = text.lower()
    m = _AGE_RANGE.search(low)
    if m:
        return int(m.group(1)), int(m.group(2))
    for word, lo, hi in _KEYWORD_AGES:
        if word in low:
            return lo, hi
    return None, None


def _source_date(text: str) -> date | None:
    """The most recent ISO date (or year-month) in a free-text date field."""
    found: list[date] = []
    for y, m, d in re.findall(r"\b(20\d\d)-(\d\d)(?:-(\d\d))?\b", text):
        try:
            found.append(date(int(y), int(m), int(d or 1)))
        except ValueError:
            continue
    return max(found) if found else None


def _precision(quality: str) -> str:
    q = quality.lower()
    if q.startswith("good"):
        return "address"
    return "street"


def registry_record(rec: dict[str, str], *, verified_on: date) -> dict[str, Any]:
    """Translate one registry row to the project's schema."""
    services = [s.strip() for s in (rec.get("services") or "").split(";") if s.strip()]
    rtype = (rec.get("type") or "").strip()
    if rtype == "AUTRE" and services and services[0] == "CMP":
        rtype = "CMP"
    notes = (rec.get("notes") or "").strip()
    lo, hi = audience_ages(rec.get("audience") or "")
    has_coords = bool((rec.get("lat") or "").strip() and (rec.get("lon") or "").strip())
    said = notes.casefold()
    confidential = any(phrase in said for phrase in CONFIDENTIAL_PHRASES)
    not_a_place = any(phrase in said for phrase in NOT_A_PLACE_PHRASES)
    extra = [notes] if notes else []
    if rec.get("other_sources"):
        extra.append(f"Autres sources : {rec['other_sources'].strip()}")
    if rec.get("confidence"):
        extra.append(f"Confiance : {rec['confidence'].strip()}")
    return {
        "id": rec.get("id"),
        "type": rtype,
        "services": ";".join(services),
        "name": rec.get("name"),
        "street": rec.get("street"),
        "postcode": rec.get("postcode"),
        "commune": rec.get("commune"),
        "insee_com": rec.get("insee_com"),
        "phone": rec.get("phone"),
        "website": rec.get("website"),
        "audience": rec.get("audience"),
        "age_min": lo,
        "age_max": hi,
        "lon": rec.get("lon") if has_coords else None,
        "lat": rec.get("lat") if has_coords else None,
        "position_precision": _precision(rec.get("coord_quality") or "")
        if has_coords
        else ("none" if not_a_place else None),
        "position_source": rec.get("coord_source"),
        "confidential_address": "oui" if confidential else None,
        "finess_et": rec.get("finess_et"),
        "source": rec.get("source_url") or rec.get("other_sources"),
        "last_verified": verified_on.isoformat(),
        "source_date": (d.isoformat() if (d := _source_date(rec.get("source_date_seen") or "")) else None),
        "notes": " | ".join(extra) or None,
        "public_info": rec.get("public_info"),
    }


def import_registry(
    path: Path | str,
    *,
    verified_on: date,
    territory_label: str | None = None,
    territory: str | None = None,
    communes: dict[str, CommunePoint] | None = None,
) -> ImportReport[Resource]:
    """Import a curated registry file.

    Parameters
    ----------
    verified_on
        Date the registry was last checked against its sources (from the manifest).
    territory_label
        Keep only rows whose ``territory`` column equals this label; the others are
        excluded with a reason.
    territory
        Territory id given to the imported resources.
    communes
        Town-hall points by INSEE code (for rows without coordinates).
    """
    path = Path(path)
    report: ImportReport[Resource] = ImportReport(kind="registry", source=str(path))
    if not utf8_readable(path, report):
        return report
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            report.rows_read += 1
            row, rid = reader.line_num, (rec.get("id") or "").strip()
            if territory_label and (rec.get("territory") or "").strip() != territory_label:
                report.exclude(row, "territory", f"autre territoire ({rec.get('territory')})", rid)
                continue
            try:
                res = resource_from_record(
                    registry_record(rec, verified_on=verified_on), communes=communes or {}, territory=territory
                )
            except RowError as e:
                report.reject(row, e.field, e.reason, rid)
                continue
            # Curated rows are transcribed from public sources, not verified by a person: the
            # public sees "source : …, <month year>", never "vérifié le" (see layers/README.md).
            report.records.append(
                res.model_copy(
                    update={"display_name": readable(res.name), "display_street": readable_street(res.street)}
                )
            )
    return report
