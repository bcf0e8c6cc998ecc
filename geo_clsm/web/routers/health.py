"""GET /healthz: package version, layer vintages and counts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from geo_clsm import __version__
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.versions import VersionStore
from geo_clsm.model import clock
from geo_clsm.model.directory_figures import freshness_by_territory
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_catalog, get_settings

router = APIRouter(tags=["santé du service"])


@router.get("/healthz", summary="État du service, versions et comptes des couches")
def healthz(
    catalog: Annotated[Catalog, Depends(get_catalog)], settings: Annotated[Settings, Depends(get_settings)]
) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "counts": catalog.counts(),
        "territories": [{"id": t.id, "name": t.name, "kind": t.kind} for t in catalog.territories.values()],
        "layers": [
            {"id": lay.id, "kind": lay.kind, "vintage": lay.vintage, "source": lay.source, "licence": lay.licence}
            for lay in catalog.layers.values()
        ],
        "imports": {
            key: {**rep.summary(), "source": public_source(rep.source, catalog.data_dir)}
            for key, rep in catalog.reports.items()
        },
        "replaced_by_curated": len(catalog.replaced),
        # Per local territory: records confirmed by the place or the CLSM in the last 12 months.
        "freshness": freshness_by_territory(
            catalog.resources, clock.today(), [t.id for t in catalog.territories.values() if t.kind != "national"]
        ),
        "sources": _sources(catalog, settings),
    }


def _sources(catalog: Catalog, settings: Settings) -> list[dict[str, Any]]:
    """Version and age of each official source in service, with a warning past the age limit."""
    in_service = VersionStore(settings.versions_dir).in_service()
    today = clock.today()
    out = []
    for lay in catalog.layers.values():
        if not lay.update_source:
            continue
        v = in_service.get(lay.update_source)
        # the version's day in metropolitan France, as ``today`` (an aware UTC stamp of 23:30 is tomorrow there)
        as_of = (
            (v.created.astimezone(clock.PARIS) if v.created.tzinfo else v.created).date()
            if v
            else _first_date(lay.vintage)
        )
        age = (today - as_of).days if as_of else None
        stale = age is None or age > settings.source_max_age_days
        out.append(
            {
                "source": lay.update_source,
                "layer": lay.id,
                "version": v.id if v else "couche livrée",
                "date": as_of.isoformat() if as_of else None,
                "age_days": age,
                "warning": (
                    f"données de plus de {settings.source_max_age_days} jours : lancer geo-clsm data update "
                    f"--source {lay.update_source}"
                    if stale
                    else None
                ),
            }
        )
    return out


def _first_date(text: str) -> date | None:
    m = re.search(r"\d{4}-\d{2}-\d{2}", text)
    return date.fromisoformat(m.group(0)) if m else None


def public_source(source: str, data_dir: Path) -> str:
    """A source file named relative to the data folder (its name alone outside it): a public answer
    shows no absolute path of the server. A URL or a label is kept as it is."""
    if not PurePath(source).is_absolute():
        return source
    try:
        return Path(source).resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except ValueError:
        return PurePath(source).name
