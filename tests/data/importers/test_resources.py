from pathlib import Path

import pytest

from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.importers.resource_write import write_resources_csv
from geo_clsm.data.importers.resources import import_resources
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource_types import ResourceType


def test_csv_import_every_check(data_dir: Path, metz: tuple[object, dict[str, CommunePoint]]) -> None:
    rep = import_resources(data_dir / "synthetic_resources.csv", communes=metz[1], territory="metz")
    assert rep.is_complete()
    by_id = {r.id: r for r in rep.records}
    assert set(by_id) == {"syn-ok", "syn-l93", "syn-commune", "syn-confidential", "syn-empp"}
    ok = by_id["syn-ok"]
    assert ok.type is ResourceType.CMP_ADULTE and ok.languages == ("fr", "de") and ok.wheelchair is True
    assert ok.audience.age_min == 18 and ok.territory == "metz"
    l93 = by_id["syn-l93"]
    assert l93.position is not None and l93.position.precision is PositionPrecision.STREET
    assert l93.position.lon == pytest.approx(6.20836, abs=1e-5)
    com = by_id["syn-commune"]
    assert com.position is not None and com.position.precision is PositionPrecision.COMMUNE
    conf = by_id["syn-confidential"]
    assert conf.public_properties()["street"] is None
    assert conf.public_position() == conf.commune_position
    assert by_id["syn-empp"].service_area_wkt is not None
    rejected = {r.record_id + f"@{r.row}": (r.field, r.reason) for r in rep.rejected}
    assert rejected["syn-bad-type@7"][0] == "type" and "CLINIQUE" in rejected["syn-bad-type@7"][1]
    assert rejected["syn-bad-date@8"] == ("last_verified", "date invalide : écrire AAAA-MM-JJ")
    assert "inversées" in rejected["syn-swapped@9"][1]
    assert "hors de France" in rejected["syn-abroad@10"][1]
    assert "en double" in rejected["syn-ok@11"][1]
    assert rejected["syn-bad-hours@12"][0] == "opening_hours"
    assert rejected["syn-confidential-nowhere@13"][0] == "insee_com"
    assert "degrés" in rejected["syn-degrees-xy@14"][1]
    assert rejected["syn-bad-bool@15"][0] == "wheelchair"
    assert len(rep.rejected) == 9


def test_geojson_import(data_dir: Path, angouleme: tuple[object, dict[str, CommunePoint]]) -> None:
    rep = import_resources(data_dir / "synthetic_resources.geojson", communes=angouleme[1])
    assert rep.is_complete()
    assert {r.id for r in rep.records} == {"syn-gj-ok", "syn-gj-nogeom"}
    nogeom = next(r for r in rep.records if r.id == "syn-gj-nogeom")
    assert nogeom.position is None
    assert {r.record_id: r.field for r in rep.rejected} == {"syn-gj-line": "geometry", "syn-gj-noname": "name"}


def test_round_trip_through_project_csv(
    tmp_path: Path, data_dir: Path, metz: tuple[object, dict[str, CommunePoint]]
) -> None:
    rep = import_resources(data_dir / "synthetic_resources.csv", communes=metz[1], territory="metz")
    out = tmp_path / "out.csv"
    write_resources_csv(rep.records, out)
    again = import_resources(out, communes=metz[1])
    assert not again.rejected
    assert [r.model_dump() for r in again.records] == [r.model_dump() for r in rep.records]


def test_missing_header_columns(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("id,name\nx,y\n")
    rep = import_resources(p)
    assert rep.rejected[0].row == 0 and "type" in rep.rejected[0].reason


def test_unsupported_format(tmp_path: Path) -> None:
    p = tmp_path / "r.xlsx"
    p.write_bytes(b"PK")
    assert "non pris en charge" in import_resources(p).rejected[0].reason
