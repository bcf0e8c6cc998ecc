"""Issue 30's fields stored and read back: the database of record (SQLite and PostgreSQL), the
project's CSV (writer and both importers), and the editors' validation with its French reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.resource_write import write_resources_csv
from geo_clsm.data.importers.resources import import_resources, import_resources_table
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.model.notice import Notice
from geo_clsm.model.resource import Resource
from geo_clsm.observatory.snapshots import build_snapshot, engine_snapshots
from geo_clsm.store import repo
from geo_clsm.store.records import FieldError, validate_record

NOTICE = Notice(text="fermé du 22/12 au 2/1", start=date(2026, 12, 22), end=date(2027, 1, 2), closed=True)


def with_fields(r: Resource) -> Resource:
    return Resource.model_validate(
        {
            **r.model_dump(),
            "verified_by": "structure",
            "wait_days": 21,
            "wait_stated_on": date(2026, 11, 2),
            "accepts_new": "liste_attente",
            "notice": NOTICE,
        }
    )


def test_the_fields_survive_the_database(db: SqlEngine, shipped: list[Resource], catalog: Catalog) -> None:
    r = with_fields(shipped[0])
    change = repo.update(
        db,
        r.id,
        {
            "verified_by": "structure",
            "wait_days": "21",
            "wait_stated_on": "2026-11-02",
            "accepts_new": "liste_attente",
            "notice": NOTICE.model_dump(mode="json"),
        },
        author="test",
        communes=catalog.mairies,
    )
    with db.connect() as conn:
        got, _ = repo.get(conn, r.id)
    assert got == change.resource
    assert (got.verified_by, got.wait_days, got.wait_stated_on, got.accepts_new, got.notice) == (
        "structure",
        21,
        date(2026, 11, 2),
        "liste_attente",
        NOTICE,
    )
    change = repo.update(db, r.id, {"notice": None, "wait_days": ""}, author="test", communes=catalog.mairies)
    assert change.resource.notice is None and change.resource.wait_days is None


def test_verifying_says_the_clsm_checked_it(db: SqlEngine, shipped: list[Resource]) -> None:
    change = repo.mark_verified(db, shipped[1].id, author="test", on=date(2026, 12, 7))
    assert change.resource.verified_by == "clsm" and change.resource.verified_by_person
    assert change.resource.provenance_fr() == "vérifié par l'équipe du CLSM le 07/12/2026"


def test_the_csv_round_trip_keeps_them(tmp_path: Path, shipped: list[Resource], catalog: Catalog) -> None:
    rs = [with_fields(shipped[0]), shipped[1]]
    path = tmp_path / "r.csv"
    write_resources_csv(rs, path)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert "wait_days,wait_stated_on,accepts_new,notice_text,notice_start,notice_end,notice_closed" in header
    for read in (import_resources, import_resources_table):
        report = read(path, communes=catalog.mairies)
        table = getattr(report, "table", None)
        got = {r.id: r for r in (report.records if table is None else table)}
        assert got[rs[0].id].notice == NOTICE and got[rs[0].id].wait_days == 21, read.__name__
        assert got[rs[0].id].verified_by == "structure" and got[rs[0].id].accepts_new == "liste_attente"
        assert got[rs[1].id].notice is None and got[rs[1].id].wait_days is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"accepts_new": "peut-être"}, "accepts_new", "valeurs possibles oui, non, liste_attente"),
        ({"wait_days": "-3"}, "wait_days", "nombre entier de jours"),
        ({"wait_days": "trois semaines"}, "wait_days", "n'est pas un nombre"),
        ({"wait_days": "10", "wait_stated_on": "hier"}, "wait_stated_on", "AAAA-MM-JJ"),
        ({"verified_by": "moi"}, "verified_by", "valeurs possibles structure, clsm"),
        ({"notice_text": "fermé", "notice_start": "2026-12-22"}, "notice_end", "avis incomplet"),
        ({"notice": {"text": "fermé", "start": "2026-12-22", "end": "2026-12-01"}}, "notice", "fin précède"),
        ({"notice": {"text": "fermé", "début": "2026-12-22"}}, "notice", "membre inconnu « début »"),
        ({"notice": "fermé à Noël"}, "notice", "objet attendu"),
    ],
)
def test_editors_errors_are_french_and_name_the_field(
    shipped: list[Resource], catalog: Catalog, change: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(FieldError) as exc:
        validate_record(change, base=shipped[0], communes=catalog.mairies)
    assert exc.value.field == field and words in exc.value.reason, (exc.value.field, exc.value.reason)


def test_a_wait_given_without_its_day_is_stated_today(shipped: list[Resource], catalog: Catalog) -> None:
    with clock.frozen_at(date(2026, 12, 7)):
        r = validate_record({"wait_days": "14"}, base=shipped[0], communes=catalog.mairies)
    assert r.wait_days == 14 and r.wait_stated_on == date(2026, 12, 7)


def test_verified_by_alone_decides_who_confirmed(shipped: list[Resource], catalog: Catalog) -> None:
    with clock.frozen_at(date(2026, 12, 7)):
        checked = validate_record({"verified_by": "clsm"}, base=shipped[0], communes=catalog.mairies)
    assert checked.verified_by_person and checked.last_verified == date(2026, 12, 7)  # confirmed that day
    undone = validate_record({"verified_by": ""}, base=checked, communes=catalog.mairies)
    assert undone.verified_by is None and not undone.verified_by_person


def test_the_observatory_follows_the_stated_waits(engine: Engine) -> None:
    (before,) = engine_snapshots(engine, ["metz"])
    cmp_before = next(w for w in before.waits if w["type"] == "CMP_ADULTE")
    assert cmp_before["stated"] == 0 and cmp_before["median_wait_days"] is None  # nobody stated one: none shown
    metz = [r for r in engine.catalog.resources if r.territory == "metz"]
    first_cmp = next(r for r in metz if r.type.value == "CMP_ADULTE")
    changed = [with_fields(r) if r is first_cmp else r for r in metz]
    after = build_snapshot(engine.access["metz"], changed, data_version="test")
    cmp_after = next(w for w in after.waits if w["type"] == "CMP_ADULTE")
    assert cmp_after["stated"] == 1 and cmp_after["median_wait_days"] == 21
    assert cmp_after["places"] == cmp_before["places"] and after.digest != before.digest
