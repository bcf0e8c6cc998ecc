"""The service's sender thread sends a campaign started on the screen (the request only queues it);
``geo-clsm campaign start|list|revoke``; ``GEO_CLSM_SMTP_URL`` read; a token never in the request log."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.campaigns.smtp import parse_smtp_url
from geo_clsm.cli import main
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.settings import Settings
from geo_clsm.store import repo, seeding
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

from .conftest import EDITOR, LAYERS, LINK, PUBLIC_URL, SENDER, SmtpServer, synthetic_email


def test_the_services_sender_thread_sends_what_the_screen_queued(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    settings = Settings(
        data_dir=LAYERS,
        database_url=url,
        public_url=PUBLIC_URL,
        smtp_url=smtp_server.url,
        smtp_from=SENDER,
        outbox_poll_s=3600,  # only the new campaign's wake-up can send within the test
    )
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver") as c:
        db = connect(url)
        add_user(db, *EDITOR, role="editor")
        rid = next(r.id for r in engine.catalog.resources if r.territory == "metz")
        repo.update(db, rid, {"email": synthetic_email(rid)}, author="tests", communes=engine.catalog.mairies)
        token = re.search(r'name="csrf_token" value="([^"]*)"', c.get("/admin/login").text)
        assert token
        c.post("/admin/login", data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": token.group(1)})
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', c.get("/admin/campagnes").text)
        assert csrf
        r = c.post("/admin/campagnes", data={"csrf_token": csrf.group(1), "territory": "metz", "ids": rid})
        assert r.status_code == 200 and "Campagne lancée" in r.text
        deadline = time.monotonic() + 60
        while not smtp_server.sink.received and time.monotonic() < deadline:
            time.sleep(0.1)
        (msg,) = smtp_server.sink.to(synthetic_email(rid))
        link = LINK.search(msg.get_content())
        assert link
        with caplog.at_level(logging.INFO, logger="geo_clsm.requests"):
            assert c.get(f"/maj/{link.group(1)}").status_code == 200
        assert link.group(1) not in caplog.text and "/maj/…" in caplog.text


def test_cli_starts_lists_and_revokes(catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = connect(url)
    upgrade(db)
    metz = [r for r in catalog.resources if r.territory == "metz"]
    seeding.seed(db, metz, territories=["metz"])
    cmps = [r for r in metz if r.type.value == "CMP"]
    assert len(cmps) >= 2
    repo.update(db, cmps[0].id, {"email": synthetic_email(cmps[0].id)}, author="tests", communes=catalog.mairies)
    assert main(["campaign", "start", "--territory", "metz", "--type", "CMP", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "campagne n° 1 : 1 message(s) en attente d'envoi" in out
    assert f"sans adresse e-mail, non contactée : {cmps[1].id}" in out
    assert main(["campaign", "list", "--database", url]) == 0
    assert "n° 1 metz (open) : 1 structures, envoyés 0" in capsys.readouterr().out
    assert main(["campaign", "revoke", "1", "--database", url]) == 0
    assert "liens désactivés : 1" in capsys.readouterr().out
    assert main(["campaign", "start", "--territory", "nulle-part", "--database", url]) == 2
    assert "aucune fiche à confirmer" in capsys.readouterr().err


def test_cli_start_reaches_a_record_inside_the_territory_by_position_alone(
    catalog: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FICTITIOUS record (test data) that names no territory and no commune but lies in Metz is
    one of Metz's records for ``geo-clsm campaign start`` as for the screen (issue 31)."""
    url = f"sqlite:///{tmp_path / 'cli-position.db'}"
    db = connect(url)
    upgrade(db)
    base = next(r for r in catalog.resources if r.territory == "metz" and r.position is not None)
    rid = "synthetique-campagne-sans-territoire"
    pos = Position(lon=6.176, lat=49.119, precision=PositionPrecision.ADDRESS, source="test synthétique")
    unnamed = base.model_copy(
        update={"id": rid, "name": "Lieu synthétique (test)", "territory": None, "insee_com": None, "position": pos}
        | {"email": synthetic_email(rid)}
    )
    seeding.seed(db, [unnamed])
    assert main(["campaign", "start", "--territory", "metz", "--ids", rid, "--database", url]) == 0
    assert "campagne n° 1 : 1 message(s) en attente d'envoi" in capsys.readouterr().out


def test_smtp_urls() -> None:
    ssl = parse_smtp_url("smtps://mail.exemple.invalid")
    assert (ssl.security, ssl.port) == ("ssl", 465)
    tls = parse_smtp_url("smtp://u%40x:p%3Ass@mail.exemple.invalid", password="from-env")
    assert (tls.security, tls.port, tls.user, tls.password) == ("starttls", 587, "u@x", "from-env")
    assert "from-env" not in repr(tls)
    local = parse_smtp_url("smtp://localhost:2525?tls=none")
    assert (local.security, local.port) == ("none", 2525)
    for bad in ("http://mail", "smtp://", "smtp://h?tls=maybe"):
        with pytest.raises(InvalidInputError, match="GEO_CLSM_SMTP_URL"):
            parse_smtp_url(bad)
