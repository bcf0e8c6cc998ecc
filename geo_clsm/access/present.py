"""Figures as users see them: rounded once, here, for the API, exports, tooltips and tables.

Rounded to what they mean: metres to 10 m, shares to 1 %, walking minutes to the minute,
ratios to 2 decimals, 2SFCA scores to 3 significant digits; never float noise. Columns
``<name>_before``, ``<name>_after`` and ``<name>_diff`` follow ``<name>``'s rule.
:func:`format_fr` writes one presented value in French (the planner's table and tooltips).
"""

from __future__ import annotations

import math
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

SUFFIXES = ("_before", "_after", "_diff")
Frame = TypeVar("Frame", bound=pd.DataFrame)
INT_COLUMNS = {"n_sample_points", "n_resources", "n_resources_relied", "n_unknown_audience", "gap_rank"}


def _base(col: str) -> str:
    for s in SUFFIXES:
        if col.endswith(s):
            return col[: -len(s)]
    return col


def rule(col: str) -> str | None:
    """The rounding rule of a column: "metres", "share", "minutes", "ratio", "score", "count" or None."""
    base = _base(col)
    if base.endswith("_share"):
        return "share"
    if base.endswith("_m"):
        return "metres"
    if base == "walk_minutes_mean":
        return "minutes"
    if base == "equity_ratio_mean":
        return "ratio"
    if base in ("sfca", "sfca_per_10k"):
        return "score"
    if base in INT_COLUMNS or base.startswith("count_within_"):
        return "count"
    return None


def significant(v: float, digits: int = 3) -> float:
    """``v`` rounded to ``digits`` significant digits (0, NaN and infinities as they are)."""
    if not math.isfinite(v) or v == 0:
        return 0.0 if v == 0 else v
    return round(v, digits - 1 - math.floor(math.log10(abs(v))))


def round_series(s: pd.Series, kind: str) -> pd.Series:
    """One column rounded by its rule (integers as nullable ``Int64``)."""
    x = pd.to_numeric(s, errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan)
    if kind == "metres":
        return ((x / 10).round() * 10).astype("Int64")
    if kind in ("minutes", "count"):
        return x.round().astype("Int64")
    if kind == "share":
        return x.round(2)
    if kind == "ratio":
        return x.round(2)
    return x.map(lambda v: v if pd.isna(v) else significant(float(v)))


def present(df: Frame) -> Frame:
    """A copy of an indicator table (or GeoDataFrame) with every known column rounded by its rule."""
    out = cast(Frame, df.copy())
    for col in out.columns:
        kind = rule(str(col))
        if kind is not None:
            out[col] = round_series(out[col], kind)
    return out


def format_fr(col: str, v: Any) -> str:
    """A presented value written in French, with its unit (— when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "—"
    if isinstance(v, bool | np.bool_):
        return "oui" if v else "non"
    kind = rule(col)
    if kind == "metres":
        return f"{int(v):,} m".replace(",", "\u202f")
    if kind == "share":
        return f"{round(float(v) * 100):d} %"
    if kind == "minutes":
        return f"{int(v)} min"
    if kind == "count":
        return str(int(v))
    if kind in ("ratio", "score"):
        return f"{float(v):g}".replace(".", ",")
    return str(v)
