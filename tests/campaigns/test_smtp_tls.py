"""STARTTLS and SSL against a real SMTP server on localhost (aiosmtpd with a certificate made for the
test by openssl, trusted through ``?cafile=``), with the credentials taken from the environment
(``GEO_CLSM_SMTP_USER``, ``GEO_CLSM_SMTP_PASSWORD``): the message arrives; a wrong password sends
nothing and the message waits."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.campaigns.sender import SendReport, send_pending
from geo_clsm.campaigns.worker import smtp_config
from geo_clsm.settings import Settings
from geo_clsm.store import outbox
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.schema import outbox as outbox_table

from .conftest import PUBLIC_URL, SENDER, Sink, free_port

USER, PASSWORD = "clsm-synthetique", "mot-de-passe-smtp-synthetique"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return ctx


@pytest.fixture
def one_message(tmp_path: Path) -> SqlEngine:
    db = connect(f"sqlite:///{tmp_path / 'tls.db'}")
    upgrade(db)
    with db.begin() as conn:
        outbox.enqueue(conn, kind="test", to_addr="structure@structure-synthetique.invalid", subject="Essai", body="x")
    return db


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield sink, port
    controller.stop()


def _send(db: SqlEngine, settings: Settings) -> SendReport:
    return send_pending(db, smtp=smtp_config(settings), sender=SENDER, public_url=PUBLIC_URL, lease_s=600)


def test_starttls_with_credentials_from_the_environment(
    starttls_server: tuple[Sink, int],
    certificate: tuple[Path, Path],
    one_message: SqlEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink, port = starttls_server
    monkeypatch.setenv("GEO_CLSM_SMTP_URL", f"smtp://127.0.0.1:{port}?cafile={certificate[0]}")
    monkeypatch.setenv("GEO_CLSM_SMTP_USER", USER)
    monkeypatch.setenv("GEO_CLSM_SMTP_PASSWORD", "un-autre-mot-de-passe")
    wrong = _send(one_message, Settings())
    assert wrong.sent == 0 and wrong.retried == 1 and not sink.received  # refused: waits, nothing sent
    with one_message.begin() as conn:  # the retry is due now
        conn.execute(sa.update(outbox_table).values(not_before=None))
    monkeypatch.setenv("GEO_CLSM_SMTP_PASSWORD", PASSWORD)
    assert _send(one_message, Settings()).sent == 1
    assert [rcpt for rcpt, _ in sink.received] == [["structure@structure-synthetique.invalid"]]


def test_ssl_from_the_first_byte(certificate: tuple[Path, Path], one_message: SqlEngine) -> None:
    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        ssl_context=_server_context(certificate),
        authenticator=_authenticate,
        auth_require_tls=False,  # aiosmtpd does not count a TLS-from-the-start session as TLS for AUTH
    )
    controller.start()
    try:
        settings = Settings(
            smtp_url=f"smtps://127.0.0.1:{port}?cafile={certificate[0]}", smtp_user=USER, smtp_password=PASSWORD
        )
        assert _send(one_message, settings).sent == 1 and len(sink.received) == 1
    finally:
        controller.stop()


def test_an_untrusted_certificate_sends_nothing(starttls_server: tuple[Sink, int], one_message: SqlEngine) -> None:
    sink, port = starttls_server
    report = _send(one_message, Settings(smtp_url=f"smtp://127.0.0.1:{port}", smtp_user=USER, smtp_password=PASSWORD))
    assert report.sent == 0 and report.retried == 1 and not sink.received
