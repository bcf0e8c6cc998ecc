"""The outbox: messages kept in the database until the SMTP server has them.

A message is queued in the transaction that decided to send it (a campaign's start, a reminder),
so that a crash loses nothing. A sender then moves each row through these states, each move a
committed, conditional ``UPDATE`` naming the sender (``claimed_by``):

``queued`` → ``claimed`` (the sender took it; nothing was said to the SMTP server yet)
→ ``sending`` (the SMTP envelope — ``MAIL FROM``, ``RCPT TO`` — was accepted; committed *before*
``DATA``) → ``sent`` (the server answered 250 to the end of ``DATA``).
A refused message goes back to ``queued`` with a delay, or to ``failed`` after
:data:`MAX_ATTEMPTS` attempts or a permanent refusal (5xx).

The guarantee, on a crash of the sender at any point (process killed, machine down):

- a row still ``queued`` is sent by the next run;
- a row ``claimed`` by a dead sender goes back to ``queued`` (:func:`recover`) and is sent once:
  its sender never issued ``DATA``, and an SMTP server delivers nothing from a transaction whose
  ``DATA`` did not end;
- a row ``sending`` by a dead sender may or may not have been delivered (the server may have
  accepted the end of ``DATA`` just before the crash): it becomes ``uncertain`` and is **never sent
  again by itself**; the campaign screen counts it with the failures and an editor may send it
  again (:func:`requeue_uncertain`). So a message is delivered at most once unless an editor
  decides otherwise, and never lost: every row ends ``sent``, ``failed`` or ``uncertain``, visible.

A sender is dead when its ``claimed_by`` names this machine and a process id that no longer runs,
or when its claim is older than the lease (``GEO_CLSM_OUTBOX_LEASE_S``: another machine's sender).
Only the sender named in ``claimed_by`` moves a row on from ``claimed`` or ``sending``; if its
claim was taken back meanwhile, its next move fails and it stops before ``DATA``.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.store.repo import now
from geo_clsm.store.schema import outbox

QUEUED, CLAIMED, SENDING, SENT, FAILED, UNCERTAIN = "queued", "claimed", "sending", "sent", "failed", "uncertain"
STATES = (QUEUED, CLAIMED, SENDING, SENT, FAILED, UNCERTAIN)
MAX_ATTEMPTS = 5
RETRY_DELAYS_S = (60, 300, 1800, 3600)


def sender_id() -> str:
    """This process as named in ``claimed_by``: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def enqueue(
    conn: Connection,
    *,
    kind: str,
    to_addr: str,
    subject: str,
    body: str,
    recipient_id: int | None = None,
    domain: str = "geo-clsm.invalid",
) -> int:
    """Queue a message in the caller's transaction; returns its id. ``body`` may hold ``{lien}``."""
    res = conn.execute(
        sa.insert(outbox).values(
            kind=kind,
            recipient_id=recipient_id,
            to_addr=to_addr,
            subject=subject,
            body=body,
            message_id=f"<{secrets.token_hex(16)}@{domain}>",
            state=QUEUED,
            attempts=0,
            created_at=now(),
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _alive(claimed_by: str | None) -> bool | None:
    """True/False when ``claimed_by`` is a process of this machine (running or not); None otherwise."""
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(engine: SqlEngine, *, me: str, lease_s: float, at: datetime | None = None) -> tuple[int, int]:
    """Take back the rows of dead senders: ``claimed`` → ``queued``, ``sending`` → ``uncertain``.

    Returns (requeued, uncertain)."""
    at = at or now()
    limit = at - timedelta(seconds=lease_s)
    requeued = uncertain = 0
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.state, outbox.c.claimed_by, outbox.c.claimed_at).where(
                outbox.c.state.in_((CLAIMED, SENDING)), outbox.c.claimed_by != me
            )
        ).all()
        for r in rows:
            alive = _alive(r.claimed_by)
            if alive is True or (alive is None and _aware(r.claimed_at) > limit):
                continue
            target = QUEUED if r.state == CLAIMED else UNCERTAIN
            values: dict[str, Any] = {"state": target}
            if target == UNCERTAIN:
                values["error"] = "envoi interrompu pendant la transmission : peut-être reçu, non renvoyé"
            else:
                values.update(claimed_by=None, claimed_at=None)
            done = conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == r.id, outbox.c.state == r.state, outbox.c.claimed_by == r.claimed_by)
                .values(**values)
            )
            if done.rowcount:
                requeued += target == QUEUED
                uncertain += target == UNCERTAIN
    return requeued, uncertain


def _aware(value: Any) -> datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def claim(engine: SqlEngine, *, me: str, at: datetime | None = None) -> Row[Any] | None:
    """Take the oldest queued row that may go now (its ``claimed`` move committed), or None."""
    at = at or now()
    with engine.begin() as conn:
        for _ in range(5):  # another sender may take the same row first: try the next one
            row = conn.execute(
                sa.select(outbox.c.id)
                .where(outbox.c.state == QUEUED, sa.or_(outbox.c.not_before.is_(None), outbox.c.not_before <= at))
                .order_by(outbox.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            done = conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == row.id, outbox.c.state == QUEUED)
                .values(state=CLAIMED, claimed_by=me, claimed_at=at, attempts=outbox.c.attempts + 1)
            )
            if done.rowcount:
                return conn.execute(sa.select(outbox).where(outbox.c.id == row.id)).one()
    return None


def move(conn: Connection, row_id: int, *, me: str, frm: tuple[str, ...], to: str, **values: Any) -> bool:
    """One conditional move of a row this sender holds; False when the claim was taken back."""
    done = conn.execute(
        sa.update(outbox)
        .where(outbox.c.id == row_id, outbox.c.state.in_(frm), outbox.c.claimed_by == me)
        .values(state=to, **values)
    )
    return bool(done.rowcount)


def mark_sent(engine: SqlEngine, row_id: int, *, me: str) -> bool:
    with engine.begin() as conn:
        # ``uncertain``: a recover() that judged this live sender dead (its lease ran out mid-DATA).
        return move(conn, row_id, me=me, frm=(SENDING, UNCERTAIN), to=SENT, sent_at=now(), error=None)


def mark_refused(engine: SqlEngine, row: Row[Any], *, me: str, error: str, permanent: bool) -> str:
    """A refusal before or during sending: retried later, or ``failed``. Returns the new state."""
    final = permanent or int(row.attempts) >= MAX_ATTEMPTS
    state = FAILED if final else QUEUED
    delay = RETRY_DELAYS_S[min(int(row.attempts), len(RETRY_DELAYS_S)) - 1]
    values: dict[str, Any] = {"error": error[:500]}
    if not final:
        values.update(claimed_by=None, claimed_at=None, not_before=now() + timedelta(seconds=delay))
    with engine.begin() as conn:
        move(conn, int(row.id), me=me, frm=(CLAIMED, SENDING, UNCERTAIN), to=state, **values)
    return state


def requeue_uncertain(engine: SqlEngine, row_ids: list[int] | None = None) -> int:
    """An editor's decision: send ``uncertain`` rows again (all, or those of ``row_ids``)."""
    q = sa.update(outbox).where(outbox.c.state == UNCERTAIN)
    if row_ids is not None:
        q = q.where(outbox.c.id.in_(row_ids))
    with engine.begin() as conn:
        return int(conn.execute(q.values(state=QUEUED, claimed_by=None, claimed_at=None, not_before=None)).rowcount)


def counts(engine: SqlEngine) -> Mapping[str, int]:
    """Rows per state."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)).all()
    return {state: 0 for state in STATES} | {str(s): int(n) for s, n in rows}
