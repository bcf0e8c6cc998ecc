"""Downloads: the ``format`` parameter shared by table endpoints and the table file response; the
printed documents' HTML or PDF response (guide, report)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Query, Request
from fastapi.responses import Response

from geo_clsm.documents.pdf import html_to_pdf
from geo_clsm.exports.tables import XLSX_MEDIA_TYPE, write_table
from geo_clsm.web.caches import VersionedCache
from geo_clsm.web.heavy import run_sync

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


def document_response(
    request: Request,
    cache: VersionedCache[Any],
    *,
    version: str,
    key: Hashable,
    make_html: Callable[[], bytes],
    pdf_name: str | None,
) -> Response:
    """A printed document: its HTML, or its PDF when ``pdf_name`` is given (inline, that file name).
    Each is made once per data ``version`` and kept in ``cache`` under ``(key, "html")`` and
    ``(key, "pdf")``; the PDF is rendered in the heavy-work pool. Called from a ``def`` route holding
    a heavy-work ticket (:func:`geo_clsm.web.heavy.heavy_ticket`)."""
    html: bytes = cache.get_or_make(version, (key, "html"), make_html)
    if pdf_name is None:
        return Response(html, media_type="text/html; charset=utf-8")
    pdf: bytes = cache.get_or_make(version, (key, "pdf"), lambda: run_sync(request, html_to_pdf, html.decode("utf-8")))
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{pdf_name}"'}
    )
