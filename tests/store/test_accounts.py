"""Accounts on SQLite and PostgreSQL: a change of password, role or status ends the account's other
sessions at once; a disabled account cannot sign in; failed sign-ins slow down one (account,
client address) pair with growing delays and never lock the account for other clients.

The accounts and addresses are synthetic (example domain, documentation addresses)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import InvalidInputError
from geo_clsm.store.accounts import set_active, set_password, set_role, user_id
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.login_throttle import MAX_DELAY_S, LoginThrottledError, delay_after
from geo_clsm.store.users import AccountDisabledError, add_user, authenticate, open_session, session_for

EDITOR = ("editrice-synthetique@example.fr", "mot-de-passe-synthetique")
ADMIN = ("admin-synthetique@example.fr", "mot-de-passe-admin-synthetique")
CLIENT_A, CLIENT_B = "192.0.2.10", "198.51.100.20"  # documentation addresses (RFC 5737)


@pytest.fixture
def accounts(db_url: str) -> Iterator[SqlEngine]:
    db = connect(db_url)
    upgrade(db)
    add_user(db, *EDITOR, role="editor")
    add_user(db, *ADMIN, role="admin")
    yield db
    db.dispose()


def _signed_in(db: SqlEngine, who: tuple[str, str], client: str = CLIENT_A) -> str:
    user = authenticate(db, *who, client=client)
    assert user is not None
    return open_session(db, user)[0]


def test_a_password_change_ends_the_other_sessions_but_not_its_own(accounts: SqlEngine) -> None:
    own, other = _signed_in(accounts, EDITOR), _signed_in(accounts, EDITOR, CLIENT_B)
    admin = _signed_in(accounts, ADMIN)
    set_password(accounts, user_id(accounts, EDITOR[0]), "un-nouveau-mot-de-passe", keep_token=own)
    assert session_for(accounts, own) is not None
    assert session_for(accounts, other) is None
    assert session_for(accounts, admin) is not None  # another account's sessions are untouched
    assert authenticate(accounts, *EDITOR, client=CLIENT_B) is None
    assert authenticate(accounts, EDITOR[0], "un-nouveau-mot-de-passe", client=CLIENT_B) is not None


def test_an_admin_reset_ends_every_session(accounts: SqlEngine) -> None:
    tokens = [_signed_in(accounts, EDITOR), _signed_in(accounts, EDITOR, CLIENT_B)]
    add_user(accounts, EDITOR[0], "un-mot-de-passe-remis", role="editor")
    assert [session_for(accounts, t) for t in tokens] == [None, None]


def test_a_role_change_ends_the_sessions(accounts: SqlEngine) -> None:
    token = _signed_in(accounts, EDITOR)
    set_role(accounts, user_id(accounts, EDITOR[0]), "admin")
    assert session_for(accounts, token) is None
    again = _signed_in(accounts, EDITOR)
    session = session_for(accounts, again)
    assert session is not None and session.user.is_admin


def test_a_sign_in_that_checked_the_old_password_opens_a_dead_session(accounts: SqlEngine) -> None:
    user = authenticate(accounts, *EDITOR, client=CLIENT_A)
    assert user is not None
    set_password(accounts, user.id, "un-nouveau-mot-de-passe")  # lands between the check and the session
    token, _ = open_session(accounts, user)
    assert session_for(accounts, token) is None


def test_a_disabled_account_has_no_session_and_cannot_sign_in(accounts: SqlEngine) -> None:
    token = _signed_in(accounts, EDITOR)
    uid = user_id(accounts, EDITOR[0])
    set_active(accounts, uid, False)
    assert session_for(accounts, token) is None
    with pytest.raises(AccountDisabledError, match="désactivé"):
        authenticate(accounts, *EDITOR, client=CLIENT_B)
    assert authenticate(accounts, EDITOR[0], "un-faux-mot-de-passe", client=CLIENT_B) is None  # says nothing more
    set_active(accounts, uid, True)
    assert session_for(accounts, token) is None  # enabling again never revives an old session
    assert session_for(accounts, _signed_in(accounts, EDITOR, CLIENT_B)) is not None


def test_the_last_admin_is_kept(accounts: SqlEngine) -> None:
    uid = user_id(accounts, ADMIN[0])
    with pytest.raises(InvalidInputError, match="dernier compte administrateur"):
        set_active(accounts, uid, False)
    with pytest.raises(InvalidInputError, match="dernier compte administrateur"):
        set_role(accounts, uid, "editor")
    set_role(accounts, user_id(accounts, EDITOR[0]), "admin")
    set_role(accounts, uid, "editor")  # another admin now exists


class FakeClock:
    def __init__(self) -> None:
        self.t = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The throttle's clock, stopped: a delay runs out only when a test moves the clock on."""
    fake = FakeClock()
    monkeypatch.setattr("geo_clsm.store.login_throttle.now", fake)
    return fake


def test_failures_from_one_client_never_stop_another(accounts: SqlEngine, clock: FakeClock) -> None:
    for _ in range(2):
        assert authenticate(accounts, EDITOR[0], "un-faux-mot-de-passe", client=CLIENT_A) is None
    for _ in range(10):
        with pytest.raises(LoginThrottledError):
            authenticate(accounts, *EDITOR, client=CLIENT_A)  # even the right password waits, from A
    assert authenticate(accounts, *EDITOR, client=CLIENT_B) is not None


def test_delays_grow_for_the_failing_client(accounts: SqlEngine, clock: FakeClock) -> None:
    waits: list[int] = []
    for _ in range(12):
        try:
            assert authenticate(accounts, EDITOR[0], "un-faux-mot-de-passe", client=CLIENT_A) is None
            waits.append(0)
        except LoginThrottledError as exc:
            assert "réessayer dans" in exc.message
            waits.append(exc.retry_after_s)
            clock.t += timedelta(seconds=exc.retry_after_s)
            assert authenticate(accounts, EDITOR[0], "un-faux-mot-de-passe", client=CLIENT_A) is None
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, MAX_DELAY_S]
    with pytest.raises(LoginThrottledError):
        authenticate(accounts, *EDITOR, client=CLIENT_A)  # the right password waits its turn too
    clock.t += timedelta(seconds=MAX_DELAY_S)
    assert [delay_after(n) for n in range(0, 6)] == [0, 0, 1, 2, 4, 8]
    assert authenticate(accounts, *EDITOR, client=CLIENT_A) is not None  # the delay ran: the password works
    assert authenticate(accounts, EDITOR[0], "un-faux-mot-de-passe", client=CLIENT_A) is None  # count cleared
