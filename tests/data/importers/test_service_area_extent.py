"""One notion of extent (issue 29, item 5): a team's intervention zone is communes, QPV and/or a
polygon in the resource CSV; the retired free-text ``sector`` column is refused when filled."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.data.importers.resources import import_resources_table
from geo_clsm.model.sector import Extent

COMMUNES = {"57463": CommunePoint("57463", "Metz", 6.1763, 49.1197, "synthetic town hall")}
ROW = {
    "id": "synthetic-empp",
    "type": "EMPP",
    "name": "Équipe mobile synthétique",
    "lon": "6.18",
    "lat": "49.12",
    "source": "synthetic test",
    "last_verified": "2026-01-01",
}


def test_zone_of_communes_qpv_and_polygon() -> None:
    square = "POLYGON ((6 49, 6.2 49, 6.2 49.2, 6 49.2, 6 49))"
    r = resource_from_record(
        {**ROW, "service_area_communes": "57463", "service_area_qpv": "QN05720M; QN05722M", "service_area_wkt": square},
        communes=COMMUNES,
    )
    assert r.service_area == Extent(communes=("57463",), qpv=("QN05720M", "QN05722M"), polygon_wkt=r.service_area_wkt)
    assert r.public_properties()["has_service_area"] is True and "sector" not in r.public_properties()
    row = resource_to_row(r)
    assert (row["service_area_communes"], row["service_area_qpv"]) == ("57463", "QN05720M;QN05722M")
    assert resource_from_record(row, communes=COMMUNES) == r  # written and read back


def test_old_polygon_only_files_still_read() -> None:
    r = resource_from_record(
        {**ROW, "service_area_wkt": "POLYGON ((6 49, 6.2 49, 6.2 49.2, 6 49.2, 6 49))"}, communes=COMMUNES
    )
    assert r.service_area is not None and r.service_area.communes == () and r.service_area_wkt is not None


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"sector": "57G03"}, "sector", "colonne retirée"),
        ({"service_area_communes": "99999"}, "service_area_communes", "commune inconnue « 99999 »"),
        ({"service_area_qpv": "57720"}, "service_area_qpv", "code QPV invalide"),
        (
            {"service_area_wkt": "POLYGON ((700000 6800000, 700100 6800000, 700100 6800100, 700000 6800000))"},
            "service_area",
            "WGS84",
        ),
    ],
)
def test_bad_zone_or_retired_sector_refused(extra: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(RowError) as err:
        resource_from_record({**ROW, **extra}, communes=COMMUNES)
    assert err.value.field == field and words in err.value.reason


def test_file_with_an_empty_sector_column_reads(tmp_path: Path) -> None:
    """An older file with the ``sector`` column, empty: read as before; filled: that row refused."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[*ROW, "sector"], lineterminator="\n")
    w.writeheader()
    w.writerow({**ROW, "sector": ""})
    w.writerow({**ROW, "id": "synthetic-empp-2", "sector": "Secteur 3"})
    path = tmp_path / "synthetic_old_file.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    report = import_resources_table(path, communes=COMMUNES)
    assert [r.id for r in report.resources()] == ["synthetic-empp"]
    (rej,) = report.rejected
    assert (rej.row, rej.field) == (3, "sector") and "geo-clsm sectors import" in rej.reason
