from pathlib import Path

import pytest

from geo_clsm.data.importers.finess import import_finess
from geo_clsm.data.importers.finess_common import CommuneChecker
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource_types import ResourceType


def test_stock_layout_latin1(
    data_dir: Path, metz_checker: CommuneChecker, metz: tuple[object, dict[str, CommunePoint]]
) -> None:
    raw = (data_dir / "synthetic_finess_stock.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is Latin-1
    rep = import_finess(
        data_dir / "synthetic_finess_stock.csv", checker=metz_checker, communes=metz[1], territory="metz"
    )
    assert rep.is_complete()
    by_id = {r.finess_et: r for r in rep.records}
    cmp_child = by_id["570900001"]
    assert cmp_child.type is ResourceType.CMP_ENFANT
    assert cmp_child.name == "CMP ENFANTS ET ADOLESCENTS TEST SYNTHÉTIQUE"  # accents decoded
    assert cmp_child.insee_com == "57463"
    assert cmp_child.street == "20 RUE GAMBETTA"
    assert cmp_child.postcode == "57000"
    assert cmp_child.phone == "03 87 00 00 00"
    assert cmp_child.position is not None
    assert cmp_child.position.lon == pytest.approx(6.17594, abs=1e-5)
    assert cmp_child.position.lat == pytest.approx(49.11022, abs=1e-5)
    assert by_id["570900002"].type is ResourceType.CATTP
    cmpp = by_id["570900007"]  # no geolocalisation line: placed at its town hall
    assert cmpp.type is ResourceType.CMPP
    assert cmpp.position is not None and cmpp.position.precision is PositionPrecision.COMMUNE
    rejected = {(r.row, r.field): r.reason for r in rep.rejected}
    assert "ligne tronquée" in rejected[(7, "ligne")]
    assert "sans ligne structureet" in rejected[(16, "nofinesset")]
    assert "inversés" in rejected[(14, "coordxet,coordyet")]
    assert "degrés" in rejected[(15, "coordxet,coordyet")]
    assert "illisible" in rejected[(10, "datemaj")]
    excluded = {r.record_id: r.reason for r in rep.excluded}
    assert "hors santé mentale" in excluded["570900003"]
    assert "km de sa commune" in excluded["570900008"]
    assert rep.imported == 3


def test_stock_layout_without_checker_keeps_far_point(data_dir: Path) -> None:
    rep = import_finess(data_dir / "synthetic_finess_stock.csv")
    ids = {r.finess_et for r in rep.records}
    assert "570900008" in ids
    cmpp = next(r for r in rep.records if r.finess_et == "570900007")
    assert cmpp.position is None  # no town halls given: no position, said in a warning
    assert any("570900007" in w for w in rep.warnings)


def test_wide_layout(data_dir: Path, angouleme: tuple[object, dict[str, CommunePoint]]) -> None:
    rep = import_finess(data_dir / "synthetic_finess_wide.csv", communes=angouleme[1])
    assert rep.is_complete()
    assert rep.imported == 1
    r = rep.records[0]
    assert r.type is ResourceType.CMP_ADULTE
    assert r.insee_com == "16015"
    assert r.street == "40 BOULEVARD DE LA REPUBLIQUE"
    assert r.position is not None and r.position.lat == pytest.approx(45.65145, abs=1e-5)
    assert [x.row for x in rep.rejected] == [4]
    assert "Pharmacie" in rep.excluded[0].reason


def test_report_format_lists_each_rejection(data_dir: Path) -> None:
    text = import_finess(data_dir / "synthetic_finess_stock.csv").format()
    assert "lignes lues : 10" in text
    assert "ligne 7 — champ ligne" in text
    assert "ligne 16 [570999999]" in text


def test_overseas_coordinates_use_the_departments_crs(data_dir: Path) -> None:
    rep = import_finess(data_dir / "synthetic_finess_overseas.csv")
    assert rep.imported == 1 and not rep.rejected
    r = rep.records[0]
    assert r.insee_com == "97411"
    assert r.position is not None and "EPSG:2975" in r.position.source
    assert r.position.lon == pytest.approx(55.45, abs=1e-5)
    assert r.position.lat == pytest.approx(-20.88, abs=1e-5)
