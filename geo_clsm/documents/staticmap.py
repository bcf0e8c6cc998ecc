"""Static maps for printed documents: commune outlines, QPV and numbered markers.

Drawn with matplotlib (Agg, object API: no pyplot state, safe in a thread) from layers
already loaded, in the territory's projected CRS: no tile, no network. The scale bar is
measured in that CRS (metres). Used by the guide and meant for the diagnostic report.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from geo_clsm.geo.crs import to_projected

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MARKER_FILL = "#0b3d6b"  # dark blue: white numbers on it have a contrast ratio above 10
MARKER_APPROX_FILL = "#ffffff"  # position at commune precision: white disc, dark number
QPV_FILL = "#f6c28b"
QPV_EDGE = "#9a4b00"
COMMUNE_EDGE = "#555555"


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A numbered marker at a WGS84 position; ``approximate`` for commune precision."""

    number: int
    lon: float
    lat: float
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class MapMarker:
    """One drawn marker: the numbers it carries (points closer than the merge distance share one)."""

    label: str
    x: float
    y: float
    approximate: bool


def merge_points(points: Sequence[MapPoint], *, crs: str, merge_distance_m: float) -> list[MapMarker]:
    """Group points closer than ``merge_distance_m`` (projected metres) into one marker."""
    if not points:
        return []
    xs, ys = to_projected(np.array([p.lon for p in points]), np.array([p.lat for p in points]), crs)
    groups: list[list[int]] = []
    for i in range(len(points)):
        for g in groups:
            j = g[0]
            if math.hypot(xs[i] - xs[j], ys[i] - ys[j]) <= merge_distance_m:
                g.append(i)
                break
        else:
            groups.append([i])
    out = []
    for g in groups:
        numbers = sorted(points[i].number for i in g)
        label = "\n".join(",".join(str(n) for n in numbers[i : i + 3]) for i in range(0, len(numbers), 3))
        out.append(MapMarker(label, float(xs[g[0]]), float(ys[g[0]]), all(points[i].approximate for i in g)))
    return out


def nice_scale_length_m(span_m: float) -> float:
    """A round length (1, 2 or 5 × 10^k metres) close to a fifth of ``span_m``."""
    target = max(span_m / 5.0, 1.0)
    exp = 10 ** math.floor(math.log10(target))
    return float(max((m * exp for m in (1, 2, 5) if m * exp <= target), default=exp))


def _scale_label(length_m: float) -> str:
    return f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"


def draw_map_png(
    *,
    communes: gpd.GeoDataFrame,
    points: Sequence[MapPoint],
    crs: str,
    qpv: gpd.GeoDataFrame | None = None,
    width_mm: float = 180.0,
    height_mm: float = 200.0,
    dpi: int = 150,
    merge_distance_m: float = 60.0,
    extent: tuple[float, float, float, float] | None = None,
    zoom_frame: tuple[float, float, float, float] | None = None,
) -> bytes:
    """A PNG map: ``communes`` outlines, ``qpv`` polygons and numbered ``points``.

    Layers are re-projected to ``crs`` (a projected CRS, metres). ``extent`` is
    (xmin, ymin, xmax, ymax) in that CRS; by default the communes' bounds. ``zoom_frame``
    (same CRS) is outlined and its markers left to a separate zoomed map. The map holds
    no text other than marker numbers and the scale bar: captions belong to the document.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal")
    com = communes.to_crs(crs)
    com.plot(ax=ax, facecolor="#f7f7f7", edgecolor=COMMUNE_EDGE, linewidth=0.6)
    if qpv is not None and len(qpv):
        qpv.to_crs(crs).plot(ax=ax, facecolor=QPV_FILL, edgecolor=QPV_EDGE, linewidth=0.6, alpha=0.9)
    x0, y0, x1, y1 = extent or tuple(com.total_bounds)
    _fit(ax, (x0, y0, x1, y1), width_mm / height_mm)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    fontsize = 6.5 if dpi and len(points) > 40 else 7.5
    if zoom_frame is not None:
        zx0, zy0, zx1, zy1 = zoom_frame
        ax.plot([zx0, zx1, zx1, zx0, zx0], [zy0, zy0, zy1, zy1, zy0], color=MARKER_FILL, linewidth=1.5, zorder=4)
    for m in merge_points(points, crs=crs, merge_distance_m=merge_distance_m):
        if not (x0 <= m.x <= x1 and y0 <= m.y <= y1) or (zoom_frame is not None and _inside(m, zoom_frame)):
            continue
        ax.annotate(
            m.label,
            (m.x, m.y),
            ha="center",
            va="center",
            fontsize=fontsize,
            fontweight="bold",
            color=MARKER_FILL if m.approximate else "white",
            bbox={
                "boxstyle": "circle,pad=0.25" if len(m.label) <= 2 else "round,pad=0.25",
                "facecolor": MARKER_APPROX_FILL if m.approximate else MARKER_FILL,
                "edgecolor": MARKER_FILL,
                "linewidth": 1.0,
                "linestyle": "--" if m.approximate else "-",
            },
            zorder=5,
        )
    scale_bar(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _inside(m: MapMarker, frame: tuple[float, float, float, float]) -> bool:
    return frame[0] <= m.x <= frame[2] and frame[1] <= m.y <= frame[3]


def dense_frame(
    points: Sequence[MapPoint], *, crs: str, min_points: int = 5, radius_m: float = 1500.0, min_size_m: float = 2500.0
) -> tuple[float, float, float, float] | None:
    """A frame (projected CRS) around the densest cluster of points, worth a zoomed map.

    The cluster is the points within ``radius_m`` of the point with the most such
    neighbours; None when it has fewer than ``min_points``.
    """
    if len(points) < min_points:
        return None
    xs, ys = to_projected(np.array([p.lon for p in points]), np.array([p.lat for p in points]), crs)
    d = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    near = d <= radius_m
    best = int(near.sum(axis=1).argmax())
    members = near[best]
    if members.sum() < min_points:
        return None
    cx0, cx1, cy0, cy1 = xs[members].min(), xs[members].max(), ys[members].min(), ys[members].max()
    half_w = max(cx1 - cx0, min_size_m) / 2 + 300
    half_h = max(cy1 - cy0, min_size_m) / 2 + 300
    mx, my = (cx0 + cx1) / 2, (cy0 + cy1) / 2
    return (float(mx - half_w), float(my - half_h), float(mx + half_w), float(my + half_h))


def fit_extent(
    bounds: tuple[float, float, float, float], aspect: float, *, margin: float = 0.06
) -> tuple[float, float, float, float]:
    """``bounds`` plus a margin, widened to ``aspect`` (width / height); projected units."""
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, 1.0) * (1 + margin), max(y1 - y0, 1.0) * (1 + margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _fit(ax: Axes, bounds: tuple[float, float, float, float], aspect: float) -> None:
    x0, y0, x1, y1 = fit_extent(bounds, aspect)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def scale_bar(ax: Axes) -> None:
    """A scale bar at the bottom left, its length measured in the projected CRS (metres)."""
    xa, xb = ax.get_xlim()
    ya, yb = ax.get_ylim()
    length = nice_scale_length_m(xb - xa)
    x, y = xa + (xb - xa) * 0.04, ya + (yb - ya) * 0.04
    ax.plot([x, x + length], [y, y], color="black", linewidth=3, solid_capstyle="butt", zorder=6)
    ax.text(x + length / 2, y + (yb - ya) * 0.012, _scale_label(length), ha="center", va="bottom", fontsize=8, zorder=6)
    ax.annotate(
        "N",
        xy=(xb - (xb - xa) * 0.05, yb - (yb - ya) * 0.04),
        xytext=(xb - (xb - xa) * 0.05, yb - (yb - ya) * 0.12),
        ha="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )
