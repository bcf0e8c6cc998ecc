"""Coverage of the France-wide indicators: a type listed only by a local registry gets figures
only in that territory, and null values with the French ``coverage`` label everywhere else, in
every output (tables, QPV, departments, France, GPKG, summary). Checked on the reduced synthetic
France of ``test_national_gaps`` (every commune, layer and resource synthetic, named so), and
the shipped manifest's claims against the shipped data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo_clsm.access.national import NationalResult, compute_national
from geo_clsm.access.national_coverage import UNCOVERED, Coverage
from geo_clsm.access.national_io import NationalRun, write_national
from geo_clsm.access.params import AccessParams
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.manifest import read_manifest
from geo_clsm.model.errors import LayerError
from geo_clsm.model.resource_types import ResourceType
from tests.access.test_national_gaps import (
    PILOT_COMMUNES,
    TYPES,
    _brute_force,
    _communes,
    synthetic_national_catalog,
)
from tests.conftest import LAYERS

PILOT_LABEL = "registre local (synthetic_Pilot)"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return synthetic_national_catalog(tmp_path_factory.mktemp("coverage"))


@pytest.fixture(scope="module")
def result(synthetic: Catalog) -> NationalResult:
    return compute_national(synthetic, types=TYPES)


@pytest.fixture(scope="module")
def run(result: NationalResult, tmp_path_factory: pytest.TempPathFactory) -> NationalRun:
    out = tmp_path_factory.mktemp("coverage_run") / "gaps_france"
    write_national(result, out, params=AccessParams(), seconds=1.0)
    return NationalRun(out)


def test_local_type_has_values_inside_its_territory_only(result: NationalResult, synthetic: Catalog) -> None:
    gem = result.indicators[result.indicators["resource_type"] == "GEM"].set_index("insee_com")
    inside = gem.loc[sorted(PILOT_COMMUNES)]
    outside = gem.drop(index=sorted(PILOT_COMMUNES))
    assert inside["covered"].all() and (inside["coverage"] == f"recensé : {PILOT_LABEL}").all()
    # Inside: the distances to every GEM of the zone (outside the pilot too: supply counts where
    # it is), as an independent KD-tree over independently sampled cells gives them.
    ref = _brute_force(synthetic, result, ResourceType.GEM).loc[inside.index]
    np.testing.assert_allclose(inside["mean_m"], ref["mean"], rtol=1e-9)
    assert inside[["p50_m", "within_1000m_share", "sfca"]].notna().all().all()
    # Outside, even in La Réunion, which has a GEM: no figure, and the reason.
    assert len(outside) == 16 and not outside["covered"].any()
    assert (outside["coverage"] == UNCOVERED).all()
    for col in (
        "mean_m",
        "p50_m",
        "p90_m",
        "max_m",
        "within_500m_share",
        "within_1000m_share",
        "sfca",
        "walk_minutes_mean",
    ):
        assert outside[col].isna().all(), col
    assert outside.loc["97998", "n_resources_zone"] == 1  # the island's GEM is there, not measured


def test_types_of_the_national_layer_are_covered_everywhere(result: NationalResult) -> None:
    cmp = result.indicators[result.indicators["resource_type"] == "CMP"]
    assert cmp["covered"].all() and (cmp["coverage"] == "recensé : couche nationale").all()
    assert cmp["mean_m"].notna().all()


def test_qpv_follow_their_commune(result: NationalResult) -> None:
    q = result.qpv.set_index(["code_qp", "resource_type"])
    main, reunion = q.loc[("QN099SYN1", "GEM")], q.loc[("QN974SYN2", "GEM")]
    assert main["covered"] and main["mean_m"] > 0 and main["zone_blanche"] in (True, False)
    assert not reunion["covered"] and reunion["coverage"] == UNCOVERED
    assert pd.isna(reunion["mean_m"]) and pd.isna(reunion["sfca"]) and pd.isna(reunion["zone_blanche"])
    assert q.loc[("QN974SYN2", "CMP"), "covered"]


def test_summary_france_and_departments_reflect_it(result: NationalResult, run: NationalRun) -> None:
    com = _communes()
    pop = com.set_index("insee_com")["population_municipale"].astype(float)
    share = pop.loc[sorted(PILOT_COMMUNES)].sum() / pop.sum()
    cov = {r["resource_type"]: r for r in run.summary["coverage"]}
    assert cov["GEM"]["covered_everywhere"] is False and cov["GEM"]["covered_by"] == [PILOT_LABEL]
    assert cov["GEM"]["n_communes_covered"] == 8
    assert cov["GEM"]["coverage_share"] == pytest.approx(share)
    assert cov["CMP"]["covered_everywhere"] and cov["CMP"]["covered_by"] == ["couche nationale"]
    france = {r["resource_type"]: r for r in run.summary["france"]}
    assert france["GEM"]["mean_m"] is None and france["GEM"]["covered"] is False
    assert france["GEM"]["coverage"].startswith("recensé seulement sur une partie (26 % de la population)")
    assert france["CMP"]["mean_m"] > 0 and france["CMP"]["coverage"] == "recensé"
    assert any(
        n.startswith(f"GEM : recensé de façon exhaustive seulement par {PILOT_LABEL}") for n in run.summary["notes"]
    )
    deps = run.table("departements").set_index(["dep", "resource_type"])
    part = pop.loc[sorted(PILOT_COMMUNES)].sum() / pop[com.set_index("insee_com")["dep"] == "99"].sum()
    assert pd.isna(deps.loc[("99", "GEM"), "mean_m"]) and deps.loc[("99", "GEM"), "coverage_share"] == pytest.approx(
        part
    )
    assert deps.loc[("98", "GEM"), "coverage"] == UNCOVERED and not deps.loc[("98", "GEM"), "covered"]
    assert deps.loc[("99", "CMP"), "covered"] and deps.loc[("99", "CMP"), "mean_m"] > 0


def test_every_file_carries_the_coverage(run: NationalRun) -> None:
    gpkg = run.dir / "gaps_france.gpkg"
    for layer in ("indicateurs_communes", "qpv", "departements"):
        frame = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False)
        assert {"covered", "coverage"} <= set(frame.columns), layer
        gem = frame[frame["resource_type"] == "GEM"]
        assert UNCOVERED in set(gem["coverage"]), layer
    summary = json.loads((run.dir / "summary.json").read_text())
    assert summary["format_version"] == 2 and summary["coverage"]


def test_a_type_no_layer_covers_is_never_measured(synthetic: Catalog) -> None:
    out = compute_national(synthetic, types=[ResourceType.GEM], coverage=Coverage(()))
    ind = out.indicators
    assert not ind["covered"].any() and ind["mean_m"].isna().all() and ind["sfca"].isna().all()
    assert out.summary["coverage"][0]["covered_by"] == []


def test_shipped_claims_are_backed_by_the_shipped_data(catalog: Catalog) -> None:
    """The claims of layers/manifest.toml, loaded (``catalog``: the shipped layers)."""
    cov = Coverage.from_catalog(catalog)
    by = {c.territory: c for c in cov.claims}
    assert by["france"].communes is None and "CSAPA" not in by["france"].types and "HDJ" not in by["france"].types
    assert {"CSAPA", "MDA", "PAEJ"} <= by["metz"].types and "GEM" not in by["metz"].types
    assert "GEM" in by["angouleme"].types and "CSAPA" not in by["angouleme"].types
    assert by["metz"].communes is not None and len(by["metz"].communes) == 46
    assert cov.problems(catalog.resources) == []


def _manifest_with(tmp_path: Path, old: str, new: str) -> Path:
    for sub in ("pilots", "france"):
        (tmp_path / sub).symlink_to(LAYERS / sub)
    text = (LAYERS / "manifest.toml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "manifest.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ('covers_types = ["CMP", "CMP_ADULTES"]', "type(s) inconnu(s) CMP_ADULTES"),
        ('covers_types = { metz = ["GEM"] }', "covers_types nomme metz"),
        ('covers_types = ["LIGNE_ECOUTE"]', "type(s) inconnu(s) LIGNE_ECOUTE"),
    ],
)
def test_manifest_claims_are_checked(tmp_path: Path, new: str, words: str) -> None:
    data = _manifest_with(tmp_path, 'covers_types = ["CMP", "CMP_ADULTE", "CMP_ENFANT", "CATTP", "HOPITAL_PSY"]', new)
    with pytest.raises(LayerError) as err:
        read_manifest(data)
    assert any(words in p for p in err.value.problems), err.value.problems


def test_a_full_finess_extract_in_service_covers_csapa_and_cmpp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``data update --source finess`` (categories 189 and 197 included), the national
    layer claims CMPP and CSAPA; the pilots' claims are unchanged."""
    from datetime import UTC, datetime

    from geo_clsm.data import manifest
    from geo_clsm.data.versions import Version, VersionStore

    update = Version(
        "v1", "finess", datetime(2026, 11, 1, tzinfo=UTC), "https://example.org/finess.csv", tmp_path / "f.csv", "0", {}
    )
    monkeypatch.setattr(VersionStore, "in_service", lambda self: {"finess": update})
    layers, _ = read_manifest(None)
    served = manifest.with_versions(layers, tmp_path)
    assert {"CSAPA", "CMPP"} <= served["gisco_healthcare_fr_2020"].types_covered("france")
    assert "CSAPA" not in layers["gisco_healthcare_fr_2020"].types_covered("france")
    assert served["resources_pilots"].covers_types == layers["resources_pilots"].covers_types


def test_a_qpv_over_two_communes_is_covered_only_if_both_are() -> None:
    from geo_clsm.access.national_coverage import mask_qpv

    cover = Coverage.everywhere(["GEM"]).table(["99000", "99100"], [ResourceType.GEM])
    cover.loc[cover["insee_com"] == "99100", ["covered", "coverage"]] = [False, UNCOVERED]
    table = pd.DataFrame(
        {
            "code_qp": ["QN_SYN_A", "QN_SYN_B"],
            "insee_com": ["99000", "99000, 99100"],
            "resource_type": ["GEM", "GEM"],
            "mean_m": [120.0, 340.0],
            "zone_blanche": [False, True],
        }
    )
    out = mask_qpv(table, cover).set_index("code_qp")
    assert out.loc["QN_SYN_A", "covered"] and out.loc["QN_SYN_A", "mean_m"] == 120.0
    assert not out.loc["QN_SYN_B", "covered"] and out.loc["QN_SYN_B", "coverage"] == UNCOVERED
    assert pd.isna(out.loc["QN_SYN_B", "mean_m"]) and pd.isna(out.loc["QN_SYN_B", "zone_blanche"])
