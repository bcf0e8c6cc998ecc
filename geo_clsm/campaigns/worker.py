"""The sender's thread in the service: every ``GEO_CLSM_OUTBOX_POLL_S`` (or at once when woken by
a new campaign) it queues the reminders that are due and sends the outbox. SMTP is blocking: it
never runs on the event loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.campaigns.sender import SendReport, send_pending
from geo_clsm.campaigns.service import queue_reminders
from geo_clsm.campaigns.smtp import SmtpConfig, parse_smtp_url
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.settings import Settings
from geo_clsm.store.outbox import sender_id

log = logging.getLogger(__name__)


class OutboxWorker:
    """A daemon thread sending the outbox; :meth:`wake` after queueing, :meth:`stop` at shutdown."""

    def __init__(
        self,
        db: SqlEngine,
        *,
        smtp: SmtpConfig,
        sender: str,
        public_url: str,
        poll_s: float,
        lease_s: float,
        names: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        self.db, self.smtp, self.sender, self.public_url = db, smtp, sender, public_url
        self.poll_s, self.lease_s, self.names = poll_s, lease_s, names
        self.me = sender_id()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.last: SendReport | None = None
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    def run_once(self) -> SendReport:
        queue_reminders(self.db, names=self.names())
        return send_pending(
            self.db, smtp=self.smtp, sender=self.sender, public_url=self.public_url, lease_s=self.lease_s, me=self.me
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last = self.run_once()
            except Exception:  # a database or SMTP outage: the next round tries again
                log.exception("envoi des messages des campagnes : échec, nouvel essai plus tard")
            self._wake.wait(self.poll_s)
            self._wake.clear()


def outbox_worker(
    settings: Settings, db: SqlEngine, *, names: Callable[[], Mapping[str, str]] = dict
) -> OutboxWorker | None:
    """The service's sender, when ``GEO_CLSM_SMTP_URL``, ``GEO_CLSM_SMTP_FROM`` and
    ``GEO_CLSM_PUBLIC_URL`` are set (else None: messages wait in the outbox, and the log says why)."""
    missing = [n for n in ("smtp_url", "smtp_from", "public_url") if not getattr(settings, n)]
    if missing:
        if settings.smtp_url:
            log.warning(
                "campagnes : %s manquant, les messages restent en attente",
                ", ".join(f"GEO_CLSM_{n.upper()}" for n in missing),
            )
        return None
    assert settings.smtp_url and settings.smtp_from and settings.public_url
    return OutboxWorker(
        db,
        smtp=smtp_config(settings),
        sender=settings.smtp_from,
        public_url=settings.public_url,
        poll_s=settings.outbox_poll_s,
        lease_s=settings.outbox_lease_s,
        names=names,
    )


def smtp_config(settings: Settings) -> SmtpConfig:
    """The SMTP server of the settings (:class:`InvalidInputError` in French when there is none)."""
    if not settings.smtp_url:
        raise InvalidInputError("GEO_CLSM_SMTP_URL manquant : le serveur SMTP qui envoie les messages")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return parse_smtp_url(
        settings.smtp_url, user=settings.smtp_user, password=password, timeout_s=settings.smtp_timeout_s
    )
