"""The editor screens in a real Chromium: the app served on its own database of record with editor
accounts (:func:`serve_app`), and signing in through the login form as a person does, in the
browser's language (:func:`sign_in`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from playwright.sync_api import Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from geo_clsm.web.app import create_app

Account = tuple[str, str]
LOGIN_LABELS = {
    "fr": ("Adresse e-mail", "Mot de passe", "Se connecter"),
    "en": ("Email address", "Password", "Sign in"),
    "ar": ("البريد الإلكتروني", "كلمة المرور", "دخول"),
}
"""The login form's email and password labels and its button, as a person reads them."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_app(engine: Engine, db_url: str, *editors: Account) -> Iterator[str]:
    """The app in uvicorn on a free port (tiles "none", the database ``db_url``), with ``editors``; its base URL."""
    app = create_app(Settings(tiles_url="none", database_url=db_url), engine=engine)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    for email, password in editors:
        add_user(connect(db_url), email, password, role="editor")
    try:
        yield f"http://127.0.0.1:{srv.config.port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def sign_in(page: Page, base: str, account: Account, *, lang: str = "fr", query: str = "") -> None:
    """Open the records, land on the login form, fill it by its labels in ``lang`` and press Enter."""
    page.goto(f"{base}/admin/resources{query}")
    page.wait_for_url("**/admin/login*")
    email, password, _ = LOGIN_LABELS[lang]
    page.get_by_label(email).fill(account[0])
    page.get_by_label(password, exact=True).fill(account[1])
    page.get_by_label(password, exact=True).press("Enter")
    page.wait_for_url("**/admin/resources*")
