"""The report's figures: per-10k on a synthetic territory with known counts and populations, and, on
the shipped layers, every access figure equal to the access engine's and supply counts equal to an
independent count."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geo_clsm.access.present import present
from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.report.figures import compute_figures, report_figures
from geo_clsm.documents.report.render import report_html
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.resource_types import PLACE_TYPES
from tests.documents.synthetic_report import (
    CONFIDENTIAL_STREET,
    INTERNAL_NOTE,
    TERRITORY,
    synthetic_catalog,
    synthetic_national,
)

TODAY = date(2026, 11, 23)


def _row(rows: list[dict[str, Any]], scope: str, code: str, rtype: str, layer: str | None = None) -> dict[str, Any]:
    hits = [
        r
        for r in rows
        if r["scope"] == scope and r["code"] == code and r["type"] == rtype and (layer is None or r["layer"] == layer)
    ]
    assert len(hits) == 1, (scope, code, rtype, layer, hits)
    return hits[0]


@pytest.fixture(scope="module")
def synthetic() -> Any:
    return compute_figures(
        synthetic_catalog(), territory=TERRITORY, access=None, national=synthetic_national(), generated_on=TODAY
    )


@pytest.mark.parametrize(
    ("scope", "code", "rtype", "layer", "count", "per_10k"),
    [
        # Directory: 3 CMP adultes in A (20,000 inh.), a GEM in A, a CATTP in B (5,000 inh.).
        ("territory", TERRITORY, "CMP_ADULTE", "annuaire", 3, 1.2),
        ("territory", TERRITORY, "CMP", "annuaire", 3, 1.2),  # "CMP" covers the adult CMPs
        ("territory", TERRITORY, "GEM", "annuaire", 1, 0.4),
        ("territory", TERRITORY, "CATTP", "annuaire", 1, 0.4),
        ("commune", "57991", "CMP_ADULTE", "annuaire", 3, 1.5),
        ("commune", "57992", "CMP_ADULTE", "annuaire", 0, 0.0),
        ("commune", "57992", "CATTP", "annuaire", 1, 2.0),
        ("commune", "57991", "GEM", "annuaire", 1, 0.5),
        # QPV: by public position; the confidential CMP counts at its town hall, outside the QPV.
        ("qpv", "QN99901S", "CMP_ADULTE", "annuaire", 1, None),
        ("qpv", "QN99901S", "GEM", "annuaire", 1, None),
        ("qpv", "QN99901S", "CATTP", "annuaire", 0, None),
        # Comparison: the national layer everywhere. 2 in the territory (25,000), 5 in the
        # department (100,000), 10 in France (1,000,000).
        ("territory", TERRITORY, "CMP_ADULTE", "synthetic_national", 2, 0.8),
        ("department", "57", "CMP_ADULTE", "synthetic_national", 5, 0.5),
        ("france", "FR", "CMP_ADULTE", "synthetic_national", 10, 0.1),
        ("department", "57", "GEM", "synthetic_national", 0, 0.0),
    ],
)
def test_synthetic_counts_and_rates(
    synthetic: Any, scope: str, code: str, rtype: str, layer: str, count: int, per_10k: float | None
) -> None:
    row = _row(synthetic.supply, scope, code, rtype, layer)
    assert row["count"] == count
    assert row["per_10k"] == per_10k


def test_synthetic_territory_facts(synthetic: Any) -> None:
    assert synthetic.population == 25_000
    assert [d["population"] for d in synthetic.departments] == [100_000]
    assert [q["code_qp"] for q in synthetic.qpv] == ["QN99901S"]
    assert synthetic.types == ["CMP_ADULTE", "CMP", "CATTP", "GEM"]  # the guide's order, types present only
    body = synthetic.to_json()
    assert set(body) == {
        "territory",
        "population",
        "supply",
        "access",
        "sources",
        "indicators",
        "sectors",
        "waits",
        "freshness",
    }
    assert all(set(r) == {"scope", "code", "type", "count", "per_10k", "layer"} for r in body["supply"])
    layers = {s["layer"] for s in body["sources"]}
    assert {"annuaire", "synthetic_national", "synthetic_communes", "synthetic_qpv"} <= layers


def test_without_national_layer_no_comparison() -> None:
    fig = compute_figures(synthetic_catalog(), territory=TERRITORY, access=None, national=None, generated_on=TODAY)
    assert not fig.rows("department") and not fig.rows("france")
    assert any("Pas de couche nationale" in m for m in fig.method)


def test_unknown_territory_is_a_french_404() -> None:
    with pytest.raises(NotFoundError, match="sans diagnostic"):
        compute_figures(synthetic_catalog(), territory="atlantis", access=None, national=None, generated_on=TODAY)


def test_confidential_address_never_printed() -> None:
    catalog = synthetic_catalog()
    fig = compute_figures(catalog, territory=TERRITORY, access=None, national=synthetic_national(), generated_on=TODAY)
    html = report_html(catalog, fig)
    assert CONFIDENTIAL_STREET not in html and INTERNAL_NOTE not in html
    assert "Territoire synthétique" in html and "Quartier Synthétique" in html


# --- the shipped layers: figures equal the engine's and an independent count -----------------------


@pytest.fixture(scope="module")
def metz(catalog: Catalog, engine: Engine) -> Any:
    return report_figures(catalog, territory="metz", access=engine.access["metz"], generated_on=TODAY)


def test_access_figures_are_the_engines(metz: Any, engine: Engine) -> None:
    table = present(pd.DataFrame(engine.access["metz"].qpv.drop(columns="geometry")))
    rows = metz.rows("qpv", part="access")
    assert len(rows) == len(table[table["resource_type"].isin(metz.types)])
    columns = ["mean_m", "p90_m", "within_1000m_share", "gap_rank", "zone_blanche", "equity_ratio_mean", "sfca_per_10k"]
    for r in rows:
        e = table[(table["code_qp"] == r["code"]) & (table["resource_type"] == r["type"])].iloc[0]
        for c in columns:
            assert r[c] == (None if pd.isna(e[c]) else e[c]), (r["code"], r["type"], c)
    rest = present(engine.access["metz"].rest)
    for r in metz.rows("qpv_ensemble", part="access"):
        e = rest[(rest["zone"] == "qpv") & (rest["resource_type"] == r["type"])].iloc[0]
        assert r["equity_ratio_mean"] == e["equity_ratio_mean"]
    communes = present(engine.access["metz"].communes)
    for r in metz.rows("commune", part="access"):
        e = communes[(communes["insee_com"] == r["code"]) & (communes["resource_type"] == r["type"])].iloc[0]
        assert r["sfca_per_10k"] == e["sfca_per_10k"]


def test_supply_counts_equal_an_independent_count(metz: Any, catalog: Catalog, engine: Engine) -> None:
    communes = catalog.communes[catalog.communes["territory"] == "metz"]
    pop = dict(zip(communes["insee_com"], communes["population_municipale"], strict=True))
    places = [r for r in catalog.resources if r.type in PLACE_TYPES and r.insee_com in pop]
    for t in metz.types:
        by_commune = pd.Series([r.insee_com for r in places if r.matches_type(t)], dtype=object).value_counts()
        total = int(by_commune.sum())
        row = _row(metz.supply, "territory", "metz", t, "annuaire")
        assert row["count"] == total
        assert row["per_10k"] == pytest.approx(total / sum(pop.values()) * 10_000, rel=5e-3)
        for code, n in by_commune.items():
            assert _row(metz.supply, "commune", str(code), t, "annuaire")["count"] == n
    # QPV membership: the engine's locator (public positions) against our rows.
    for q in metz.qpv:
        inside = [r for r in places if (engine.resource_qpv.get(r.id) or ("", ""))[0] == q["code_qp"]]
        for t in metz.types:
            assert _row(metz.supply, "qpv", q["code_qp"], t)["count"] == sum(1 for r in inside if r.matches_type(t))


def test_france_population_is_the_national_layers(metz: Any, catalog: Catalog, tmp_path: Path) -> None:
    plain = tmp_path / "communes_france.gpkg"  # read by GDAL directly, not by the project's reader
    plain.write_bytes(gzip.decompress((catalog.data_dir / "france" / "communes_france.gpkg.gz").read_bytes()))
    table = gpd.read_file(plain, ignore_geometry=True)
    france = _row(metz.supply, "france", "FR", "CMP", metz.national_layer)
    assert france["population"] == int(table["population_municipale"].sum())
    moselle = _row(metz.supply, "department", "57", "CMP", metz.national_layer)
    assert moselle["population"] == int(table.loc[table["dep"] == "57", "population_municipale"].sum())
