"""Resource <-> database row, and the editing validation (the importers' own rules).

A change from an editor is merged into the record's row in the project's CSV schema and
validated by :func:`geo_clsm.data.importers.resource_rows.resource_from_record`, exactly as an
imported file would be; the phone number must also be a French number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.data.importers.resource_schema import COLUMNS
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.model import clock
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.sector import Extent

EDITABLE = frozenset([*COLUMNS, "x", "y", "notice"])
NOTICE_KEYS = {"text": "notice_text", "start": "notice_start", "end": "notice_end", "closed": "notice_closed"}
"""The members of a ``notice`` object given whole (API), and the columns they fill."""
_SHORT_NUMBER = re.compile(r"^(15|17|18|112|114|115|119|116[0-9]{3}|3[0-9]{3})$")  # 15, 112, 3114 …


class FieldError(InvalidInputError):
    """A field of an edited record is invalid; the message names the field, in French."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"champ « {field} » : {reason}")
        self.field = field
        self.reason = reason


def french_phone(raw: str) -> str:
    """A French phone number in the '03 87 56 39 39' form, or a short number (3114, 15).

    Raises
    ------
    FieldError
        When ``raw`` is neither.
    """
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if _SHORT_NUMBER.match(digits):
        return digits
    if re.fullmatch(r"0[1-9][0-9]{8}", digits):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    raise FieldError("phone", f"« {raw} » n'est pas un numéro français : 10 chiffres, par exemple 03 87 56 39 39")


def validate_record(
    data: Mapping[str, Any],
    *,
    base: Resource | None = None,
    communes: Mapping[str, CommunePoint],
) -> Resource:
    """A validated Resource from ``data`` (a full record, or a change to ``base``).

    ``data`` uses the project's CSV schema (``lon``/``lat`` or Lambert-93 ``x``/``y``,
    ``age_min``/``age_max``, lists as JSON lists or ``;``-separated text).

    Raises
    ------
    FieldError
        Naming the first field at fault, with a French reason.
    """
    unknown = sorted(set(data) - EDITABLE)
    if unknown:
        raise FieldError(unknown[0], "champ inconnu : le retirer (voir la liste des colonnes du schéma des ressources)")
    if base is not None and "id" in data and data["id"] != base.id:
        raise FieldError("id", "l'identifiant ne peut pas être modifié")
    data = _dated_facts(data)
    row: dict[str, Any] = dict(resource_to_row(base)) if base is not None else {}
    if base is not None and ({"lon", "lat", "x", "y"} & set(data)):
        row.pop("position_precision", None)
        row.pop("position_source", None)
    if "verified_by" in data and "verified_by_person" not in data:
        row.pop("verified_by_person", None)  # who confirmed it is said by verified_by alone
    row.update(data)
    if "x" in data or "y" in data:
        row.pop("lon", None)
        row.pop("lat", None)
    phone = row.get("phone")
    if isinstance(phone, str) and phone.strip():
        row["phone"] = french_phone(phone)
    elif phone is not None and not isinstance(phone, str):
        raise FieldError("phone", "texte attendu, par exemple 03 87 56 39 39")
    for key, value in row.items():
        if isinstance(value, dict) and key != "service_area_wkt":  # a GeoJSON polygon
            raise FieldError(key, "valeur simple attendue (texte, nombre, oui/non)")
    try:
        return resource_from_record(row, communes=communes, territory=base.territory if base else None)
    except RowError as exc:
        raise FieldError(exc.field, exc.reason) from None


def _dated_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with a ``notice`` object spread into its columns (``null`` removes the notice); a
    waiting time given without its day is stated today, and a confirmation (``verified_by``) given
    without ``last_verified`` is of today (the day the editor writes it down)."""
    out = dict(data)
    if "notice" in out:
        notice = out.pop("notice")
        if notice is None:
            notice = {}
        if not isinstance(notice, Mapping):
            raise FieldError("notice", 'objet attendu : {"text": …, "start": "AAAA-MM-JJ", "end": "AAAA-MM-JJ"}')
        unknown = sorted(set(notice) - set(NOTICE_KEYS))
        if unknown:
            raise FieldError("notice", f"membre inconnu « {unknown[0]} » : text, start, end, closed")
        for key, column in NOTICE_KEYS.items():
            value = notice.get(key)
            out[column] = ("oui" if value else "non") if key == "closed" and value is not None else value
    today = clock.today().isoformat()
    wait = out.get("wait_days")
    if wait not in (None, "") and not str(out.get("wait_stated_on") or "").strip():
        out["wait_stated_on"] = today
    if str(out.get("verified_by") or "").strip() and not str(out.get("last_verified") or "").strip():
        out["last_verified"] = today  # confirmed now: the day said beside « confirmé par … le »
    return out


def to_row(r: Resource) -> dict[str, Any]:
    """The resource's columns (every field of the model)."""
    pos, cpos = r.position, r.commune_position
    return {
        "id": r.id,
        "type": r.type.value,
        "services": list(r.services),
        "name": r.name,
        "street": r.street,
        "postcode": r.postcode,
        "commune": r.commune,
        "insee_com": r.insee_com,
        "phone": r.phone,
        "email": r.email,
        "website": r.website,
        "audience": {
            "age_min": r.audience.age_min,
            "age_max": r.audience.age_max,
            "groups": list(r.audience.groups),
        },
        "opening_hours": r.opening_hours,
        "languages": list(r.languages),
        "wheelchair": r.wheelchair,
        "appointment_required": r.appointment_required,
        "free_of_charge": r.free_of_charge,
        "capacity": r.capacity,
        "lon": pos.lon if pos else None,
        "lat": pos.lat if pos else None,
        "position_precision": pos.precision.value if pos else None,
        "position_source": pos.source if pos else None,
        "commune_lon": cpos.lon if cpos else None,
        "commune_lat": cpos.lat if cpos else None,
        "commune_precision": cpos.precision.value if cpos else None,
        "commune_source": cpos.source if cpos else None,
        "service_area_wkt": r.service_area_wkt,
        "service_area_communes": list(r.service_area.communes) if r.service_area else None,
        "service_area_qpv": list(r.service_area.qpv) if r.service_area else None,
        "confidential_address": r.confidential_address,
        "finess_et": r.finess_et,
        "territory": r.territory,
        "source": r.source,
        "last_verified": r.last_verified,
        "source_date": r.source_date,
        "notes": r.notes,
        "public_info": r.public_info,
        "display_name": r.display_name,
        "display_street": r.display_street,
        "verified_by_person": r.verified_by_person,
        "to_verify": r.to_verify,
        "verified_by": r.verified_by,
        "wait_days": r.wait_days,
        "wait_stated_on": r.wait_stated_on,
        "accepts_new": r.accepts_new,
        "notice": r.notice.model_dump(mode="json") if r.notice else None,
    }


def from_row(row: Mapping[Any, Any]) -> Resource:
    """A Resource from its columns (the inverse of :func:`to_row`)."""

    def position(prefix: str) -> Position | None:
        lon, lat = row[f"{prefix}lon"], row[f"{prefix}lat"]
        if lon is None or lat is None:
            return None
        prec = row["position_precision" if prefix == "" else "commune_precision"]
        src = row["position_source" if prefix == "" else "commune_source"]
        return Position(lon=lon, lat=lat, precision=PositionPrecision(prec), source=src or "")

    def day(v: Any) -> date | None:
        return date.fromisoformat(v) if isinstance(v, str) else v

    return Resource(
        id=row["id"],
        type=row["type"],
        services=tuple(row["services"] or ()),
        name=row["name"],
        street=row["street"],
        postcode=row["postcode"],
        commune=row["commune"],
        insee_com=row["insee_com"],
        phone=row["phone"],
        email=row["email"],
        website=row["website"],
        audience=row["audience"],
        opening_hours=row["opening_hours"],
        languages=tuple(row["languages"] or ()),
        wheelchair=row["wheelchair"],
        appointment_required=row["appointment_required"],
        free_of_charge=row["free_of_charge"],
        capacity=row["capacity"],
        position=position(""),
        commune_position=position("commune_"),
        service_area=_service_area(row),
        confidential_address=bool(row["confidential_address"]),
        finess_et=row["finess_et"],
        territory=row["territory"],
        source=row["source"],
        last_verified=day(row["last_verified"]) or date.min,
        source_date=day(row["source_date"]),
        notes=row["notes"],
        public_info=row["public_info"],
        display_name=row["display_name"],
        display_street=row["display_street"],
        verified_by_person=bool(row["verified_by_person"]),
        to_verify=bool(row["to_verify"]),
        verified_by=row["verified_by"],
        wait_days=row["wait_days"],
        wait_stated_on=day(row["wait_stated_on"]),
        accepts_new=row["accepts_new"],
        notice=row["notice"],
    )


def _service_area(row: Mapping[str, Any]) -> Extent | None:
    """The intervention zone of a row: ``service_area_wkt`` (the polygon), ``service_area_communes``
    and ``service_area_qpv`` (migration 0010)."""
    wkt = row.get("service_area_wkt") or None
    communes = tuple(row.get("service_area_communes") or ())
    qpv = tuple(row.get("service_area_qpv") or ())
    if wkt is None and not communes and not qpv:
        return None
    return Extent(communes=communes, qpv=qpv, polygon_wkt=wkt)


def retired_sector_note(notes: str | None, sector: str | None) -> str | None:
    """``notes`` with the value of the retired free-text ``sector`` field appended (issue 29)."""
    if not sector or not sector.strip():
        return notes
    line = f"Secteur (ancien champ libre, retiré) : {sector.strip()}"
    return f"{notes}\n{line}" if notes else line


def snapshot(r: Resource, *, status: str = "active") -> dict[str, Any]:
    """A JSON-ready copy of every field (for history entries), with the record's status."""
    return {**r.model_dump(mode="json"), "status": status}


def from_snapshot(snap: Mapping[str, Any]) -> tuple[Resource, str]:
    data = dict(snap)
    status = str(data.pop("status", "active"))
    # A version saved before issue 29 may hold the retired free-text sector: kept in the notes.
    data["notes"] = retired_sector_note(data.get("notes"), data.pop("sector", None))
    return Resource.model_validate(data), status
