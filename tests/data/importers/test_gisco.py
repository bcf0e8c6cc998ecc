from pathlib import Path

from geo_clsm.data.importers.finess_common import (
    CommuneChecker,
    department_of_postcode,
    format_phone,
    type_from_category,
)
from geo_clsm.data.importers.gisco import import_gisco
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource_types import ResourceType


def test_gisco_import_with_checks(data_dir: Path, metz_checker: CommuneChecker) -> None:
    rep = import_gisco(data_dir / "synthetic_gisco.csv", checker=metz_checker)
    assert rep.is_complete()
    by_id = {r.finess_et: r for r in rep.records}
    assert set(by_id) == {"570900101", "570900107"}
    cmp_ = by_id["570900101"]
    assert cmp_.type is ResourceType.CMP_ENFANT
    assert cmp_.phone == "03 87 00 00 00"
    assert cmp_.website == "https://www.example.org"
    assert cmp_.insee_com == "57463"
    assert cmp_.position is not None and cmp_.position.precision is PositionPrecision.ADDRESS
    assert by_id["570900107"].type is ResourceType.HDJ  # CHS unit typed from its name
    reasons = {r.record_id: r.reason for r in rep.excluded}
    assert "pénitentiaire" in reasons["570900102"]
    assert "hors santé mentale" in reasons["570900103"]
    assert "centre de la France" in reasons["570900104"]
    assert "inversées" in reasons["570900105"]
    assert "km de sa commune" in reasons["570900106"]
    assert [r.record_id for r in rep.rejected] == ["570900108"]


def test_gisco_without_checker_warns(data_dir: Path) -> None:
    rep = import_gisco(data_dir / "synthetic_gisco.csv")
    assert rep.warnings and "bornes" in rep.warnings[0]
    assert "570900106" in {r.finess_et for r in rep.records}  # not checkable without communes


def test_helpers() -> None:
    assert department_of_postcode("20000") == "2A"
    assert department_of_postcode("20200") == "2B"
    assert department_of_postcode("97400") == "974"
    assert format_phone("387563939") == "03 87 56 39 39"
    assert format_phone("12") is None
    assert type_from_category("156", "CMP ADULTES DE METZ") is ResourceType.CMP_ADULTE
    assert type_from_category("156", "CMP DE SOYAUX") is ResourceType.CMP
    assert type_from_category("292", "CATTP LES TILLEULS") is ResourceType.CATTP
    assert type_from_category("292", "CENTRE HOSPITALIER SPECIALISE") is ResourceType.HOPITAL_PSY
    assert type_from_category("355", "CH") is None
