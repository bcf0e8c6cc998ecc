"""A resource's history as a person reads it: actions in French, fields by their label, values in
words (« oui », « CMP adultes », « 12/03/2024 », « du lundi au vendredi de 9 h à 17 h »), never
``None``, ``False`` or a dictionary.

A history entry keeps two snapshots of the record (:func:`geo_clsm.store.records.snapshot`: the
model's fields as JSON and its status); :func:`readable_changes` lists what differs between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from geo_clsm.i18n import N_, Translator, translator
from geo_clsm.model.fields import FIELD_LABELS
from geo_clsm.model.hours import OpeningHoursError
from geo_clsm.model.hours_grid import hours_in_words
from geo_clsm.model.position import PRECISION_LABELS_FR, PositionPrecision
from geo_clsm.model.resource_types import TYPE_LABELS_FR, ResourceType

ACTIONS_FR = {
    "create": N_("Fiche créée"),
    "seed": N_("Fiche chargée depuis les couches livrées"),
    "update": N_("Fiche modifiée"),
    "withdraw": N_("Fiche retirée de la vue publique"),
    "restore": N_("Version restaurée"),
    "verify": N_("Fiche vérifiée"),
    "import": N_("Fiche importée d'un fichier"),
    "official": N_("Valeurs officielles acceptées"),
    "keep": N_("Fiche conservée malgré la source officielle"),
}
"""Each history action in French (an unknown action is shown as it is)."""

LABELS = {
    **FIELD_LABELS,
    "audience.age_min": FIELD_LABELS["age_min"],
    "audience.age_max": FIELD_LABELS["age_max"],
    "audience.groups": N_("Publics"),
    "position": N_("Position"),
    "commune_position": N_("Position de la commune"),
}
STATUS_FR = {"active": N_("publiée"), "withdrawn": N_("retirée de la vue publique")}
EMPTY = "—"
_FR = translator("fr")


def action_label(action: str, *, t: Translator = _FR) -> str:
    return t(ACTIONS_FR[action]) if action in ACTIONS_FR else action


def _flat(snap: Mapping[str, Any] | None) -> dict[str, Any]:
    """The snapshot with the audience's parts as fields of their own."""
    if not snap:
        return {}
    out = dict(snap)
    audience = out.pop("audience", None) or {}
    for part in ("age_min", "age_max", "groups"):
        out[f"audience.{part}"] = audience.get(part)
    return out


def _date_fr(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def readable_value(field: str, value: Any, *, t: Translator = _FR) -> str:
    """``value`` of ``field`` as a person reads it."""
    if value is None or value == "" or value == [] or value == ():
        return EMPTY
    if isinstance(value, bool):
        return t("oui") if value else t("non")
    if field == "type" and value in ResourceType.__members__:
        return t(TYPE_LABELS_FR[ResourceType(value)])
    if field == "status":
        return t(STATUS_FR[str(value)]) if str(value) in STATUS_FR else str(value)
    if field == "services" and isinstance(value, list | tuple):
        return ", ".join(t(TYPE_LABELS_FR[ResourceType(v)]) if v in ResourceType.__members__ else str(v) for v in value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if field in ("position", "commune_position") and isinstance(value, Mapping):
        precision = value.get("precision")
        how = (
            t(PRECISION_LABELS_FR[PositionPrecision(precision)])
            if precision in {p.value for p in PositionPrecision}
            else ""
        )
        where = f"{value.get('lat', 0):.5f}, {value.get('lon', 0):.5f}".replace(".", ",")
        return f"{where} ({how})" if how else where
    if isinstance(value, Mapping):
        return ", ".join(f"{k} : {readable_value(k, v, t=t)}" for k, v in value.items() if v not in (None, "", []))
    if field in ("last_verified", "source_date"):
        return _date_fr(str(value))
    if field == "opening_hours":
        try:
            return f"{hours_in_words(str(value), t)} ({value})"
        except OpeningHoursError:
            return str(value)
    if field.startswith("audience.age_"):
        return t("{n} ans", n=value)
    return str(value)


def readable_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, t: Translator = _FR
) -> list[tuple[str, str, str]]:
    """(label, before, after) for each field that differs; a record that appears (no ``before``)
    lists only the fields it fills."""
    b, a = _flat(before), _flat(after)
    rows = []
    for key in [*a, *(k for k in b if k not in a)]:
        old, new = b.get(key), a.get(key)
        if old == new or (not before and new in (None, "", [], False)):
            continue
        if key == "commune_position" and before and after:
            continue  # follows the commune: the commune's change says it
        label = t(LABELS[key]) if key in LABELS else key
        rows.append((label, readable_value(key, old, t=t), readable_value(key, new, t=t)))
    return rows
