"""GET /api/export/hsds/{territory}: the directory of a territory as Open Referral HSDS 3.0 (zip)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from geo_clsm.engine.core import Engine
from geo_clsm.exports.hsds import hsds_files, territory_resources, zip_hsds
from geo_clsm.web.deps import get_engine

router = APIRouter(prefix="/api/export", tags=["exports"])


@router.get(
    "/hsds/{territory}",
    summary="Annuaire d'un territoire au format Open Referral HSDS 3.0 (zip de CSV et datapackage.json)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "Archive zip"}},
)
def export_hsds(
    territory: Annotated[str, Path(description="Identifiant de territoire", examples=["metz"])],
    engine: Annotated[Engine, Depends(get_engine)],
) -> Response:
    catalog = engine.catalog
    chosen = territory_resources(catalog.resources, territory=territory, territories=catalog.territories)
    title = f"geo_clsm — {catalog.territories[territory].name} (HSDS 3.0)"
    content = zip_hsds(hsds_files(chosen, territory=territory, title=title))
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="hsds_{territory}.zip"'},
    )
