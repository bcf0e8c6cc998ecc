"""The outbox keeps its promise when the sender dies: a real ``geo-clsm campaign send`` process is
killed (``os._exit``) at each point of a message's way to a real SMTP server, then the command runs
again. Nothing is lost, and no address receives a message twice; a message that may have reached
the server is ``uncertain``, counted as failed, and sent again only by an editor's decision."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.campaigns.sender import send_pending
from geo_clsm.campaigns.service import start_campaign
from geo_clsm.campaigns.smtp import parse_smtp_url
from geo_clsm.data.catalog import Catalog
from geo_clsm.store import outbox, repo, seeding
from geo_clsm.store.campaigns import counts
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.schema import outbox as outbox_table

from .conftest import PUBLIC_URL, SENDER, SmtpServer, synthetic_email

# Patches smtplib in the child process, then runs the real command; the child dies where told.
CHILD = textwrap.dedent(
    """
    import os, smtplib, sys
    point = sys.argv[1]
    real_mail, real_data = smtplib.SMTP.mail, smtplib.SMTP.data

    def mail(self, *args, **kwargs):
        if point == "before-envelope":
            os._exit(9)
        return real_mail(self, *args, **kwargs)

    def data(self, msg):
        if point == "during-data":  # DATA begun, half the message sent, then the process dies
            self.putcmd("data")
            self.getreply()
            self.send(msg[: len(msg) // 2])
            os._exit(9)
        reply = real_data(self, msg)
        if point == "after-data":  # the server took the message; "sent" was never recorded
            os._exit(9)
        return reply

    smtplib.SMTP.mail, smtplib.SMTP.data = mail, data
    from geo_clsm.cli import main
    sys.exit(main(["campaign", "send"]))
    """
)


@pytest.fixture
def queued(catalog: Catalog, tmp_path: Path) -> tuple[str, SqlEngine, list[str]]:
    """A database with three Metz records given synthetic addresses, and a campaign queued for them."""
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    db = connect(url)
    upgrade(db)
    metz = [r for r in catalog.resources if r.territory == "metz"]
    seeding.seed(db, metz, territories=["metz"])
    ids = [r.id for r in metz[:3]]
    for rid in ids:
        repo.update(db, rid, {"email": synthetic_email(rid)}, author="tests", communes=catalog.mairies)
    start_campaign(db, territory="metz", created_by="tests", link_days=30, remind_after_days=0, ids=ids)
    return url, db, ids


def _env(url: str, smtp: SmtpServer) -> dict[str, str]:
    return {
        **os.environ,
        "GEO_CLSM_DATABASE_URL": url,
        "GEO_CLSM_SMTP_URL": smtp.url,
        "GEO_CLSM_SMTP_FROM": SENDER,
        "GEO_CLSM_PUBLIC_URL": PUBLIC_URL,
    }


def _crash(url: str, smtp: SmtpServer, point: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, point], env=_env(url, smtp), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 9, done.stderr  # killed where told, not finished


def _restart(url: str, smtp: SmtpServer) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from geo_clsm.cli import main; sys.exit(main(sys.argv[1:]))",
            "campaign",
            "send",
        ],
        env=_env(url, smtp),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _states(db: SqlEngine) -> Counter[str]:
    with db.connect() as conn:
        return Counter(conn.execute(sa.select(outbox_table.c.state)).scalars())


def _per_address(smtp: SmtpServer) -> Counter[str]:
    return Counter(rcpt for rcpts, _ in smtp.sink.received for rcpt in rcpts)


def test_killed_after_claiming_before_the_envelope(
    queued: tuple[str, SqlEngine, list[str]], smtp_server: SmtpServer
) -> None:
    url, db, ids = queued
    _crash(url, smtp_server, "before-envelope")
    assert _states(db) == Counter({"queued": 2, "claimed": 1}) and not smtp_server.sink.received
    out = _restart(url, smtp_server)
    assert "repris après une panne : 1" in out
    assert _states(db) == Counter({"sent": 3})
    assert _per_address(smtp_server) == Counter({synthetic_email(rid): 1 for rid in ids})  # none lost, none twice


def test_killed_during_data_is_uncertain_and_not_sent_again(
    queued: tuple[str, SqlEngine, list[str]], smtp_server: SmtpServer
) -> None:
    url, db, ids = queued
    _crash(url, smtp_server, "during-data")
    assert _states(db) == Counter({"queued": 2, "sending": 1})
    assert not smtp_server.sink.received  # a DATA cut short delivers nothing
    out = _restart(url, smtp_server)
    assert "incertains (non renvoyés) : 1" in out
    assert _states(db) == Counter({"sent": 2, "uncertain": 1})
    assert len(smtp_server.sink.received) == 2
    with db.connect() as conn:
        assert counts(conn, 1)["failed"] == 1 and counts(conn, 1)["sent"] == 2
    # An editor decides to send it again: then every place has its message, once.
    assert outbox.requeue_uncertain(db) == 1
    _restart(url, smtp_server)
    assert _per_address(smtp_server) == Counter({synthetic_email(rid): 1 for rid in ids})


def test_killed_after_the_server_took_the_message(
    queued: tuple[str, SqlEngine, list[str]], smtp_server: SmtpServer
) -> None:
    url, db, ids = queued
    _crash(url, smtp_server, "after-data")
    assert len(smtp_server.sink.received) == 1 and _states(db) == Counter({"queued": 2, "sending": 1})
    _restart(url, smtp_server)
    assert _states(db) == Counter({"sent": 2, "uncertain": 1})
    assert _per_address(smtp_server) == Counter({synthetic_email(rid): 1 for rid in ids})  # no duplicate


def test_another_machines_claim_is_taken_back_after_the_lease(
    queued: tuple[str, SqlEngine, list[str]], smtp_server: SmtpServer
) -> None:
    _, db, _ = queued
    with db.begin() as conn:
        first, second = conn.execute(sa.select(outbox_table.c.id).order_by(outbox_table.c.id).limit(2)).scalars()
        conn.execute(
            sa.update(outbox_table)
            .where(outbox_table.c.id == first)
            .values(
                state="claimed", claimed_by="autre-machine:123:ab", claimed_at=datetime.now(UTC) - timedelta(hours=1)
            )
        )
        conn.execute(
            sa.update(outbox_table)
            .where(outbox_table.c.id == second)
            .values(state="sending", claimed_by="autre-machine:124:cd", claimed_at=datetime.now(UTC))
        )
    assert outbox.recover(db, me="moi:1:00", lease_s=600) == (1, 0)  # the live claim is left alone
    assert outbox.recover(db, me="moi:1:00", lease_s=600, at=datetime.now(UTC) + timedelta(hours=1)) == (0, 1)
    report = send_pending(db, smtp=parse_smtp_url(smtp_server.url), sender=SENDER, public_url=PUBLIC_URL, lease_s=600)
    assert report.sent == 2 and _states(db) == Counter({"sent": 2, "uncertain": 1})


def test_starttls_is_required_unless_told_otherwise(
    queued: tuple[str, SqlEngine, list[str]], smtp_server: SmtpServer
) -> None:
    """``smtp://`` without ``?tls=none`` never sends in clear to a server that offers no STARTTLS:
    the messages stay queued, with the reason, for a later try."""
    _, db, _ = queued
    plain = f"smtp://127.0.0.1:{smtp_server.port}"
    report = send_pending(db, smtp=parse_smtp_url(plain), sender=SENDER, public_url=PUBLIC_URL, lease_s=600)
    assert report.sent == 0 and report.retried == 1 and not smtp_server.sink.received
    with db.connect() as conn:
        errors = conn.execute(sa.select(outbox_table.c.error).where(outbox_table.c.error.is_not(None))).scalars().all()
    assert _states(db) == Counter({"queued": 3}) and "STARTTLS" in errors[0]
