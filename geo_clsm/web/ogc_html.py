"""The HTML encoding of OGC API – Features (conformance class ``html``): small pages, no script,
no resource from another site; every value escaped."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse, Response

from geo_clsm.exports import ogc


def page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — geo_clsm</title></head><body>"
        "<p><strong>Urgence : 3114 (prévention du suicide), 15 (SAMU), 112.</strong></p>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def links_html(links: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li><a href="{html.escape(lk["href"])}">{html.escape(lk.get("title") or lk["rel"])}</a></li>' for lk in links
    )
    return f"<ul>{rows}</ul>"


def table(props: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape('' if v is None else str(v))}</td></tr>"
        for k, v in props.items()
    )
    return f"<table>{rows}</table>"


def items_html(
    info: ogc.CollectionInfo, found: list[ogc.Item], links: list[dict[str, Any]], *, matched: int
) -> Response:
    rows = "".join(
        f'<li><a href="items/{html.escape(quote(i.id))}?f=html">{html.escape(i.id)}</a> — '
        f"{html.escape(str(i.properties.get('name') or i.properties.get('lib_qp') or i.properties.get('nom') or ''))}</li>"
        for i in found
    )
    nav = [lk for lk in links if lk["rel"] in ("next", "prev", "self")]
    body = f"<p>{matched} objet(s), {len(found)} sur cette page.</p><ul>{rows}</ul>" + links_html(
        [lk | {"href": lk["href"].replace("f=json", "f=html")} for lk in nav]
    )
    return page(info.title, body)
