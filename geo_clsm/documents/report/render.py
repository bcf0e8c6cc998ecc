"""The diagnostic report as self-contained HTML (printable) or tagged PDF, and the comparison.

The template (``templates/report.html.j2``) prints what :func:`compute_figures` computed;
maps and charts are embedded PNG (data URIs): the page loads nothing from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from geo_clsm.access.present import format_fr
from geo_clsm.access.sectorised import NOT_INFORMED
from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.content import EMERGENCY_NUMBERS, FOOTER_FR, date_fr
from geo_clsm.documents.pdf import html_to_pdf
from geo_clsm.documents.render import png_data_uri, render_template
from geo_clsm.documents.report import view
from geo_clsm.documents.report.charts import per_10k_chart_png, qpv_choropleth_png, resources_map_png
from geo_clsm.documents.report.figures import ReportFigures
from geo_clsm.documents.report.sectors import sector_tables
from geo_clsm.documents.report.supply import DIRECTORY, in_communes
from geo_clsm.geo.crs import projected_crs_for
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType

FORMATS = ("html", "pdf")


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    uri: str
    alt: str


def _crs(catalog: Catalog, territory: str) -> str:
    communes = catalog.communes_of(territory)
    c = communes.union_all().representative_point()
    return projected_crs_for(c.x, c.y) or "EPSG:2154"


def report_charts(catalog: Catalog, fig: ReportFigures) -> list[Chart]:
    """The report's maps (resources, QPV choropleth of the mean distance) and the per-10k chart."""
    tid = fig.territory
    communes = catalog.communes_of(tid).drop_duplicates("insee_com")
    qpv = catalog.qpv[catalog.qpv["territory"] == tid]
    crs = _crs(catalog, tid)
    codes = {c["insee_com"] for c in fig.communes}
    places = in_communes((r for r in catalog.resources if r.type in PLACE_TYPES), codes)
    points = []
    for r in places:
        pos = r.public_position()  # the public view: a confidential place is at its town hall
        if pos is not None:
            points.append((r.type.label_fr, pos.lon, pos.lat))
    vintage = f"Sources : annuaire geo_clsm au {date_fr(fig.generated_on)} ; communes INSEE/IGN ; QPV ANCT 2024."
    charts = [
        Chart(
            f"Lieux de santé mentale — {fig.name}",
            png_data_uri(
                resources_map_png(
                    communes=communes,
                    qpv=qpv,
                    points=points,
                    crs=crs,
                    title=f"Lieux par type — {fig.name}",
                    source=vintage,
                )
            ),
            f"Carte de {fig.name} : contours des communes, QPV en orange, {len(points)} lieux colorés par type "
            "(position publique ; lieux confidentiels à la mairie de leur commune).",
        )
    ]
    qpv_rows = fig.rows("qpv", part="access")
    precise = view.precise_types(fig)  # never a map of falsely precise distances
    main = next((t for t in ("CMP", *precise) if t in precise and any(r["type"] == t for r in qpv_rows)), None)
    if main is not None and len(qpv):
        label = ResourceType(main).label_fr
        values = {r["code"]: r.get("mean_m") for r in qpv_rows if r["type"] == main}
        charts.append(
            Chart(
                f"Distance moyenne au {label} le plus proche, par QPV",
                png_data_uri(
                    qpv_choropleth_png(
                        communes=communes,
                        qpv=qpv,
                        values=values,
                        crs=crs,
                        title=f"{label} : distance moyenne par QPV",
                        legend="distance moyenne à vol d'oiseau (m)",
                        source=vintage + " Calcul : moteur d'accès geo_clsm.",
                    )
                ),
                f"Carte des QPV de {fig.name} colorés par la distance moyenne au {label} le plus proche : "
                + " ; ".join(
                    f"{r['name']} {format_fr('mean_m', r.get('mean_m'))}" for r in qpv_rows if r["type"] == main
                ),
            )
        )
    if fig.national_layer is not None:
        rows = [
            *fig.rows("territory", layer=fig.national_layer),
            *fig.rows("department"),
            *fig.rows("france"),
        ]
        charts.append(
            Chart(
                "Lieux pour 10 000 habitants : territoire, département, France",
                png_data_uri(
                    per_10k_chart_png(
                        rows,
                        labels={t: ResourceType(t).label_fr for t in fig.types},
                        title="Lieux pour 10 000 habitants (même couche nationale partout)",
                        source=f"Source : {fig.national_layer} (FINESS) ; population INSEE.",
                    )
                ),
                "Diagramme en barres : pour chaque type, lieux pour 10 000 habitants du territoire, de son "
                "département et de la France (valeurs dans le tableau de comparaison).",
            )
        )
    return charts


def report_html(catalog: Catalog, fig: ReportFigures, *, with_charts: bool = True, evolution: str | None = None) -> str:
    """The report as one self-contained, printable HTML page (French, ``lang="fr"``); ``evolution``:
    the « évolution » section (:func:`geo_clsm.observatory.section.evolution_html`), when asked."""
    return render_template(
        "report.html.j2",
        fig=fig,
        v=view,
        footer=FOOTER_FR,
        emergency=EMERGENCY_NUMBERS,
        generated_fr=date_fr(fig.generated_on),
        comparison=view.comparison_table(fig),
        directory=view.directory_table(fig),
        communes=view.places_summary(fig, "commune"),
        qpv_places=view.places_summary(fig, "qpv") if fig.qpv else None,
        layer_notes=view.layer_notes(fig),
        waits=view.wait_rows(fig),
        freshness=view.freshness_words(fig),
        vague_types=[ResourceType(t).label_fr for t in view.commune_precision_types(fig)],
        fragile_count=view.FRAGILE_COUNT,
        qpv_list=view.qpv_list(fig),
        qpv_tables=view.qpv_tables(fig),
        zones_blanches=view.zones_blanches(fig),
        equity=view.equity_table(fig),
        sfca=view.sfca_table(fig),
        sector_tables=sector_tables(fig.sectors),
        not_informed=NOT_INFORMED,
        indicators=view.indicator_tables(fig),
        charts=report_charts(catalog, fig) if with_charts else [],
        directory_layer=DIRECTORY,
        evolution=evolution,
    )


def compare_html(figures: Sequence[ReportFigures]) -> str:
    """Several territories' figures side by side (per-10k by type, access summary)."""
    types = [t for t in dict.fromkeys(t for f in figures for t in f.types)]
    rows: list[list[str]] = []
    for t in types:
        cells = [ResourceType(t).label_fr]
        for f in figures:
            terr = next((r for r in f.rows("territory", layer=f.national_layer or DIRECTORY) if r["type"] == t), None)
            d = next((r for r in f.rows("territory", layer=DIRECTORY) if r["type"] == t), None)
            cells += [view.number_fr(terr["per_10k"]) if terr else "—", view.number_fr(d["count"]) if d else "—"]
        france = next((r for f in figures for r in f.rows("france") if r["type"] == t), None)
        cells.append(view.number_fr(france["per_10k"]) if france else "—")
        rows.append(cells)
    access: list[list[str]] = []
    for t in types:
        cells = [ResourceType(t).label_fr]
        for f in figures:
            q = next((r for r in f.rows("qpv_ensemble", part="access") if r["type"] == t), None)
            blanches = sum(1 for r in f.rows("qpv", part="access") if r["type"] == t and r.get("zone_blanche"))
            n_qpv = sum(1 for r in f.rows("qpv", part="access") if r["type"] == t)
            cells += [
                format_fr("equity_ratio_mean", q.get("equity_ratio_mean")) if q else "—",
                f"{blanches} / {n_qpv}" if n_qpv else "—",
            ]
        access.append(cells)
    return render_template(
        "report_compare.html.j2",
        figures=figures,
        footer=FOOTER_FR,
        generated_fr=date_fr(figures[0].generated_on),
        supply_rows=rows,
        access_rows=access,
        methods=figures[0].method,
    )


def as_document(html: str, doc_format: str) -> bytes:
    """HTML bytes (UTF-8) or the tagged PDF."""
    if doc_format not in FORMATS:
        raise InvalidInputError(f"format « {doc_format} » inconnu : choisir html ou pdf")
    return html_to_pdf(html) if doc_format == "pdf" else html.encode("utf-8")
