"""The editor screens in a real Chromium: the app served on its own database of record with editor
accounts (:func:`serve_app`), and signing in through the login form as a person does, in the
browser's language (:func:`sign_in`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.store.db import connect
from geo_clsm.store.users import add_user
from tests.e2e.serving import serve

Account = tuple[str, str]
LOGIN_LABELS = {
    "fr": ("Adresse e-mail", "Mot de passe", "Se connecter"),
    "en": ("Email address", "Password", "Sign in"),
    "ar": ("البريد الإلكتروني", "كلمة المرور", "دخول"),
}
"""The login form's email and password labels and its button, as a person reads them."""


@contextmanager
def serve_app(engine: Engine, db_url: str, *editors: Account) -> Iterator[str]:
    """The app (tiles "none", the database ``db_url``) served with ``editors``' accounts; its base URL."""
    with serve(Settings(tiles_url="none", database_url=db_url), engine) as base:
        for email, password in editors:
            add_user(connect(db_url), email, password, role="editor")
        yield base


def sign_in(page: Page, base: str, account: Account, *, lang: str = "fr", query: str = "") -> None:
    """Open the records, land on the login form, fill it by its labels in ``lang`` and press Enter."""
    page.goto(f"{base}/admin/resources{query}")
    page.wait_for_url("**/admin/login*")
    email, password, _ = LOGIN_LABELS[lang]
    page.get_by_label(email).fill(account[0])
    page.get_by_label(password, exact=True).fill(account[1])
    page.get_by_label(password, exact=True).press("Enter")
    page.wait_for_url("**/admin/resources*")
