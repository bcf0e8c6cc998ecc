"""Resources written back in the project's CSV schema (the inverse of the importer)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo_clsm.data.importers.resource_schema import COLUMNS
from geo_clsm.model.resource import Resource


def write_resources_csv(resources: Iterable[Resource], path: Path) -> None:
    """Write resources in the project's CSV schema (the inverse of :func:`import_resources`)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in resources:
            w.writerow(resource_to_row(r))


def resource_to_row(r: Resource) -> dict[str, Any]:
    """One resource as a row of the project's CSV schema (true position, not public)."""
    pos, notice = r.position, r.notice
    placed_at_commune = pos is not None and pos == r.commune_position

    def yn(v: bool | None) -> str:
        return "" if v is None else ("oui" if v else "non")

    return {
        "id": r.id,
        "type": r.type.value,
        "services": ";".join(r.services),
        "name": r.name,
        "street": r.street or "",
        "postcode": r.postcode or "",
        "commune": r.commune or "",
        "insee_com": r.insee_com or "",
        "phone": r.phone or "",
        "email": r.email or "",
        "website": r.website or "",
        "audience": ";".join(r.audience.groups),
        "age_min": "" if r.audience.age_min is None else r.audience.age_min,
        "age_max": "" if r.audience.age_max is None else r.audience.age_max,
        "opening_hours": r.opening_hours or "",
        "languages": ";".join(r.languages),
        "wheelchair": yn(r.wheelchair),
        "appointment_required": yn(r.appointment_required),
        "free_of_charge": yn(r.free_of_charge),
        "capacity": "" if r.capacity is None else r.capacity,
        "lon": "" if pos is None or placed_at_commune else repr(pos.lon),
        "lat": "" if pos is None or placed_at_commune else repr(pos.lat),
        "position_precision": "none" if pos is None else ("" if placed_at_commune else pos.precision.value),
        "position_source": "" if pos is None or placed_at_commune else pos.source,
        "confidential_address": "oui" if r.confidential_address else "",
        "service_area_wkt": r.service_area_wkt or "",
        "service_area_communes": ";".join(r.service_area.communes) if r.service_area else "",
        "service_area_qpv": ";".join(r.service_area.qpv) if r.service_area else "",
        "finess_et": r.finess_et or "",
        "territory": r.territory or "",
        "source": r.source,
        "last_verified": r.last_verified.isoformat(),
        "source_date": r.source_date.isoformat() if r.source_date else "",
        "notes": r.notes or "",
        "public_info": r.public_info or "",
        "display_name": r.display_name or "",
        "display_street": r.display_street or "",
        "verified_by_person": "oui" if r.verified_by_person else "",
        "to_verify": "oui" if r.to_verify else "",
        "verified_by": r.verified_by or "",
        "wait_days": "" if r.wait_days is None else r.wait_days,
        "wait_stated_on": r.wait_stated_on.isoformat() if r.wait_stated_on else "",
        "accepts_new": r.accepts_new or "",
        "notice_text": notice.text if notice else "",
        "notice_start": notice.start.isoformat() if notice else "",
        "notice_end": notice.end.isoformat() if notice else "",
        "notice_closed": ("oui" if notice.closed else "non") if notice else "",
    }
