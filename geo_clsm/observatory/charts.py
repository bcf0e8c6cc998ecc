"""Charts of the observatory, drawn with matplotlib (Agg, no network): PNG bytes.

Each chart has a French title, axis labels with units, a legend and a source line.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from geo_clsm.exports.tables import base_label, label, unit
from geo_clsm.model.resource_types import ResourceType

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from geo_clsm.observatory.evolution import Evolution

SOURCE = "Source : geo_clsm, observatoire des indicateurs d'accès (distances à vol d'oiseau, marche estimée)"


def _figure(width_in: float = 8.0, height_in: float = 4.2) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _scale(indicator: str, values: pd.Series) -> pd.Series:
    """Shares in percent (the unit the label says)."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    return v * 100 if indicator.endswith("_share") else v


def series_chart(table: pd.DataFrame, *, rtype: str, indicator: str, territory_name: str) -> bytes:
    """The indicator of one type in each QPV at every snapshot (lines; a point per snapshot)."""
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    rows = table[table["resource_type"] == rtype]
    for lib, grp in rows.groupby("lib_qp", sort=True):
        grp = grp.sort_values("taken_at")
        ax.plot(pd.to_datetime(grp["taken_at"]), _scale(indicator, grp[indicator]), marker="o", label=str(lib))
    type_fr = ResourceType(rtype).label_fr
    ax.set_title(f"{base_label(indicator)} — {type_fr} — {territory_name}", fontsize=10)
    ax.set_ylabel(unit(indicator) or "valeur")
    ax.set_xlabel("Date de la version des données")
    ax.grid(alpha=0.3)
    if not rows.empty:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), title="QPV", title_fontsize=8)
    else:
        ax.text(0.5, 0.5, "Aucune donnée pour ce type", ha="center", va="center", transform=ax.transAxes)
    fig.autofmt_xdate()
    n = table["snapshot_id"].nunique() if "snapshot_id" in table else 0
    fig.text(0.01, 0.01, f"{SOURCE} ; {n} instantané(s).", fontsize=6.5, color="#444")
    fig.subplots_adjust(left=0.09, right=0.75, bottom=0.25, top=0.9)
    return _png(fig)


def evolution_chart(evo: Evolution, *, rtype: str, indicator: str, territory_name: str) -> bytes:
    """Before / after bars of one indicator of one type, per QPV."""
    rows = evo.indicators
    rows = rows[(rows["resource_type"] == rtype) & (rows["indicator"] == indicator)].sort_values("lib_qp")
    fig = _figure(8.0, max(2.5, 0.45 * len(rows) + 1.6))
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(rows)))
    before, after = _scale(indicator, rows["before"]), _scale(indicator, rows["after"])
    since = evo.base.taken_at.strftime("%d/%m/%Y") if evo.base and evo.base.taken_at else "—"
    latest = evo.latest.taken_at.strftime("%d/%m/%Y") if evo.latest.taken_at else "—"
    ax.barh([v + 0.2 for v in y], before.fillna(0), height=0.4, color="#bbbbbb", label=f"version du {since}")
    ax.barh([v - 0.2 for v in y], after.fillna(0), height=0.4, color="#b5403a", label=f"version du {latest}")
    ax.set_yticks(y, [str(v) for v in rows["lib_qp"]], fontsize=8)
    ax.set_xlabel(label(indicator))
    ax.set_title(
        f"Évolution — {base_label(indicator)} — {ResourceType(rtype).label_fr} — {territory_name}", fontsize=10
    )
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.text(0.01, 0.01, SOURCE, fontsize=6.5, color="#444")
    fig.subplots_adjust(left=0.25, right=0.97, bottom=0.2, top=0.88)
    return _png(fig)
