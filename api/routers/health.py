"""GET /healthz: package version, layer vintages and counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import get_catalog
from geo_clsm import __version__
from geo_clsm.layers import Catalog

router = APIRouter(tags=["santé du service"])


@router.get("/healthz", summary="État du service, versions et comptes des couches")
def healthz(catalog: Annotated[Catalog, Depends(get_catalog)]) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "counts": catalog.counts(),
        "territories": [{"id": t.id, "name": t.name, "kind": t.kind} for t in catalog.territories.values()],
        "layers": [
            {"id": lay.id, "kind": lay.kind, "vintage": lay.vintage, "source": lay.source, "licence": lay.licence}
            for lay in catalog.layers.values()
        ],
        "imports": {key: rep.summary() for key, rep in catalog.reports.items()},
        "replaced_by_curated": len(catalog.replaced),
    }
