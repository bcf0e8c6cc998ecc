"""Campaign fixtures: a real SMTP server on localhost (aiosmtpd) that keeps what it receives, and
the app on its own database, with synthetic e-mail addresses on some Metz records (the shipped
layers carry none) and a signed-in editor."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

LAYERS = Path(__file__).resolve().parents[2] / "layers"
EDITOR = ("campagnes@clsm-synthetique.invalid", "mot-de-passe-campagnes")
PUBLIC_URL = "https://carte.exemple-synthetique.invalid"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/maj/([A-Za-z0-9_-]{20,})")
SENDER = "CLSM synthétique <clsm@exemple-synthetique.invalid>"


@dataclass
class Sink:
    """What the SMTP server received: one entry per message accepted (envelope and parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    sink: Sink
    url: str
    port: int


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (a port picked at random), no TLS: ``?tls=none``."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(sink, f"smtp://127.0.0.1:{port}?tls=none", port)
    finally:
        controller.stop()


def synthetic_email(rid: str) -> str:
    return f"{rid}@structure-synthetique.invalid"


@pytest.fixture(scope="module")
def campaign_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('campaigns') / 'campaigns.db'}"


@pytest.fixture(scope="module")
def client(engine: Engine, campaign_db: str) -> Iterator[TestClient]:
    settings = Settings(data_dir=LAYERS, database_url=campaign_db, public_url=PUBLIC_URL)
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        db = connect(campaign_db)
        add_user(db, *EDITOR, role="editor")
        metz = [r for r in engine.catalog.resources if r.territory == "metz"]
        for r in metz[:12]:  # the others keep no address: the campaign leaves them out
            repo.update(db, r.id, {"email": synthetic_email(r.id)}, author="tests", communes=engine.catalog.mairies)
        form = c.get("/admin/login")
        m = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert m
        c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": m.group(1)})
        yield c


def editor_csrf(client: TestClient) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/admin/campagnes").text)
    assert m
    return m.group(1)


def form_csrf(page_html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', page_html)
    assert m
    return m.group(1)
