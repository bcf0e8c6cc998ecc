"""From the report's figures to what the template prints: tables as lists of cells, in French.

Nothing is computed here that is not in :class:`ReportFigures`: only picked, pivoted and
written in French (decimal comma, units).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geo_clsm.access.present import format_fr
from geo_clsm.documents.report.figures import ReportFigures
from geo_clsm.documents.report.supply import DIRECTORY
from geo_clsm.model.resource_types import ResourceType

QPV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("gap_rank", "Rang (1 = le plus loin)"),
    ("mean_m", "Distance moyenne"),
    ("p90_m", "Distance 90 %"),
    ("within_1000m_share", "Part à moins de 1 km"),
    ("walk_minutes_mean", "Marche (estimée)"),
    ("zone_blanche", "Zone blanche"),
    ("equity_ratio_mean", "Ratio d'équité"),
    ("sfca_per_10k", "2SFCA pour 10 000 hab."),
    ("n_resources", "Lieux à portée"),
)


def number_fr(v: float | int | None) -> str:
    """A number in French, as computed (no further rounding): narrow no-break space for
    thousands, decimal comma; — when missing."""
    if v is None:
        return "—"
    if isinstance(v, int) or float(v).is_integer():
        return f"{round(v):,}".replace(",", "\u202f")
    return (
        f"{v:,.12g}".replace(",", "\u202f").replace(".", ",")
        if abs(v) < 1000
        else f"{v:,.1f}".replace(",", "\u202f").replace(".", ",")
    )


def label(rtype: str) -> str:
    return ResourceType(rtype).label_fr


def comparison_table(fig: ReportFigures) -> dict[str, Any] | None:
    """Per type: the national layer's count and per-10k for the territory, its departments and France,
    and whether the territory is above or below the national level."""
    if fig.national_layer is None:
        return None
    layer = fig.national_layer
    terr = {r["type"]: r for r in fig.rows("territory", layer=layer)}
    deps = fig.rows("department")
    france = {r["type"]: r for r in fig.rows("france")}
    header = ["Type", f"{fig.name} (nombre)", f"{fig.name} (pour 10 000)"]
    header += [f"{d['name']} (pour 10 000)" for d in fig.departments]
    header += ["France (pour 10 000)", "Par rapport à la France"]
    rows = []
    for t in fig.types:
        t_row, f_row = terr[t], france[t]
        cells = [label(t), number_fr(t_row["count"]), number_fr(t_row["per_10k"])]
        cells += [
            number_fr(next(r["per_10k"] for r in deps if r["code"] == d["code"] and r["type"] == t))
            for d in fig.departments
        ]
        cells += [number_fr(f_row["per_10k"]), _versus(t_row["per_10k"], f_row["per_10k"], int(t_row["count"]))]
        rows.append(cells)
    return {"header": header, "rows": rows}


FRAGILE_COUNT = 3
"""Fewer places than this in the territory: no ratio to France is printed (« fragile ») — one place
more or less would change it several-fold; the same threshold as the access indicators' « fragile »
(docs/indicators.md)."""


def _versus(here: float | None, national: float | None, count: int) -> str:
    if here is None or not national:
        return "—"
    if count == 0:
        return "aucun lieu ici"
    if count < FRAGILE_COUNT:
        return f"fragile : {count} lieu{'x' if count > 1 else ''} ici, pas de rapport"
    ratio = here / national
    if abs(ratio - 1) < 0.05:
        return "au niveau national"
    word = "au-dessus" if ratio > 1 else "en dessous"
    return f"{word} (× {number_fr(round(ratio, 2))})"


def directory_table(fig: ReportFigures) -> list[list[str]]:
    """Per type: the directory's count and per-10k for the whole territory."""
    return [
        [label(r["type"]), number_fr(r["count"]), number_fr(r["per_10k"])]
        for r in fig.rows("territory", layer=DIRECTORY)
    ]


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def layer_notes(fig: ReportFigures) -> list[str]:
    """Why the national layer's and the directory's counts differ, type by type, in counts."""
    notes = []
    for d in fig.differences:
        parts = []
        if d["by_service"]:
            parts.append(
                _n(d["by_service"], "lieu de l'annuaire compte", "lieux de l'annuaire comptent")
                + " pour ce type par un service proposé (un CMP qui a un CATTP, par exemple), la couche nationale"
                " comptant chaque établissement une fois, sous sa catégorie FINESS"
            )
        if d["other_source"]:
            parts.append(
                _n(d["other_source"], "lieu de l'annuaire vient", "lieux de l'annuaire viennent")
                + " du registre du territoire ou d'une fiche de coordinateur, pas de la couche nationale"
            )
        if d["layer_only"]:
            parts.append(
                _n(d["layer_only"], "établissement de la couche nationale n'est", "établissements de la couche "
                   "nationale ne sont") + " pas dans l'annuaire en service (retirés, ou fusionnés avec une fiche du"
                " registre)"
            )  # fmt: skip
        why = " ; ".join(parts) or "les mêmes lieux, comptés autrement"
        notes.append(
            f"{label(d['type'])} : {d['layer']} dans la couche nationale, {d['directory']} dans l'annuaire — {why}."
        )
    return notes


def commune_precision_types(fig: ReportFigures) -> list[str]:
    """Types whose places are all placed at their commune (town hall): their distances would be falsely
    precise, so the report gives none."""
    return [p["type"] for p in fig.precision if p["count"] and p["at_commune"] == p["count"]]


def places_summary(fig: ReportFigures, scope: str) -> dict[str, Any]:
    """The communes (or QPV) with places, one line each, and the others in one sentence (never a
    table of « aucun lieu recensé » lines)."""
    areas = places_by_area(fig, scope)
    empty = [a for a in areas if a["places"] == "aucun lieu recensé"]
    with_places = [a for a in areas if a["places"] != "aucun lieu recensé"]
    names = ", ".join(a["name"] for a in empty)
    if not empty:
        rest = None
    elif scope == "qpv" and not with_places:
        rest = f"Aucun lieu recensé à l'intérieur des {len(empty)} quartiers."
    else:
        kind = "communes" if scope == "commune" else "quartiers"
        pop = sum(r["population"] or 0 for r in fig.rows(scope, layer=DIRECTORY) if r["type"] == fig.types[0]
                  and r["code"] in {a["code"] for a in empty}) if fig.types else 0  # fmt: skip
        people = f" ({number_fr(pop)} habitants)" if scope == "commune" and pop else ""
        rest = f"Aucun lieu recensé dans les {len(empty)} autres {kind}{people} : {names}."
    return {"rows": with_places, "rest": rest}


def places_by_area(fig: ReportFigures, scope: str) -> list[dict[str, Any]]:
    """One line per commune or QPV: its population (communes) and its places by type (directory)."""
    out: dict[str, dict[str, Any]] = {}
    for r in fig.rows(scope, layer=DIRECTORY):
        area = out.setdefault(
            r["code"], {"code": r["code"], "name": r["name"], "population": r["population"], "parts": []}
        )
        if r["count"]:
            rate = f" ({number_fr(r['per_10k'])} pour 10 000)" if r["per_10k"] is not None else ""
            area["parts"].append(f"{label(r['type'])} : {r['count']}{rate}")
    return [
        {**a, "population": number_fr(a["population"]), "places": " ; ".join(a["parts"]) or "aucun lieu recensé"}
        for a in out.values()
    ]


def precise_types(fig: ReportFigures) -> list[str]:
    """The report's types with at least one place placed more precisely than its commune."""
    vague = set(commune_precision_types(fig))
    return [t for t in fig.types if t not in vague]


def qpv_tables(fig: ReportFigures) -> list[dict[str, Any]]:
    """Per type: the QPV ranked by gap, with the engine's presented indicators."""
    tables = []
    for t in precise_types(fig):
        rows = [r for r in fig.rows("qpv", part="access") if r["type"] == t]
        if not rows:
            continue
        rows.sort(key=lambda r: (r.get("gap_rank") or 0, r["code"]))
        cells = [[f"{r['name']} ({r['code']})", *(format_fr(c, r.get(c)) for c, _ in QPV_COLUMNS)] for r in rows]
        fragile = [r["name"] for r in rows if r.get("fragile")]
        tables.append(
            {
                "type": t,
                "label": label(t),
                "header": ["QPV", *(h for _, h in QPV_COLUMNS)],
                "rows": cells,
                "fragile": fragile,
            }
        )
    return tables


def zones_blanches(fig: ReportFigures) -> list[str]:
    """Per type, the QPV with no place of the type within 1 km (the engine's ``zone_blanche``)."""
    by_type: dict[str, list[str]] = {}
    for r in fig.rows("qpv", part="access"):
        if r.get("zone_blanche"):
            by_type.setdefault(r["type"], []).append(f"{r['name']} ({r['code']})")
    return [f"{label(t)} : {', '.join(by_type[t])}" for t in precise_types(fig) if t in by_type]


def equity_table(fig: ReportFigures) -> list[list[str]]:
    """Per type: mean distance in all QPV, outside them, and their ratio (QPV / reste)."""
    out = []
    for t in precise_types(fig):
        q = next((r for r in fig.rows("qpv_ensemble", part="access") if r["type"] == t), None)
        rest = next((r for r in fig.rows("hors_qpv", part="access") if r["type"] == t), None)
        if q is None or rest is None:
            continue
        out.append([
            label(t), format_fr("mean_m", q.get("mean_m")), format_fr("mean_m", rest.get("mean_m")),
            format_fr("equity_ratio_mean", q.get("equity_ratio_mean")),
        ])  # fmt: skip
    return out


def sfca_table(fig: ReportFigures) -> dict[str, Any]:
    """2SFCA score per 10,000 inhabitants, communes x types (the engine's presented figures)."""
    rows = fig.rows("commune", part="access")
    types = [t for t in precise_types(fig) if any(r["type"] == t for r in rows)]
    by_commune: dict[str, dict[str, Any]] = {}
    for r in rows:
        by_commune.setdefault(r["code"], {"name": r["name"]})[r["type"]] = r.get("sfca_per_10k")
    body = [
        [c["name"], *(format_fr("sfca_per_10k", c.get(t)) for t in types)]
        for c in sorted(by_commune.values(), key=lambda c: str(c["name"]))
    ]
    return {"types": types, "header": ["Commune", *types], "rows": body, "legend": [(t, label(t)) for t in types]}


def indicator_tables(fig: ReportFigures) -> list[dict[str, Any]]:
    """Partner indicators, one table per indicator, with the national value when given."""
    names: dict[str, dict[str, Any]] = {}
    area_names = {c["insee_com"]: c["nom"] for c in fig.communes} | {d["code"]: d["name"] for d in fig.departments}
    area_names[fig.territory] = fig.name
    for r in fig.indicators:
        t = names.setdefault(
            r["name"],
            {
                "name": r["name"],
                "unit": r["unit"],
                "source": r["source"],
                "national": r["national_value"],
                "imported_on": r["imported_on"],
                "rows": [],
            },
        )
        t["rows"].append([area_names.get(r["code"], r["code"]), _scope_fr(r["scope"]), number_fr(r["value"])])
    return [{**t, "national": number_fr(t["national"]) if t["national"] is not None else None} for t in names.values()]


def _scope_fr(scope: str) -> str:
    return {"territory": "territoire", "department": "département", "commune": "commune"}.get(scope, scope)


def qpv_list(fig: ReportFigures) -> Sequence[dict[str, Any]]:
    names = {c["insee_com"]: c["nom"] for c in fig.communes}
    return [
        {**q, "commune": ", ".join(names.get(c.strip(), c.strip()) for c in str(q["insee_com"]).split(","))}
        for q in fig.qpv
    ]


def wait_rows(fig: ReportFigures) -> list[list[str]]:
    """Stated waits by type: type, places, how many stated a wait, the median (« — » when none did)."""
    return [
        [
            label(w["type"]),
            str(w["places"]),
            str(w["stated"]),
            "—" if w["median_wait_days"] is None else f"{number_fr(w['median_wait_days'])} jours",
        ]
        for w in fig.waits
    ]


def freshness_words(fig: ReportFigures) -> str | None:
    """« 12 fiches sur 40 (30 %) confirmées par le lieu ou l'équipe du CLSM depuis 12 mois »."""
    f = fig.freshness
    if not f or not f.get("records"):
        return None
    pct = number_fr(round(100 * f["share"]))
    return (
        f"{f['confirmed_12_months']} fiche(s) sur {f['records']} ({pct} %) confirmée(s) par le lieu ou par "
        "l'équipe du CLSM au cours des 12 derniers mois ; les autres viennent des sources, non confirmées."
    )
