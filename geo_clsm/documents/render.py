"""Fill the Jinja2 templates and render documents as self-contained HTML or tagged PDF.

Images (maps, QR codes) are embedded as data URIs: the HTML loads nothing from anywhere.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from typing import Any, Literal, get_args

import jinja2

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.content import EMERGENCY_NUMBERS, FOOTER_FR, FOOTER_SHORT_FR
from geo_clsm.documents.guide import Guide, build_guide
from geo_clsm.documents.pdf import html_to_pdf
from geo_clsm.documents.staticmap import MapPoint, dense_frame, draw_map_png, fit_extent
from geo_clsm.geo.crs import projected_crs_for
from geo_clsm.model.errors import InvalidInputError

PageLayout = Literal["a4", "a5"]
LAYOUTS: tuple[str, ...] = get_args(PageLayout)
DocFormat = Literal["html", "pdf"]


@dataclass(frozen=True, slots=True)
class PageGeometry:
    """Page size and the map frame that fits in it, in millimetres."""

    page: str
    margin_mm: float
    map_width_mm: float
    map_height_mm: float
    footer: str


GEOMETRY = {
    "a4": PageGeometry("A4", 15.0, 180.0, 205.0, FOOTER_FR),
    "a5": PageGeometry("A5", 11.0, 126.0, 140.0, FOOTER_SHORT_FR),
}


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("geo_clsm.documents", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_template(name: str, **context: Any) -> str:
    """Render a template of ``geo_clsm/documents/templates`` (autoescaped)."""
    return _env().get_template(name).render(**context)


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG data URI (error correction M, quiet zone of 4 modules)."""
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=4))


@dataclass(frozen=True, slots=True)
class GuideMap:
    """One map of the guide: a title, the PNG as a data URI and its description."""

    title: str
    uri: str
    alt: str


def guide_maps(catalog: Catalog, guide: Guide, *, layout: str) -> list[GuideMap]:
    """The guide's maps: the whole territory, and a zoom on its densest cluster of places.

    Communes, QPV and numbered markers, drawn in the territory's projected CRS.
    """
    communes = catalog.communes_of(guide.territory_id)
    if communes.empty:
        return []
    centre = communes.union_all().centroid
    crs = projected_crs_for(centre.x, centre.y) or "EPSG:2154"
    qpv = catalog.qpv[catalog.qpv["territory"] == guide.territory_id]
    points = [
        MapPoint(e.number, e.lon, e.lat, e.approximate)
        for e in guide.entries
        if e.on_map and e.lon is not None and e.lat is not None
    ]
    geo = GEOMETRY[layout]
    draw = partial(
        draw_map_png,
        communes=communes,
        qpv=qpv,
        points=points,
        crs=crs,
        width_mm=geo.map_width_mm,
        height_mm=geo.map_height_mm,
    )
    frame = dense_frame(points, crs=crs)
    if frame is not None:
        frame = fit_extent(frame, geo.map_width_mm / geo.map_height_mm, margin=0.0)
    name = guide.territory_name
    maps = [
        GuideMap(
            f"Carte — {name}",
            png_data_uri(draw(zoom_frame=frame)),
            f"Carte de {name} : contours des communes, quartiers prioritaires en orange et lieux du guide, "
            "numérotés comme dans la liste."
            + (" Le rectangle bleu montre la zone agrandie sur la carte suivante." if frame else ""),
        )
    ]
    if frame is not None:
        png = draw(extent=frame, merge_distance_m=25.0)
        maps.append(
            GuideMap(
                f"Carte — agrandissement du centre ({name})",
                png_data_uri(png),
                "Agrandissement de la zone où les lieux sont les plus nombreux, numérotés comme dans la liste.",
            )
        )
    return maps


def guide_html(
    catalog: Catalog,
    *,
    territory: str,
    audience: str = "tous",
    layout: str = "a4",
    generated_on: date,
    online_map_url: str | None = None,
    contact: str | None = None,
) -> str:
    """The guide as one self-contained, printable HTML page (French, ``lang="fr"``)."""
    if layout not in LAYOUTS:
        raise InvalidInputError(f"mise en page « {layout} » inconnue : choisir parmi {', '.join(LAYOUTS)}")
    guide = build_guide(
        catalog,
        territory=territory,
        audience=audience,
        generated_on=generated_on,
        online_map_url=online_map_url,
        contact=contact,
    )
    return render_template(
        "guide.html.j2",
        guide=guide,
        geometry=GEOMETRY[layout],
        emergency=EMERGENCY_NUMBERS,
        maps=guide_maps(catalog, guide, layout=layout),
        qr_uri=qr_data_uri(online_map_url) if online_map_url else None,
        not_on_map=[e for e in guide.entries if not e.on_map and not e.is_line],
    )


def guide_document(
    catalog: Catalog,
    *,
    territory: str,
    audience: str = "tous",
    layout: str = "a4",
    doc_format: str = "pdf",
    generated_on: date,
    online_map_url: str | None = None,
    contact: str | None = None,
) -> bytes:
    """The guide as PDF (tagged) or HTML bytes (UTF-8)."""
    if doc_format not in ("html", "pdf"):
        raise InvalidInputError(f"format « {doc_format} » inconnu : choisir html ou pdf")
    html = guide_html(
        catalog,
        territory=territory,
        audience=audience,
        layout=layout,
        generated_on=generated_on,
        online_map_url=online_map_url,
        contact=contact,
    )
    return html_to_pdf(html) if doc_format == "pdf" else html.encode("utf-8")
