"""The sectors import (CSV + GeoJSON polygons): the fixture reads back, every kind of bad row is
refused with its row, field and French reason, and nothing is kept from a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.sectors import (
    SECTOR_COLUMNS,
    SectorContext,
    import_sectors,
    sectors_csv,
    sectors_polygons,
)
from tests.sector_fixtures import SECTORS_CSV, SECTORS_GEOJSON

HEADER = ",".join(SECTOR_COLUMNS)
GOOD = "FICTIF-T1,Secteur fictif test,adultes,Établissement fictif,57463,,metz-cmp-cattp-adultes-metz-nord"


@pytest.fixture(scope="module")
def context(catalog: Catalog) -> SectorContext:
    return SectorContext.of(catalog)


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "secteurs_fictifs.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def test_fixture_imports_whole(context: SectorContext) -> None:
    report = import_sectors(SECTORS_CSV, polygons=SECTORS_GEOJSON, context=context)
    assert report.rejected == []
    ids = [s.id for s in report.records]
    assert ids == ["FICTIF-57G01", "FICTIF-57G02", "FICTIF-57G03", "FICTIF-57I01"]
    g01 = report.records[0]
    assert g01.territory == "metz" and g01.extent.polygon_wkt is not None
    assert g01.extent.qpv == ("QN05722M",) and "57751" in g01.extent.communes
    assert report.records[3].public == "enfants"
    assert report.records[1].referents == ("metz-cmp-cattp-adultes-montigny", "metz-centre-rehabilitation-jour")


def test_export_reads_back_the_same(context: SectorContext, tmp_path: Path) -> None:
    first = import_sectors(SECTORS_CSV, polygons=SECTORS_GEOJSON, context=context).records
    (tmp_path / "a.csv").write_text(sectors_csv(first), encoding="utf-8")
    (tmp_path / "a.geojson").write_text(json.dumps(sectors_polygons(first)), encoding="utf-8")
    again = import_sectors(tmp_path / "a.csv", polygons=tmp_path / "a.geojson", context=context, source=first[0].source)
    assert again.rejected == []
    assert [s.model_dump(exclude={"extent"}) for s in again.records] == [
        s.model_dump(exclude={"extent"}) for s in first
    ]
    for a, b in zip(first, again.records, strict=True):
        assert (a.extent.communes, a.extent.qpv) == (b.extent.communes, b.extent.qpv)
    assert sectors_csv(first).splitlines()[0] == HEADER


def test_polygon_only_sector_has_a_row_with_neither_code(context: SectorContext, tmp_path: Path) -> None:
    csv_path = _write(tmp_path, "FICTIF-P1,Secteur fictif dessiné,enfants,Fictif,,,metz-centre-winnicott-enfants")
    poly = tmp_path / "p.geojson"
    square = [[[6.17, 49.11], [6.18, 49.11], [6.18, 49.12], [6.17, 49.12], [6.17, 49.11]]]
    poly.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"secteur": "FICTIF-P1"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    report = import_sectors(csv_path, polygons=poly, context=context)
    assert report.rejected == []
    (s,) = report.records
    assert s.extent.communes == () and s.extent.polygon_wkt is not None
    assert s.territory == "metz"  # from its referent
    assert (
        sectors_csv([s]).splitlines()[1]
        == "FICTIF-P1,Secteur fictif dessiné,enfants,Fictif,,,metz-centre-winnicott-enfants"
    )


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("FICTIF-T2,Secteur fictif,adultes,X,57463,,ressource-inexistante", "referents", "ressource inconnue"),
        ("FICTIF-T2,Secteur fictif,adultes,X,99999,,metz-cmp-regional", "insee_com", "commune inconnue"),
        ("FICTIF-T2,Secteur fictif,adultes,X,,QN99999M,metz-cmp-regional", "code_qp", "QPV inconnu"),
        ("FICTIF-T2,Secteur fictif,tous,X,57463,,metz-cmp-regional", "public", "adultes ou enfants"),
        (",Secteur fictif,adultes,X,57463,,metz-cmp-regional", "secteur", "manquant"),
        ("FICTIF-T2,Secteur fictif,adultes,X,57463,QN05720M,metz-cmp-regional", "insee_com", "pas les deux"),
        (
            "FICTIF-T1,Autre nom,adultes,Établissement fictif,57751,,metz-cmp-cattp-adultes-metz-nord",
            "libelle",
            "ligne 2",
        ),
        ("FICTIF-T3,Secteur fictif,adultes,X,,,metz-cmp-regional", "insee_com", "sans étendue"),
        ("FICTIF T4,Secteur fictif,adultes,X,57463,,metz-cmp-regional", "secteur", "identifiant de secteur invalide"),
    ],
)
def test_bad_row_refused_and_nothing_kept(
    context: SectorContext, tmp_path: Path, row: str, field: str, words: str
) -> None:
    report = import_sectors(_write(tmp_path, GOOD, row), context=context)
    assert report.records == []  # all or nothing: the good row is not kept either
    (rej,) = report.rejected
    assert (rej.row, rej.field) == (3, field)
    assert words in rej.reason
    assert "ligne 3" in report.format()


def test_bad_header_and_encoding(context: SectorContext, tmp_path: Path) -> None:
    report = import_sectors(_write(tmp_path, GOOD, header="secteur,nom,public"), context=context)
    assert report.records == [] and report.rejected[0].field == "en-tête"
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((HEADER + "\n" + GOOD + "\n").encode("latin-1"))
    report = import_sectors(latin, context=context)
    assert report.rejected[0].field == "fichier" and "UTF-8" in report.rejected[0].reason


def test_polygon_of_a_sector_absent_from_the_csv_refused(context: SectorContext, tmp_path: Path) -> None:
    poly = tmp_path / "p.geojson"
    poly.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"secteur": "FICTIF-X"},
                        "geometry": {"type": "Point", "coordinates": [6, 49]},
                    },
                    {"type": "Feature", "properties": {}, "geometry": None},
                ],
            }
        ),
        encoding="utf-8",
    )
    report = import_sectors(_write(tmp_path, GOOD), polygons=poly, context=context)
    assert report.records == []
    assert [r.reason.split(" :")[0] for r in report.rejected] == [
        "secteur « FICTIF-X » absent du CSV",
        "propriété « secteur » manquante",
    ]
    poly.write_text("{pas du json", encoding="utf-8")
    report = import_sectors(_write(tmp_path, GOOD), polygons=poly, context=context)
    assert report.records == [] and "GeoJSON illisible" in report.rejected[0].reason
