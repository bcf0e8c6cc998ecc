"""Send the outbox through SMTP: claim a row, open the SMTP envelope, commit ``sending`` (and the
message's link), send ``DATA``, commit ``sent`` — in that order (the guarantee is in
:mod:`geo_clsm.store.outbox`). Blocking: run it in a thread (:mod:`.worker`) or the CLI."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from typing import Any

from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.engine import Row

from geo_clsm.campaigns.messages import LINK
from geo_clsm.campaigns.smtp import SmtpConfig, connect
from geo_clsm.store import outbox
from geo_clsm.store.campaigns import new_link

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What a run did: rows sent, failed for good, put back for a later try, taken back from dead senders."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    requeued: int = 0
    uncertain: int = 0


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/maj/{token}"


def _message(row: Row[Any], *, sender: str, text: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, charset="utf-8")
    return msg.as_bytes(policy=SMTP_POLICY)


class _Refused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.permanent = 500 <= code < 600


def _answer(reply: tuple[int, bytes]) -> None:
    code, text = reply
    if code not in (250, 251):
        raise _Refused(code, text.decode("utf-8", "replace"))


def send_pending(
    db: SqlEngine,
    *,
    smtp: SmtpConfig,
    sender: str,
    public_url: str,
    lease_s: float,
    me: str | None = None,
    limit: int | None = None,
) -> SendReport:
    """Send every queued row that may go now (at most ``limit``); the rows of dead senders first
    go back to the queue (or become ``uncertain``)."""
    me = me or outbox.sender_id()
    report = SendReport()
    report.requeued, report.uncertain = outbox.recover(db, me=me, lease_s=lease_s)
    client: smtplib.SMTP | None = None
    done = 0
    try:
        while limit is None or done < limit:
            row = outbox.claim(db, me=me)
            if row is None:
                break
            done += 1
            try:
                if client is None:
                    client = connect(smtp)
                _answer(client.mail(sender))
                _answer(client.rcpt(row.to_addr))
            except (_Refused, smtplib.SMTPException, OSError) as exc:
                permanent = isinstance(exc, _Refused) and exc.permanent
                state = outbox.mark_refused(db, row, me=me, error=str(exc), permanent=permanent)
                report.failed += state == outbox.FAILED
                report.retried += state == outbox.QUEUED
                client = _reset(client)
                if not isinstance(exc, _Refused):
                    break  # the server is unreachable: the next run tries again
                continue
            with db.begin() as conn:  # the commit point: DATA only after ``sending`` is stored
                if not outbox.move(conn, int(row.id), me=me, frm=(outbox.CLAIMED,), to=outbox.SENDING):
                    client = _reset(client)
                    continue  # the claim was taken back meanwhile: someone else sends it
                text = str(row.body)
                if row.recipient_id is not None:
                    text = text.replace(LINK, link_url(public_url, new_link(conn, int(row.recipient_id))))
            try:
                client.data(_message(row, sender=sender, text=text))
            except smtplib.SMTPResponseException as exc:  # refused at the end of DATA: not delivered
                state = outbox.mark_refused(
                    db, row, me=me, error=f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
                )
                report.failed += state == outbox.FAILED
                report.retried += state == outbox.QUEUED
                continue
            except (smtplib.SMTPException, OSError) as exc:  # cut during DATA: perhaps delivered
                log.warning("envoi n° %s interrompu pendant la transmission : %s", row.id, exc)
                with db.begin() as conn:
                    outbox.move(
                        conn,
                        int(row.id),
                        me=me,
                        frm=(outbox.SENDING,),
                        to=outbox.UNCERTAIN,
                        error=f"connexion coupée pendant la transmission, peut-être reçu, non renvoyé : {exc}"[:500],
                    )
                report.uncertain += 1
                client = _reset(client)
                break
            if outbox.mark_sent(db, int(row.id), me=me):
                report.sent += 1
    finally:
        _reset(client)
    return report


def _reset(client: smtplib.SMTP | None) -> smtplib.SMTP | None:
    """Close the connection (politely when it still answers); None, for the caller's variable."""
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    return None
