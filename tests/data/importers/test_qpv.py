from pathlib import Path

import geopandas as gpd
import shapely

from geo_clsm.data.importers.qpv import import_qpv


def test_anct_file_filtered_repaired_and_rejected(data_dir: Path, metz: tuple[gpd.GeoDataFrame, object]) -> None:
    codes = set(metz[0]["insee_com"])
    gdf, rep = import_qpv(data_dir / "synthetic_qpv_anct.geojson", communes=codes, territory="metz")
    assert rep.is_complete()
    assert list(gdf["code_qp"]) == ["QN05799A", "QN05799C"]
    assert gdf.crs.to_epsg() == 4326
    assert shapely.is_valid(gdf.geometry.values).all()
    assert any("réparée" in w for w in rep.warnings)
    rejected = {r.record_id: (r.row, r.field, r.reason) for r in rep.rejected}
    assert rejected["QN05799D"][1:] == ("geometry", "géométrie vide : fournir un polygone")
    assert rejected["XX123"][1] == "code_qp"
    assert "inversées" in rejected["QN05799E"][2]
    assert [r.record_id for r in rep.excluded] == ["QN05799B"]


def test_gpkg_in_lambert93_is_read(tmp_path: Path, data_dir: Path) -> None:
    src = gpd.read_file(data_dir / "synthetic_qpv_anct.geojson").iloc[[0]]
    out = tmp_path / "qpv.gpkg"
    src.to_crs(2154).to_file(out)
    gdf, rep = import_qpv(out)
    assert rep.imported == 1
    assert gdf.geometry.iloc[0].bounds[0] == __import__("pytest").approx(6.17, abs=1e-6)


def test_missing_fields_reject_every_row(tmp_path: Path) -> None:
    p = tmp_path / "bad.geojson"
    p.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nom":"x"},'
        '"geometry":{"type":"Point","coordinates":[6.1,49.1]}}]}'
    )
    gdf, rep = import_qpv(p)
    assert gdf.empty
    assert rep.rows_read == 1 and "code_qp" in rep.rejected[0].reason


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "x.geojson"
    p.write_text("not json")
    _, rep = import_qpv(p)
    assert rep.rejected[0].row == 0 and "illisible" in rep.rejected[0].reason
