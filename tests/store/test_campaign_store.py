"""The campaign tables on SQLite and PostgreSQL: the outbox's moves are conditional (a second
sender cannot claim a claimed row, a sender whose claim was taken back cannot move it on), a link
opens its recipient until it expires or is revoked, reminders fall due after their delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.campaigns.service import start_campaign
from geo_clsm.data.catalog import Catalog
from geo_clsm.model.resource import Resource
from geo_clsm.store import outbox, repo
from geo_clsm.store.campaigns import LinkError, due_reminders, new_link, open_link, revoke
from geo_clsm.store.schema import outbox as outbox_table


@pytest.fixture
def started(db: SqlEngine, catalog: Catalog, shipped: list[Resource]) -> tuple[SqlEngine, list[str]]:
    ids = [r.id for r in shipped if r.territory == "metz"][:2]
    for rid in ids:
        repo.update(db, rid, {"email": f"{rid}@structure-synthetique.invalid"}, author="t", communes=catalog.mairies)
    start_campaign(db, territory="metz", created_by="t", link_days=30, remind_after_days=7, ids=ids)
    return db, ids


def test_outbox_moves_are_conditional(started: tuple[SqlEngine, list[str]]) -> None:
    db, _ = started
    a = outbox.claim(db, me="hote:1:a")
    b = outbox.claim(db, me="hote:2:b")
    assert a is not None and b is not None and a.id != b.id  # each row to one sender
    assert outbox.claim(db, me="hote:3:c") is None
    with db.begin() as conn:
        assert not outbox.move(conn, int(a.id), me="hote:2:b", frm=(outbox.CLAIMED,), to=outbox.SENDING)
        assert outbox.move(conn, int(a.id), me="hote:1:a", frm=(outbox.CLAIMED,), to=outbox.SENDING)
    assert outbox.mark_sent(db, int(a.id), me="hote:1:a")
    # b's claim is taken back (another machine, lease over): b can no longer move it on.
    later = datetime.now(UTC) + timedelta(hours=1)
    assert outbox.recover(db, me="hote:9:z", lease_s=60, at=later) == (1, 0)
    with db.begin() as conn:
        assert not outbox.move(conn, int(b.id), me="hote:2:b", frm=(outbox.CLAIMED,), to=outbox.SENDING)
    assert outbox.counts(db)["sent"] == 1 and outbox.counts(db)["queued"] == 1


def test_links_open_until_expired_or_revoked(started: tuple[SqlEngine, list[str]]) -> None:
    db, ids = started
    with db.begin() as conn:
        rid = conn.execute(sa.select(outbox_table.c.recipient_id).order_by(outbox_table.c.id)).scalars().first()
        assert rid is not None
        token = new_link(conn, int(rid))
    with db.connect() as conn:
        assert open_link(conn, token)["resource_id"] in ids
        with pytest.raises(LinkError) as gone:
            open_link(conn, token, at=datetime.now(UTC) + timedelta(days=31))
        assert gone.value.status == 410 and "expiré" in gone.value.message
        with pytest.raises(LinkError) as unknown:
            open_link(conn, token[:-1] + ("A" if token[-1] != "A" else "B"))
        assert unknown.value.status == 404
    assert revoke(db, campaign_id=1) == 2
    with db.connect() as conn, pytest.raises(LinkError) as revoked:
        open_link(conn, token)
    assert revoked.value.kind == "revoked"


def test_reminders_fall_due_after_their_delay(started: tuple[SqlEngine, list[str]]) -> None:
    db, _ = started
    me = "hote:1:a"
    while (row := outbox.claim(db, me=me)) is not None:
        with db.begin() as conn:
            outbox.move(conn, int(row.id), me=me, frm=(outbox.CLAIMED,), to=outbox.SENDING)
        outbox.mark_sent(db, int(row.id), me=me)
    with db.connect() as conn:
        assert due_reminders(conn, at=datetime.now(UTC) + timedelta(days=6)) == []
        assert len(due_reminders(conn, at=datetime.now(UTC) + timedelta(days=7, minutes=1))) == 2
        assert due_reminders(conn, at=datetime.now(UTC) + timedelta(days=31)) == []  # links expired


def test_stale_campaigns_choose_records_unconfirmed_for_a_year(
    db: SqlEngine, catalog: Catalog, shipped: list[Resource]
) -> None:
    from datetime import date

    from geo_clsm.store.campaigns import select_records

    metz = [r for r in shipped if r.territory == "metz"]
    today = date(2027, 12, 1)  # a year after the shipped records were verified (2026-11-22)
    recent = metz[0].id
    repo.update(
        db, recent, {"last_verified": "2027-06-01", "verified_by": "clsm"}, author="t", communes=catalog.mairies
    )
    with db.connect() as conn:
        chosen = select_records(conn, territory="metz", stale_only=True, today=today)
        everything = select_records(conn, territory="metz", today=today)
    assert all(r.last_verified < date(2026, 12, 1) for r in metz[1:])  # the layers as shipped
    assert sorted(r.id for r in chosen) == sorted(r.id for r in metz[1:])
    assert {r.id for r in everything} == {r.id for r in metz}
