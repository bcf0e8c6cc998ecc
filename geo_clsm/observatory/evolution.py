"""What changed in a territory since a date, and the time series of its indicators.

:func:`evolution` compares the snapshot in effect at the start of ``since`` (the last one taken
before that day; the first one when the observatory starts later) with the latest: resources
opened, closed and moved (metres between public positions, in the territory's projected CRS),
and every indicator per QPV and type before, after and its difference.

What it shows of a resource goes through the resource's public view *now* (:func:`public_now`),
whatever a snapshot stored then: a resource confidential today shows its commune's point at every
date (never an earlier exact position), and one withdrawn since appears among the closed ones with
its name, type and commune only (no position). :func:`series` gives
the indicators per QPV and type at every snapshot, as a long table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from pyproj import Transformer
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.observatory.snapshots import Snapshot, load, public_record

KEYS = ["code_qp", "lib_qp", "resource_type"]
# Indicators followed over time (presented figures), in the planner view's order.
INDICATORS = [
    "mean_m",
    "p90_m",
    "within_500m_share",
    "within_1000m_share",
    "walk_minutes_mean",
    "count_within_1000m",
    "sfca_per_10k",
    "equity_ratio_mean",
    "gap_rank",
    "zone_blanche",
    "n_resources",
    # by psychiatric sector (CMP-like types; None where the sectorisation is not informed)
    "sector_referent_mean_m",
    "sector_referent_p90_m",
    "sector_nearest_other_share",
    "sector_covered_share",
]
MOVED_FROM_M = 1.0


@dataclass
class Evolution:
    """Changes in one territory between two snapshots (``base`` None: only one snapshot yet)."""

    territory: str
    since: date | None
    base: Snapshot | None
    latest: Snapshot
    opened: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    moved: list[dict[str, Any]] = field(default_factory=list)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def changed_indicators(self) -> pd.DataFrame:
        """Rows whose value changed (the others are unchanged since ``base``)."""
        if self.indicators.empty:
            return self.indicators
        before, after = self.indicators["before"], self.indicators["after"]
        same = (before == after) | (before.isna() & after.isna())
        return self.indicators[~same.astype(bool)].reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        from geo_clsm.exports.indicator_files import records

        def info(s: Snapshot | None) -> dict[str, Any] | None:
            return None if s is None else snapshot_info(s)

        return {
            "territory": self.territory,
            "since": self.since.isoformat() if self.since else None,
            "base": info(self.base),
            "latest": info(self.latest),
            "opened": self.opened,
            "closed": self.closed,
            "moved": self.moved,
            "indicators": records(self.changed_indicators()),
            "notes": self.notes,
            # Stated waits by type at both ends (the base's is empty when it predates them).
            "waits": {"before": self.base.waits if self.base else None, "after": self.latest.waits},
        }


def snapshot_info(s: Snapshot) -> dict[str, Any]:
    return {
        "id": s.id,
        "taken_at": s.taken_at.isoformat() if s.taken_at else None,
        "data_version": s.data_version,
        "n_resources": len(s.resources),
    }


def _snapshots(db: SqlEngine, territory: str) -> list[Snapshot]:
    with db.connect() as conn:
        snaps = load(conn, territory)
    if not snaps:
        raise NotFoundError(
            f"territoire « {territory} » sans instantané de l'observatoire : "
            "les indicateurs sont enregistrés à chaque version des données (au démarrage du service)"
        )
    return snaps


def evolution(
    db: SqlEngine, territory: str, *, since: date | None, current: Iterable[Resource] | None = None
) -> Evolution:
    """Resources opened, closed, moved, and each indicator's change in ``territory`` since ``since``
    (None: since the first snapshot), shown through the public view of ``current``: the resources
    in public view now (the serving engine's; default: the database of record's active ones)."""
    snaps = _snapshots(db, territory)
    if current is None:
        from geo_clsm.store.repo import active_resources

        with db.connect() as conn:
            current = active_resources(conn)
    now = public_view_now(current)
    latest = snaps[-1]
    before = [s for s in snaps if s.taken_at is not None and since is not None and s.taken_at.date() < since]
    base = before[-1] if before else snaps[0]
    notes = []
    if not before and since is not None:
        first = snaps[0].taken_at.date().strftime("%d/%m/%Y") if snaps[0].taken_at else "?"
        notes.append(f"L'observatoire commence le {first} : comparaison avec ce premier instantané.")
    if base is latest:
        notes.append("Aucune nouvelle version des données depuis cette date.")
    out = Evolution(territory, since, None if base is latest else base, latest, notes=notes)
    old = {r["id"]: public_now(r, now) for r in base.resources}
    new = {r["id"]: public_now(r, now) for r in latest.resources if r["id"] in now}  # withdrawn since: closed
    out.opened = [new[i] for i in sorted(new.keys() - old.keys())]
    out.closed = [old[i] for i in sorted(old.keys() - new.keys())]
    out.moved = _moved(old, new, crs=str(latest.payload.get("crs") or "EPSG:2154"))
    out.indicators = indicator_changes(base, latest)
    return out


FINE = ("address", "street")  # precisions that locate more than the commune


def public_view_now(current: Iterable[Resource]) -> dict[str, dict[str, Any]]:
    """The public records of the resources in public view now, by id."""
    return {r.id: public_record(r) for r in current}


def public_now(stored: dict[str, Any], now: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A snapshot's record of a resource as the public may see it today (``now``: the current
    public records by id). Shown today at the commune or not placed (a confidential address):
    today's public position at every date. Not in public view now (withdrawn): name, type and
    commune, no position."""
    cur = now.get(str(stored["id"]))
    if cur is None:
        return {**stored, "lon": None, "lat": None, "precision": None}
    if cur["precision"] not in FINE:
        return {**stored, **{k: cur[k] for k in ("lon", "lat", "precision", "commune", "insee_com")}}
    return stored


def _moved(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], *, crs: str) -> list[dict[str, Any]]:
    """Resources whose public position moved, with the distance in metres (projected ``crs``)."""
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    moved = []
    for rid in sorted(old.keys() & new.keys()):
        a, b = old[rid], new[rid]
        if None in (a["lon"], a["lat"], b["lon"], b["lat"]):
            continue
        (x0, x1), (y0, y1) = to_m.transform([a["lon"], b["lon"]], [a["lat"], b["lat"]])
        d = float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
        if d >= MOVED_FROM_M:
            moved.append(
                {**b, "moved_m": round(d), "from_lon": a["lon"], "from_lat": a["lat"], "from_commune": a["commune"]}
            )
    return moved


def _frame(s: Snapshot) -> pd.DataFrame:
    df = pd.DataFrame(s.qpv_rows)
    return df if not df.empty else pd.DataFrame(columns=[*KEYS, *INDICATORS])


def indicator_changes(base: Snapshot, latest: Snapshot) -> pd.DataFrame:
    """One row per QPV x type x indicator: ``before``, ``after`` and ``diff`` (after - before)."""
    cols = [c for c in INDICATORS if c in _frame(latest).columns]
    a = _frame(base).melt(id_vars=KEYS, value_vars=[c for c in cols if c in _frame(base).columns], var_name="indicator")
    b = _frame(latest).melt(id_vars=KEYS, value_vars=cols, var_name="indicator")
    m = b.merge(a, on=[*KEYS, "indicator"], how="outer", suffixes=("_after", "_before"))
    m = m.rename(columns={"value_before": "before", "value_after": "after"})

    def diff(row: pd.Series) -> Any:
        x, y = row["before"], row["after"]
        if isinstance(x, bool) or isinstance(y, bool) or x is None or y is None or pd.isna(x) or pd.isna(y):
            return None
        return round(float(y) - float(x), 6)

    m["diff"] = m.apply(diff, axis=1) if not m.empty else pd.Series(dtype=float)
    order = {c: i for i, c in enumerate(INDICATORS)}
    m["_o"] = m["indicator"].map(order)
    m = m.sort_values(["resource_type", "_o", "code_qp"]).drop(columns="_o")
    return m[[*KEYS, "indicator", "before", "after", "diff"]].reset_index(drop=True)


def series(db: SqlEngine, territory: str, *, types: list[str] | None = None) -> tuple[list[Snapshot], pd.DataFrame]:
    """The territory's snapshots and the long table: one row per snapshot x QPV x type."""
    snaps = _snapshots(db, territory)
    frames = []
    for s in snaps:
        df = _frame(s)
        keep = [c for c in [*KEYS, *INDICATORS] if c in df.columns]
        df = df[keep].copy()
        df.insert(0, "taken_at", s.taken_at)
        df.insert(0, "snapshot_id", s.id)
        df.insert(2, "data_version", s.data_version)
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    if types:
        table = table[table["resource_type"].isin(types)].reset_index(drop=True)
    return snaps, table
