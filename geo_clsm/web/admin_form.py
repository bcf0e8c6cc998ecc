"""The editor's form of a resource: each field's label and control, and the posted form read back into
the project's CSV schema (lists from pickers, opening hours from the weekly grid).

The controls: selects for the type, the position's precision and the territory; oui / non / inconnu
for yes-no fields; numbers for ages and capacity; dates; pickers with labels for the services (the
resource types, plus free text) and the languages; the weekly grid of opening hours
(:mod:`geo_clsm.model.hours_grid`) beside the raw OSM text. Labels are French msgids, translated
with the page's translator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale
from starlette.datastructures import FormData
from starlette.requests import Request

from geo_clsm.data.importers.resource_schema import BOOL_COLUMNS, COLUMNS
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import Translator, choose_lang, translator
from geo_clsm.model.fields import FIELD_LABELS as LABELS
from geo_clsm.model.hours import HolidayRule, OpeningHoursError
from geo_clsm.model.hours_grid import (
    DAY_NAMES,
    MAX_SPANS,
    WeekGrid,
    grid_from_form,
    grid_from_text,
    hhmm,
    hours_in_words,
    text_from_grid,
)
from geo_clsm.model.position import PRECISION_LABELS_FR, PositionPrecision
from geo_clsm.model.resource_types import HOLIDAY_RULES, TYPE_LABELS_FR, ResourceType

UNKNOWN_ALLOWED = ("wheelchair", "appointment_required", "free_of_charge")
"""Yes-no fields that may be unknown (the others are no until someone says yes)."""
DATE_FIELDS = ("last_verified", "source_date", "wait_stated_on", "notice_start", "notice_end")
NUMBER_FIELDS = {
    "age_min": ("0", "120", "1"),
    "age_max": ("0", "120", "1"),
    "capacity": ("0", "", "any"),
    "wait_days": ("0", "3650", "1"),
}
HIDDEN = ("lon", "lat", "verified_by_person")
"""Columns the form does not show as fields: the position (the map's fieldset) and the old yes/no
that ``verified_by`` replaces."""
TEXTAREAS = ("notes", "service_area_wkt", "public_info")
INPUT_TYPES = {"phone": "tel", "email": "email", "website": "url"}
LANGUAGES = ("fr", "en", "ar", "de", "es", "it", "pt", "tr", "ru", "uk", "ro", "pl", "fa", "ps", "zh", "vi")
"""Languages offered by the picker (ISO 639-1 codes; any other code goes in the free text)."""
SIGN_LANGUAGE = ("fsl",)
"""French sign language (ISO 639-3), which Babel does not name."""
LIST_PICKERS = ("services", "languages")


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


def editor_translator(request: Request) -> Translator:
    """The editor screens' language, chosen as the public pages choose theirs: ``?lang=`` (fr, en,
    ar …), else the browser's ``Accept-Language``, else French."""
    return translator(choose_lang(request.query_params.get("lang"), request.headers.get("accept-language")))


def field_label(field: str, t: Translator, reason: str = "") -> str:
    """A field's label (``phone`` → « Téléphone »), or the field itself when it has none. The ages
    are checked with the audience: an error about them names the age field."""
    first = field.split(",")[0].strip()
    if first == "audience" and "âge" in reason:
        first = "age_min"
    return t(LABELS[first]) if first in LABELS else field


def _language_label(code: str, t: Translator) -> str:
    if code == SIGN_LANGUAGE[0]:
        return t("langue des signes française")
    try:
        return Locale.parse(t.lang).languages.get(code) or code
    except ValueError:
        return code


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value or "").split(";") if p.strip()]


def kind(field: str) -> str:
    """The control of a field: select, yesno, number, date, textarea, services, languages, hours, or input."""
    if field in ("type", "position_precision", "territory", "verified_by", "accepts_new"):
        return "select"
    if field in BOOL_COLUMNS:
        return "yesno"
    if field in NUMBER_FIELDS:
        return "number"
    if field in DATE_FIELDS:
        return "date"
    if field in TEXTAREAS:
        return "textarea"
    if field in LIST_PICKERS:
        return field
    if field == "opening_hours":
        return "hours"
    return "input"


def form_context(row: Mapping[str, Any], engine: Engine, t: Translator) -> dict[str, Any]:
    """What ``admin/edit.html`` needs to draw the form of ``row`` (a row of the CSV schema)."""
    shown = {k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS}
    territories = [Choice("", t("aucun"))] + [
        Choice(code, terr.name) for code, terr in engine.catalog.territories.items()
    ]
    if shown["territory"] and shown["territory"] not in engine.catalog.territories:
        territories.append(Choice(str(shown["territory"]), str(shown["territory"])))
    selects = {
        "type": [Choice(code.value, t(label)) for code, label in TYPE_LABELS_FR.items()],
        "position_precision": [Choice("", t("déduite (position de la commune sans coordonnées)"))]
        + [Choice(p.value, t(PRECISION_LABELS_FR[p])) for p in PositionPrecision],
        "territory": territories,
        "verified_by": [
            Choice("", t("personne (fiche non confirmée)")),
            Choice("structure", t("le lieu lui-même")),
            Choice("clsm", t("l'équipe du CLSM")),
        ],
        "accepts_new": [
            Choice("", t("inconnu")),
            Choice("oui", t("oui")),
            Choice("non", t("non")),
            Choice("liste_attente", t("sur liste d'attente")),
        ],
    }
    yes, no, unknown = Choice("oui", t("oui")), Choice("non", t("non")), Choice("", t("inconnu"))
    yesno = {f: ([unknown, yes, no] if f in UNKNOWN_ALLOWED else [Choice("", t("non")), yes]) for f in BOOL_COLUMNS}
    services = _split(shown["services"])
    type_codes = {c.value for c in ResourceType}
    langs = _split(shown["languages"])
    lang_codes = [*LANGUAGES, SIGN_LANGUAGE[0]]
    hours = str(shown["opening_hours"])
    grid = grid_from_text(hours)
    try:
        rule = HOLIDAY_RULES.get(ResourceType(shown["type"])) if shown["type"] in type_codes else None
        words = hours_in_words(hours, t, holidays=rule or HolidayRule.AS_WEEKDAY) if hours.strip() else ""
        hours_error = ""
    except OpeningHoursError as exc:
        words, hours_error = "", str(exc)
    return {
        "row": shown,
        "fields": [c for c in COLUMNS if c not in HIDDEN],
        "labels": {k: t(v) for k, v in LABELS.items()},
        "kind": kind,
        "selects": selects,
        "yesno": yesno,
        "numbers": NUMBER_FIELDS,
        "input_types": INPUT_TYPES,
        "service_choices": [Choice(c.value, t(TYPE_LABELS_FR[c])) for c in ResourceType],
        "services_checked": set(services) & type_codes,
        "services_other": "; ".join(s for s in services if s not in type_codes),
        "language_choices": [Choice(c, _language_label(c, t)) for c in lang_codes],
        "languages_checked": set(langs),
        "languages_other": "; ".join(c for c in langs if c not in lang_codes),
        "grid": grid,
        "grid_rows": _grid_rows(grid, t),
        "grid_ph": _ph(grid),
        "hours_words": words,
        "hours_error": hours_error,
    }


def _grid_rows(grid: WeekGrid | None, t: Translator) -> list[dict[str, Any]]:
    days = grid.days if grid is not None else ((),) * 7
    rows = []
    for d, name in enumerate(DAY_NAMES):
        spans = list(days[d]) + [None] * (MAX_SPANS - len(days[d]))
        rows.append(
            {
                "day": d,
                "label": t(name),
                "spans": [("", "") if s is None else (hhmm(s[0]), hhmm(s[1])) for s in spans],
            }
        )
    return rows


def _ph(grid: WeekGrid | None) -> dict[str, str]:
    if grid is None:
        return {"choice": "", "from": "", "to": ""}
    spans = grid.holiday_spans
    return {
        "choice": grid.holidays,
        "from": hhmm(spans[0][0]) if spans else "",
        "to": hhmm(spans[0][1]) if spans else "",
        "always": "1" if grid.always else "",
    }


def posted_fields(form: FormData, before: Mapping[str, str]) -> dict[str, str]:
    """The posted form as CSV-schema fields: pickers joined with ``;``; the opening hours from the
    grid when the raw text was left as it was and the grid says something else.

    Raises
    ------
    OpeningHoursError
        When the grid holds a time that is not one (French, naming the day).
    """
    fields = {k: str(v) for k, v in form.items() if k in COLUMNS and k not in LIST_PICKERS}
    for name in LIST_PICKERS:
        if f"{name}-picker" in form:
            picked = [str(v) for v in form.getlist(name) if str(v).strip()]
            fields[name] = ";".join(dict.fromkeys([*picked, *_split(form.get(f"{name}-other"))]))
        elif name in form:
            fields[name] = str(form.get(name))
    if "hours-grid" in form:
        raw = fields.get("opening_hours", before.get("opening_hours", "")).strip()
        if raw == before.get("opening_hours", "").strip():
            grid = grid_from_form({k: str(v) for k, v in form.items()})
            if grid != grid_from_text(raw):
                fields["opening_hours"] = text_from_grid(grid)
    return fields


def grid_fields(grid: WeekGrid) -> dict[str, str]:
    """The grid as the form's field values (``hours-0-0-from`` …), for the script to fill in."""
    out: dict[str, str] = {"hours-always": "1" if grid.always else ""}
    for row in _grid_rows(grid, Translator("fr")):
        for n, (a, b) in enumerate(row["spans"]):
            out[f"hours-{row['day']}-{n}-from"], out[f"hours-{row['day']}-{n}-to"] = a, b
    ph = _ph(grid)
    out.update({"hours-ph": ph["choice"], "hours-ph-from": ph["from"], "hours-ph-to": ph["to"]})
    return out
