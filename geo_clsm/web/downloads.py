"""Table downloads: the ``format`` parameter shared by table endpoints, and the file response."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import pandas as pd
from fastapi import Query
from fastapi.responses import Response

from geo_clsm.exports.tables import XLSX_MEDIA_TYPE, write_table

FORMAT_HELP = (
    "json (défaut) ; csv : CSV standard (virgule, point décimal, noms de colonnes en code) ; "
    "csv-fr : CSV pour un tableur français (point-virgule, virgule décimale, UTF-8 avec BOM, "
    "libellés français avec unités) ; xlsx : classeur Excel / LibreOffice (libellés français avec unités)"
)
TableFormat = Annotated[Literal["json", "csv", "csv-fr", "xlsx"], Query(description=FORMAT_HELP, examples=["csv-fr"])]
TABLE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
        "description": "JSON, ou le tableau en CSV (standard ou français) ou XLSX selon `format`",
    }
}


def table_response(df: pd.DataFrame, *, fmt: str, name: str, title: str, notes: Sequence[str] = ()) -> Response:
    """``df`` as a file download (``csv``, ``csv-fr`` or ``xlsx``)."""
    f = write_table(df, fmt=fmt, name=name, title=title, notes=notes)
    return Response(
        f.content, media_type=f.media_type, headers={"Content-Disposition": f'attachment; filename="{f.filename}"'}
    )
