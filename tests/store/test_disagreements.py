"""Disagreements between FINESS and curated records, on SQLite and PostgreSQL: filed once,
accepted (official values written, in the history) or kept (noted in the history, not asked again)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.disagreements import file_disagreements, list_disagreements, resolve
from geo_clsm.store.schema import disagreements

PILOTS = ("metz", "angouleme")
EDITOR = "editrice@clsm-test.fr"


def _curated_with_finess(shipped: list[Resource]) -> Resource:
    return next(r for r in shipped if r.territory in PILOTS and r.finess_et and r.position is not None)


def _official(r: Resource, *, phone: str, north_m: float = 0.0) -> Resource:
    """What a synthetic FINESS file would say of ``r``: another phone, a position ``north_m`` further north."""
    assert r.position is not None
    lon, lat, _ = Geod(ellps="WGS84").fwd(r.position.lon, r.position.lat, 0.0, north_m)
    pos = Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="FINESS (synthétique)")
    return r.model_copy(update={"phone": phone, "position": pos, "source": "FINESS (synthétique)"})


def _statuses(db: SqlEngine) -> list[str]:
    with db.connect() as conn:
        return [s for (s,) in conn.execute(sa.select(disagreements.c.status).order_by(disagreements.c.id))]


def test_filed_once_then_accepted_into_the_record(db: SqlEngine, shipped: list[Resource], catalog: Catalog) -> None:
    r = _curated_with_finess(shipped)
    official = _official(r, phone="03 87 99 99 01", north_m=500.0)
    assert file_disagreements(db, [official], source="finess", version="v1", curated_territories=PILOTS) == 1
    assert file_disagreements(db, [official], source="finess", version="v2", curated_territories=PILOTS) == 0
    (item,) = list_disagreements(db)
    assert item["resource_id"] == r.id and item["resource_name"] == r.name
    assert set(item["fields"]) == {"phone", "position"}
    assert item["fields"]["phone"] == {"curated": r.phone or "", "official": "03 87 99 99 01"}
    metres = float(item["fields"]["position"]["official"].split("à ")[1].split(" m")[0])
    assert metres == pytest.approx(500.0, rel=0.01)  # geodesic 500 m, measured in Lambert-93
    assert "téléphone" in item["summary"] and "position" in item["summary"]
    with db.connect() as conn:
        assert repo.get(conn, r.id)[0].phone == r.phone  # nothing written yet

    resolve(db, item["id"], decision="accept", author=EDITOR, communes=catalog.mairies)
    with db.connect() as conn:
        now, _ = repo.get(conn, r.id)
        last = repo.entries(conn, r.id)[-1]
    assert now.phone == "03 87 99 99 01"
    assert now.position is not None and official.position is not None
    assert (round(now.position.lat, 6), round(now.position.lon, 6)) == (
        round(official.position.lat, 6),
        round(official.position.lon, 6),
    )
    assert (last["action"], last["author"]) == ("official", EDITOR)
    assert last["before"]["phone"] == r.phone and last["after"]["phone"] == "03 87 99 99 01"
    assert _statuses(db) == ["accepted"] and list_disagreements(db) == []
    with pytest.raises(InvalidInputError, match="déjà traité"):
        resolve(db, item["id"], decision="keep", author=EDITOR, communes=catalog.mairies)


def test_kept_values_are_not_asked_again(db: SqlEngine, shipped: list[Resource], catalog: Catalog) -> None:
    r = _curated_with_finess(shipped)
    official = _official(r, phone="03 87 99 99 02")
    file_disagreements(db, [official], source="finess", version="v1", curated_territories=PILOTS)
    (item,) = list_disagreements(db)
    assert set(item["fields"]) == {"phone"}  # same position: not a disagreement
    resolve(db, item["id"], decision="keep", author=EDITOR, communes=catalog.mairies)
    with db.connect() as conn:
        assert repo.get(conn, r.id)[0].phone == r.phone
        last = repo.entries(conn, r.id)[-1]
    assert last["action"] == "keep" and "03 87 99 99 02" in last["comment"]
    assert file_disagreements(db, [official], source="finess", version="v2", curated_territories=PILOTS) == 0
    newer = _official(r, phone="03 87 99 99 03")
    assert file_disagreements(db, [newer], source="finess", version="v3", curated_territories=PILOTS) == 1
    newest = _official(r, phone="03 87 99 99 04")
    assert file_disagreements(db, [newest], source="finess", version="v4", curated_territories=PILOTS) == 1
    assert _statuses(db) == ["kept", "superseded", "open"]


def test_only_curated_records_are_filed(db: SqlEngine, shipped: list[Resource], catalog: Catalog) -> None:
    national = next(r for r in shipped if r.territory not in PILOTS and r.finess_et and r.position is not None)
    official = _official(national, phone="03 00 00 00 01")
    # A national record nobody edited follows the official layer: no item.
    assert file_disagreements(db, [official], source="finess", version="v1", curated_territories=PILOTS) == 0
    # Once an editor changed it, it is curated: the disagreement waits for an editor.
    repo.update(db, national.id, {"public_info": "Accueil sans rendez-vous"}, author=EDITOR, communes=catalog.mairies)
    assert file_disagreements(db, [official], source="finess", version="v2", curated_territories=PILOTS) == 1
    assert file_disagreements(db, [], source="finess", version="v3", curated_territories=PILOTS) == 0
