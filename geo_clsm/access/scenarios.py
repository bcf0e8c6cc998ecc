"""What-if scenarios: add, move or remove resources, and compare indicators before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import present
from geo_clsm.model import clock
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.validate import check_lonlat


class ScenarioChange(BaseModel):
    """One change of a what-if scenario."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["add", "move", "remove"]
    id: str | None = Field(default=None, description="Ressource à déplacer ou retirer ; identifiant de l'ajout")
    type: ResourceType | None = Field(default=None, description="Type de la ressource ajoutée")
    name: str | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    capacity: float | None = Field(default=None, gt=0)


def apply_scenario(resources: Sequence[Resource], changes: Sequence[ScenarioChange]) -> list[Resource]:
    """The resources after adding, moving or removing some; untouched ones are the same objects."""
    out = {r.id: r for r in resources}
    for i, ch in enumerate(changes, start=1):
        where = f"changement n°{i}"
        if ch.action in ("move", "remove") and (ch.id is None or ch.id not in out):
            raise NotFoundError(f"{where} : ressource « {ch.id} » inconnue")
        if ch.action in ("add", "move"):
            if ch.lon is None or ch.lat is None:
                raise InvalidInputError(f"{where} : lon et lat sont requis pour {ch.action}")
            why = check_lonlat(ch.lon, ch.lat)
            if why:
                raise InvalidInputError(f"{where} : {why}")
        if ch.action == "remove":
            del out[ch.id]  # type: ignore[arg-type]
        elif ch.action == "move":
            r = out[ch.id]  # type: ignore[index]
            pos = Position(lon=ch.lon, lat=ch.lat, precision=PositionPrecision.ADDRESS, source="scénario")  # type: ignore[arg-type]
            out[r.id] = r.model_copy(update={"position": pos, "confidential_address": False, "commune_position": None})
        else:
            if ch.type is None:
                raise InvalidInputError(f"{where} : type requis pour un ajout")
            rid = ch.id or f"scenario-{i}"
            if rid in out:
                raise InvalidInputError(f"{where} : l'identifiant « {rid} » existe déjà")
            out[rid] = Resource(
                id=rid,
                type=ch.type,
                name=ch.name or f"Ressource ajoutée ({ch.type.label_fr})",
                position=Position(lon=ch.lon, lat=ch.lat, precision=PositionPrecision.ADDRESS, source="scénario"),  # type: ignore[arg-type]
                capacity=ch.capacity,
                source="scénario (hypothèse de planification)",
                last_verified=clock.today(),
            )
    return list(out.values())


def compare(before: AccessResult, after: AccessResult) -> pd.DataFrame:
    """Presented indicators before, after and their difference, per QPV x type.

    Differences are taken between the rounded figures, so that they add up as displayed.
    """
    cols = [
        "mean_m",
        "p90_m",
        *[f"within_{int(r)}m_share" for r in before.params.radii_m],
        "sfca_per_10k",
        "n_resources",
        "n_unknown_audience",
    ]
    a = present(pd.DataFrame(before.qpv.drop(columns="geometry")))
    b = present(pd.DataFrame(after.qpv.drop(columns="geometry")))
    m = a[["code_qp", "lib_qp", "resource_type", *cols, "zone_blanche", "fragile"]].merge(
        b[["code_qp", "resource_type", *cols, "zone_blanche", "fragile"]],
        on=["code_qp", "resource_type"],
        suffixes=("_before", "_after"),
    )
    for col in cols:
        m[f"{col}_diff"] = m[f"{col}_after"] - m[f"{col}_before"]
    return present(m)
