"""The « évolution » section of the diagnostic report: an HTML fragment (French, printable) from an
:class:`~geo_clsm.observatory.evolution.Evolution`, with its charts embedded as PNG data URIs.

Resources are shown through the public view the snapshots hold (name, type, commune: never an
address); figures are the presented ones, written by :func:`geo_clsm.access.present.format_fr`.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

import pandas as pd

from geo_clsm.access.present import format_fr
from geo_clsm.exports.tables import base_label
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.observatory.charts import evolution_chart
from geo_clsm.observatory.evolution import Evolution

# Indicators shown in the section's table, and the one charted per type.
SHOWN = [
    "mean_m",
    "within_1000m_share",
    "sfca_per_10k",
    "zone_blanche",
    "gap_rank",
    "count_within_1000m",
    "sector_referent_mean_m",
    "sector_nearest_other_share",
]
CHARTED = "mean_m"
MAX_CHARTS = 4


def _type_fr(code: str) -> str:
    try:
        return ResourceType(code).label_fr
    except ValueError:
        return code


def _day(evo: Evolution, which: str) -> str:
    snap = evo.base if which == "base" else evo.latest
    return snap.taken_at.strftime("%d/%m/%Y") if snap is not None and snap.taken_at else "—"


def _resources(title: str, rows: list[dict[str, Any]], *, moved: bool = False) -> str:
    if not rows:
        return f"<h3>{escape(title)}</h3><p>Aucune.</p>"
    head = "<th scope='col'>Nom</th><th scope='col'>Type</th><th scope='col'>Commune</th>"
    head += "<th scope='col'>Déplacement</th>" if moved else ""
    body = "".join(
        f"<tr><th scope='row'>{escape(str(r['name']))}</th><td>{escape(_type_fr(str(r['type'])))}</td>"
        f"<td>{escape(str(r.get('commune') or '—'))}</td>"
        + (f"<td>{format_fr('moved_m', r['moved_m'])}</td>" if moved else "")
        + "</tr>"
        for r in rows
    )
    return f"<h3>{escape(title)} ({len(rows)})</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _diff_fr(indicator: str, v: Any) -> str:
    if v is None or pd.isna(v):
        return "—"
    text = format_fr(indicator, abs(v))
    return ("+" if float(v) > 0 else "−" if float(v) < 0 else "") + text


def _indicators(evo: Evolution) -> str:
    rows = evo.changed_indicators()
    rows = rows[rows["indicator"].isin(SHOWN)] if not rows.empty else rows
    if rows.empty:
        return "<p>Aucun indicateur d'accès n'a changé dans les QPV.</p>"
    body = "".join(
        f"<tr><th scope='row'>{escape(str(r['lib_qp']))}</th><td>{escape(_type_fr(str(r['resource_type'])))}</td>"
        f"<td>{escape(base_label(str(r['indicator'])))}</td>"
        f"<td>{escape(format_fr(str(r['indicator']), r['before']))}</td>"
        f"<td>{escape(format_fr(str(r['indicator']), r['after']))}</td>"
        f"<td>{escape(_diff_fr(str(r['indicator']), r['diff']))}</td></tr>"
        for r in rows.to_dict("records")
    )
    return (
        "<table><caption>Indicateurs d'accès qui ont changé, par QPV et type</caption><thead><tr>"
        "<th scope='col'>QPV</th><th scope='col'>Type</th><th scope='col'>Indicateur</th>"
        f"<th scope='col'>Le {_day(evo, 'base')}</th><th scope='col'>Le {_day(evo, 'latest')}</th>"
        f"<th scope='col'>Évolution</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _charts(evo: Evolution, *, territory_name: str) -> str:
    rows = evo.changed_indicators()
    if rows.empty:
        return ""
    charted = rows[rows["indicator"] == CHARTED]["resource_type"].value_counts().index[:MAX_CHARTS]
    out = []
    for rtype in charted:
        png = evolution_chart(evo, rtype=str(rtype), indicator=CHARTED, territory_name=territory_name)
        alt = (
            f"Graphique : {base_label(CHARTED)} ({_type_fr(str(rtype))}) dans chaque QPV, "
            f"le {_day(evo, 'base')} et le {_day(evo, 'latest')} ; les valeurs sont dans le tableau."
        )
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        out.append(f'<figure><img src="{uri}" alt="{escape(alt)}"><figcaption>{escape(alt[12:])}</figcaption></figure>')
    return "".join(out)


def evolution_html(evo: Evolution, *, territory_name: str) -> str:
    """The section, as an HTML fragment (``<section>``) for the report's template."""
    since = evo.since.strftime("%d/%m/%Y") if evo.since else _day(evo, "base")
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in evo.notes)
    return f"""<section class="evolution" aria-labelledby="evolution-title">
<h2 id="evolution-title">Évolution depuis le {escape(since)}</h2>
<p>Comparaison de la version des données du {_day(evo, "base")} avec celle du {_day(evo, "latest")}
(observatoire geo_clsm : un instantané des indicateurs à chaque version des données).
Ressources ouvertes, fermées ou déplacées dans l'annuaire ; distances de déplacement à vol d'oiseau.</p>
{notes}
{_resources("Ressources ouvertes", evo.opened)}
{_resources("Ressources fermées ou retirées", evo.closed)}
{_resources("Ressources déplacées", evo.moved, moved=True)}
<h3>Indicateurs d'accès</h3>
{_indicators(evo)}
{_charts(evo, territory_name=territory_name)}
</section>"""
