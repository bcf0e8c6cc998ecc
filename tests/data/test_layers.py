import shutil
from collections import Counter
from pathlib import Path

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.layers import load_catalog
from geo_clsm.data.manifest import read_manifest
from geo_clsm.model.errors import LayerError
from geo_clsm.model.position import PositionPrecision

LAYERS = Path(__file__).resolve().parents[2] / "layers"


def test_shipped_catalog(catalog: Catalog) -> None:
    counts = catalog.counts()["resources_by_territory"]
    assert counts["metz"] == 20 and counts["angouleme"] == 15
    assert counts["france"] > 3500
    assert set(catalog.qpv["territory"]) == {"metz", "angouleme"}
    assert len(catalog.qpv) == 13 and catalog.qpv["code_qp"].str.match(r"^QN").all()
    assert set(catalog.communes.loc[catalog.communes.territory == "metz", "insee_com"]) >= {"57463", "57480"}
    assert (catalog.communes.territory == "metz").sum() == 46
    assert (catalog.communes.territory == "angouleme").sum() == 38
    assert catalog.communes.territory.eq("france").is_monotonic_increasing  # pilot communes first


def test_every_record_carries_source_date_and_precision(catalog: Catalog) -> None:
    for r in catalog.resources:
        assert r.source and r.last_verified
        assert r.public_properties()["position_precision"] in {p.value for p in PositionPrecision}


def test_one_place_one_record(catalog: Catalog) -> None:
    finess = Counter(r.finess_et for r in catalog.resources if r.finess_et and r.territory == "france")
    assert max(finess.values()) == 1
    curated = {r.finess_et for r in catalog.resources if r.territory != "france" and r.finess_et}
    national = {r.finess_et for r in catalog.resources if r.territory == "france"}
    assert not curated & national
    assert ("finess-570012898", "metz-cmp-cattp-adultes-gambetta") in catalog.replaced


def test_wrong_points_are_not_public(catalog: Catalog) -> None:
    # FINESS 570001016 (CHS Jury) is placed at the centre of France by GISCO.
    assert "finess-570001016" not in catalog.resources_by_id
    rep = catalog.reports["france:gisco_healthcare_fr_2020"]
    reasons = {r.record_id: r.reason for r in rep.excluded}
    assert "centre de la France" in reasons["570001016"]
    assert rep.is_complete()
    smpr = [r for r in rep.excluded if "pénitentiaire" in r.reason]
    assert len(smpr) == 27


def test_manifest_problems_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text(
        """
[[layer]]
id = "a"
path = "missing.geojson"
kind = "communes"
format = "communes"
source = "s"
licence = "l"
vintage = "v"
crs = "EPSG:4326"
fields = []

[[layer]]
id = "b"
kind = "qpv"

[[territory]]
id = "t"
name = "T"
layers = ["a", "zzz"]
""",
        encoding="utf-8",
    )
    with pytest.raises(LayerError) as exc:
        read_manifest(tmp_path)
    problems = exc.value.problems
    assert any("fichier absent missing.geojson" in p for p in problems)
    assert any("clés manquantes" in p for p in problems)
    assert any("couche inconnue zzz" in p for p in problems)
    assert any("epci_siren requis" in p for p in problems)


def test_a_third_territory_is_configuration(tmp_path: Path, data_dir: Path) -> None:
    shutil.copytree(LAYERS / "pilots", tmp_path / "pilots")
    (tmp_path / "cognac").mkdir()
    shutil.copy(data_dir / "synthetic_resources.geojson", tmp_path / "cognac" / "synthetic_resources.geojson")
    manifest = (LAYERS / "manifest.toml").read_text(encoding="utf-8")
    manifest = manifest.split('[[layer]]\nid = "communes_france"')[0]
    manifest += """
[[layer]]
id = "cognac_synthetic_resources"
path = "cognac/synthetic_resources.geojson"
kind = "resources"
format = "resources"
source = "synthetic test fixture"
licence = "n/a"
vintage = "2026"
crs = "EPSG:4326"
fields = ["id", "type", "name"]

[[layer]]
id = "cognac_synthetic_population"
path = "cognac/synthetic_population.geojson"
kind = "population"
format = "points"
value_field = "ind"
cell_m = 200
source = "synthetic test fixture"
licence = "n/a"
vintage = "2026"
crs = "EPSG:4326"
fields = ["ind"]

[[territory]]
id = "cognac"
name = "Grand Cognac (test)"
epci_siren = "200070514"
layers = ["qpv2024_pilots", "communes_57_16", "mairies_57_16", "cognac_synthetic_resources", "cognac_synthetic_population"]
"""
    (tmp_path / "manifest.toml").write_text(manifest, encoding="utf-8")
    # Synthetic population points: two in Cognac (16102), one in Angoulême (outside the territory).
    (tmp_path / "cognac" / "synthetic_population.geojson").write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"ind":120},"geometry":{"type":"Point","coordinates":[-0.3285,45.6958]}},'
        '{"type":"Feature","properties":{"ind":80},"geometry":{"type":"Point","coordinates":[-0.3300,45.6900]}},'
        '{"type":"Feature","properties":{"ind":999},"geometry":{"type":"Point","coordinates":[0.1560,45.6487]}}]}',
        encoding="utf-8",
    )
    cat = load_catalog(tmp_path, territories=["cognac"])
    assert cat.population is not None and sorted(cat.population["population"]) == [80.0, 120.0]
    assert (cat.communes.territory == "cognac").sum() == 54
    assert cat.qpv.empty  # no QPV in Grand Cognac
    assert cat.counts()["resources"] == 2


def test_unknown_territory() -> None:
    with pytest.raises(LayerError, match="territoire inconnu"):
        load_catalog(LAYERS, territories=["lyon"])
