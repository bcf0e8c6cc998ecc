"""The territorial diagnostic report: figures (pure data), charts, HTML / PDF, comparison.

:func:`report_figures` computes every figure once (:mod:`.figures`); the HTML and PDF
(:mod:`.render`) and the API's JSON read the same :class:`ReportFigures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from geo_clsm.access.params import AccessResult
from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.report.figures import ReportFigures, check_territory, compute_figures, report_territories
from geo_clsm.documents.report.national import National, load_national

__all__ = [
    "National",
    "ReportFigures",
    "check_territory",
    "compute_figures",
    "load_national",
    "report_figures",
    "report_territories",
]


def report_figures(
    catalog: Catalog,
    *,
    territory: str,
    access: AccessResult | None,
    generated_on: date,
    indicators: Sequence[dict[str, Any]] = (),
) -> ReportFigures:
    """Every figure of ``territory``'s report, with the national reference of ``catalog``'s layers."""
    check_territory(catalog, territory)
    return compute_figures(
        catalog,
        territory=territory,
        access=access,
        national=load_national(catalog),
        generated_on=generated_on,
        indicators=indicators,
    )
