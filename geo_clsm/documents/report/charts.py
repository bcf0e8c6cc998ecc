"""The report's maps and charts, drawn with matplotlib (Agg, object API) from loaded layers: no network.

Every figure carries a title, a legend, a source line, and (maps) a scale bar measured in
the territory's projected CRS (metres). Figures are PNG bytes; the document embeds them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geo_clsm.documents.staticmap import COMMUNE_EDGE, QPV_EDGE, fit_extent, scale_bar

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TYPE_COLOURS = (
    "#0b3d6b",
    "#b2182b",
    "#1b7837",
    "#762a83",
    "#e08214",
    "#2166ac",
    "#8c510a",
    "#01665e",
    "#c51b7d",
    "#4d4d4d",
)
SCOPE_COLOURS = {"territory": "#0b3d6b", "department": "#e08214", "france": "#7f7f7f"}


def _figure(width_mm: float, height_mm: float, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08)  # no label cut at an edge
    return buf.getvalue()


def _frame(fig: Figure, title: str, source: str) -> Axes:
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.02, ha="left")
    fig.text(0.02, 0.012, source, fontsize=7, color="#333333", ha="left", va="bottom", wrap=True)
    ax = fig.add_axes((0.02, 0.08, 0.74, 0.82))
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


def _base(ax: Axes, communes: gpd.GeoDataFrame, crs: str, aspect: float) -> None:
    com = communes.to_crs(crs)
    com.plot(ax=ax, facecolor="#f7f7f7", edgecolor=COMMUNE_EDGE, linewidth=0.5)
    x0, y0, x1, y1 = fit_extent(tuple(float(v) for v in com.total_bounds), aspect)  # type: ignore[arg-type]
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def qpv_choropleth_png(
    *,
    communes: gpd.GeoDataFrame,
    qpv: gpd.GeoDataFrame,
    values: dict[str, float | None],
    crs: str,
    title: str,
    legend: str,
    source: str,
    width_mm: float = 180.0,
    height_mm: float = 130.0,
    dpi: int = 130,
) -> bytes:
    """QPV coloured by ``values`` (by ``code_qp``; None = hatched "non calculé"), commune outlines."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    fig = _figure(width_mm, height_mm, dpi)
    ax = _frame(fig, title, source)
    _base(ax, communes, crs, 0.74 * width_mm / (0.82 * height_mm))
    q = qpv.to_crs(crs).copy()
    q["v"] = [values.get(str(c)) for c in q["code_qp"]]
    known = q[q["v"].notna()]
    numbers = [float(v) for v in known["v"]]
    norm = Normalize(vmin=min(numbers, default=0.0), vmax=max(max(numbers, default=1.0), min(numbers, default=0.0) + 1))
    cmap = colormaps["YlOrRd"]
    if len(known):
        known.plot(ax=ax, color=[cmap(norm(v)) for v in numbers], edgecolor=QPV_EDGE, linewidth=0.6)
    missing = q[q["v"].isna()]
    if len(missing):
        missing.plot(ax=ax, facecolor="white", edgecolor=QPV_EDGE, hatch="///", linewidth=0.6)
    scale_bar(ax)
    cax = fig.add_axes((0.80, 0.25, 0.03, 0.55))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
    bar.set_label(legend, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    handles = [Patch(facecolor="#f7f7f7", edgecolor=COMMUNE_EDGE, label="commune")]
    if len(missing):
        handles.append(Patch(facecolor="white", edgecolor=QPV_EDGE, hatch="///", label="non calculé"))
    fig.legend(handles=handles, loc="lower right", bbox_to_anchor=(0.99, 0.08), fontsize=7, frameon=False)
    return _png(fig)


def resources_map_png(
    *,
    communes: gpd.GeoDataFrame,
    qpv: gpd.GeoDataFrame,
    points: Sequence[tuple[str, float, float]],
    crs: str,
    title: str,
    source: str,
    width_mm: float = 180.0,
    height_mm: float = 130.0,
    dpi: int = 130,
) -> bytes:
    """Places by type (``(label, lon, lat)``, public positions in WGS84) over communes and QPV."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from geo_clsm.documents.staticmap import QPV_FILL

    fig = _figure(width_mm, height_mm, dpi)
    ax = _frame(fig, title, source)
    _base(ax, communes, crs, 0.74 * width_mm / (0.82 * height_mm))
    if len(qpv):
        qpv.to_crs(crs).plot(ax=ax, facecolor=QPV_FILL, edgecolor=QPV_EDGE, linewidth=0.5)
    labels = list(dict.fromkeys(label for label, _, _ in points))
    colours = {lab: TYPE_COLOURS[i % len(TYPE_COLOURS)] for i, lab in enumerate(labels)}
    handles: list[Any] = [Patch(facecolor=QPV_FILL, edgecolor=QPV_EDGE, label="QPV")]
    for lab in labels:
        pts = [(lon, lat) for label, lon, lat in points if label == lab]
        g = gpd.GeoSeries(gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]), crs="EPSG:4326").to_crs(crs)
        ax.scatter(g.x, g.y, s=14, color=colours[lab], edgecolor="white", linewidth=0.4, zorder=5)
        handles.append(Line2D([], [], marker="o", linestyle="", color=colours[lab], label=f"{lab} ({len(pts)})"))
    scale_bar(ax)
    fig.legend(handles=handles, loc="center right", bbox_to_anchor=(0.995, 0.5), fontsize=6.5, frameon=False)
    return _png(fig)


def per_10k_chart_png(
    rows: Sequence[dict[str, Any]],
    *,
    labels: dict[str, str],
    title: str,
    source: str,
    width_mm: float = 180.0,
    height_mm: float = 95.0,
    dpi: int = 130,
) -> bytes:
    """Grouped bars: per-10k by type (``labels``: type -> French label) for each scope of ``rows``."""
    import numpy as np

    types = [t for t in labels if any(r["type"] == t for r in rows)]
    series = list(dict.fromkeys((r["scope"], r["code"], r["name"]) for r in rows))
    fig = _figure(width_mm, height_mm, dpi)
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.02, ha="left")
    fig.text(0.02, 0.012, source, fontsize=7, color="#333333", ha="left", va="bottom")
    ax = fig.add_axes((0.08, 0.30, 0.70, 0.58))
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(types))
    for i, (scope, code, name) in enumerate(series):
        vals = [
            next(
                (r["per_10k"] or 0.0 for r in rows if r["type"] == t and r["scope"] == scope and r["code"] == code), 0.0
            )
            for t in types
        ]
        ax.bar(
            x + i * width, vals, width, label=name, color=SCOPE_COLOURS.get(scope, TYPE_COLOURS[i % len(TYPE_COLOURS)])
        )
    ax.set_xticks(x + width * (len(series) - 1) / 2, [labels[t] for t in types], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("lieux pour 10 000 hab.", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="center right", bbox_to_anchor=(0.995, 0.6), fontsize=7, frameon=False)
    return _png(fig)
