"""A whole confirmation campaign against a real SMTP server on localhost: an editor starts it on the
screen, the messages reach the server with the record's public details and a personal link, the
link opens the record without an account, « Tout est exact » confirms it (history naming the
campaign), a correction goes through the editors' review queue, a territory lets a field through
directly, links expire and are revoked (clear French 4xx), reminders go after N days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

import sqlalchemy as sa
from fastapi.testclient import TestClient

from geo_clsm.campaigns.sender import send_pending
from geo_clsm.campaigns.service import queue_reminders
from geo_clsm.campaigns.smtp import parse_smtp_url
from geo_clsm.model import clock
from geo_clsm.store import repo
from geo_clsm.store.campaigns import counts, hash_token
from geo_clsm.store.corrections import list_corrections
from geo_clsm.store.schema import campaign_links, campaign_recipients, outbox, territory_settings

from .conftest import LINK, PUBLIC_URL, SENDER, SmtpServer, editor_csrf, form_csrf, synthetic_email


def _db(client: TestClient) -> sa.engine.Engine:
    return client.app.state.db  # type: ignore[attr-defined,no-any-return]


def _start(client: TestClient, ids: list[str], **extra: str) -> int:
    r = client.post(
        "/admin/campagnes",
        data={"csrf_token": editor_csrf(client), "territory": "metz", "ids": "\n".join(ids), **extra},
        follow_redirects=False,
    )
    assert r.status_code == 303, unescape(r.text)
    return int(r.headers["location"].split("/")[-1].split("?")[0])


def _send(client: TestClient, smtp: SmtpServer) -> None:
    report = send_pending(_db(client), smtp=parse_smtp_url(smtp.url), sender=SENDER, public_url=PUBLIC_URL, lease_s=600)
    assert report.failed == 0


def _metz_with_email(client: TestClient, n: int, skip: int = 0) -> list[str]:
    with _db(client).connect() as conn:
        rs = [r for r in repo.active_resources(conn) if r.territory == "metz" and r.email]
    return [r.id for r in rs][skip : skip + n]


def _token(smtp: SmtpServer, rid: str, nth: int = 0) -> str:
    msgs = smtp.sink.to(synthetic_email(rid))
    body = msgs[nth].get_content()
    m = LINK.search(body)
    assert m, body
    return m.group(1)


def test_messages_reach_the_smtp_server_with_details_and_a_personal_link(
    client: TestClient, smtp_server: SmtpServer
) -> None:
    ids = _metz_with_email(client, 2)
    cid = _start(client, ids)
    assert not smtp_server.sink.received  # queued in the database, not sent by the request
    _send(client, smtp_server)
    assert len(smtp_server.sink.received) == 2
    with _db(client).connect() as conn:
        record, _ = repo.get(conn, ids[0])
    (msg,) = smtp_server.sink.to(synthetic_email(ids[0]))
    body = msg.get_content()
    assert msg["From"] == SENDER and msg["To"] == synthetic_email(ids[0])
    assert "votre fiche dans l'annuaire en santé mentale" in msg["Subject"]
    assert record.name in body and "Tout est exact" in body and "Eurométropole de Metz" in body
    if record.phone:
        assert record.phone in body
    tokens = {_token(smtp_server, rid) for rid in ids}
    assert len(tokens) == 2  # one link per place
    with _db(client).connect() as conn:  # the token itself is stored nowhere, its hash is
        stored = conn.execute(sa.select(campaign_links.c.token_hash)).scalars().all()
        bodies = " ".join(conn.execute(sa.select(outbox.c.body)).scalars().all())
        c = counts(conn, cid)
    assert all(hash_token(t) in stored for t in tokens) and not any(t in bodies for t in tokens)
    assert c["recipients"] == 2 and c["sent"] == 2 and c["failed"] == 0 and c["pending"] == 0
    screen = client.get(f"/admin/campagnes/{cid}").text
    assert 'data-count="sent">2<' in screen and 'data-count="confirmed">0<' in screen


def test_records_without_an_address_are_left_out(client: TestClient, smtp_server: SmtpServer) -> None:
    with _db(client).connect() as conn:
        no_mail = next(r.id for r in repo.active_resources(conn) if r.territory == "metz" and not r.email)
    ids = [*_metz_with_email(client, 1, skip=2), no_mail]
    cid = _start(client, ids)
    _send(client, smtp_server)
    assert len(smtp_server.sink.received) == 1
    with _db(client).connect() as conn:
        assert counts(conn, cid)["recipients"] == 1


def test_the_link_opens_the_record_and_all_is_right_confirms_it(client: TestClient, smtp_server: SmtpServer) -> None:
    (rid,) = _metz_with_email(client, 1, skip=3)
    cid = _start(client, [rid])
    _send(client, smtp_server)
    token = _token(smtp_server, rid)
    anonymous = TestClient(client.app, base_url="https://testserver")  # no session: the link is the key
    page = anonymous.get(f"/maj/{token}")
    with _db(client).connect() as conn:
        record, _ = repo.get(conn, rid)
    assert page.status_code == 200 and record.name in unescape(page.text) and "Tout est exact" in unescape(page.text)
    assert "robots" in unescape(page.text) and "noindex" in unescape(page.text)
    r = anonymous.post(f"/maj/{token}", data={"csrf_token": form_csrf(page.text), "action": "confirmer"})
    assert r.status_code == 200 and "la fiche est confirmée" in unescape(r.text)
    with _db(client).connect() as conn:
        after, _ = repo.get(conn, rid)
        last = repo.entries(conn, rid)[-1]
        c = counts(conn, cid)
    assert after.last_verified == clock.today() and not after.to_verify
    assert after.verified_by == "structure" and not after.verified_by_person
    assert after.provenance_fr().startswith("confirmé par le lieu le")
    assert last["action"] == "confirm" and f"campagne n° {cid}" in last["author"] and f"n° {cid}" in last["comment"]
    assert c["opened"] == 1 and c["confirmed"] == 1
    # The public view serves the confirmation (the engine was rebuilt from the database).
    assert client.get(f"/api/resources/{rid}").json()["properties"]["last_verified"] == clock.today().isoformat()


def test_a_correction_goes_through_the_review_queue(client: TestClient, smtp_server: SmtpServer) -> None:
    (rid,) = _metz_with_email(client, 1, skip=4)
    cid = _start(client, [rid])
    _send(client, smtp_server)
    token = _token(smtp_server, rid)
    anonymous = TestClient(client.app, base_url="https://testserver")
    page = anonymous.get(f"/maj/{token}")
    with _db(client).connect() as conn:
        before, _ = repo.get(conn, rid)
    # A phone number that is no French number: a clear French 422 on the form, nothing filed.
    bad = anonymous.post(
        f"/maj/{token}", data={"csrf_token": form_csrf(page.text), "action": "corriger", "phone": "12"}
    )
    assert (
        bad.status_code == 422
        and "n'est pas un numéro français" in unescape(bad.text)
        and 'aria-invalid="true"' in unescape(bad.text)
    )
    ok = anonymous.post(
        f"/maj/{token}",
        data={
            "csrf_token": form_csrf(page.text),
            "action": "corriger",
            "phone": "03 87 00 00 01",
            "opening_hours": "lundi au vendredi 9h-12h",
        },
    )
    assert ok.status_code == 200 and "transmises à l'équipe du CLSM" in unescape(ok.text)
    with _db(client).connect() as conn:
        unchanged, _ = repo.get(conn, rid)
    assert unchanged.phone == before.phone  # nothing published before an editor decides
    items = [c for c in list_corrections(_db(client)) if c["resource_id"] == rid]
    assert {c["field"] for c in items} == {"phone", "opening_hours"}
    review = client.get("/admin/review").text
    assert "Corrections proposées par les structures" in review and "03 87 00 00 01" in review
    phone = next(c for c in items if c["field"] == "phone")
    hours = next(c for c in items if c["field"] == "opening_hours")
    r = client.post(f"/admin/review/corrections/{phone['id']}/accept", data={"csrf_token": editor_csrf(client)})
    assert r.status_code == 200 and "Correction enregistrée" in unescape(r.text)
    # Hours in the place's own words are no opening-hours syntax: accepting them says so, changes nothing.
    r = client.post(f"/admin/review/corrections/{hours['id']}/accept", data={"csrf_token": editor_csrf(client)})
    assert r.status_code == 200 and "ne peut pas être enregistrée telle quelle" in unescape(r.text)
    assert any(c["id"] == hours["id"] for c in list_corrections(_db(client)))
    client.post(f"/admin/review/corrections/{hours['id']}/reject", data={"csrf_token": editor_csrf(client)})
    with _db(client).connect() as conn:
        after, _ = repo.get(conn, rid)
        last = repo.entries(conn, rid)[-1]
        c = counts(conn, cid)
    assert after.phone == "03 87 00 00 01" and after.opening_hours == before.opening_hours
    assert last["action"] == "campaign" and f"campagne n° {cid}" in last["comment"]
    assert c["corrected"] == 1
    assert not [c for c in list_corrections(_db(client)) if c["resource_id"] == rid]
    assert client.get(f"/api/resources/{rid}").json()["properties"]["phone"] == "03 87 00 00 01"


def test_a_territory_lets_a_field_through_directly(client: TestClient, smtp_server: SmtpServer) -> None:
    (rid,) = _metz_with_email(client, 1, skip=5)
    with _db(client).begin() as conn:
        conn.execute(sa.delete(territory_settings).where(territory_settings.c.territory == "metz"))
        conn.execute(
            sa.insert(territory_settings).values(
                territory="metz", settings={"campaign_direct_fields": ["phone"]}, updated_at=datetime.now(UTC)
            )
        )
    try:
        cid = _start(client, [rid])
        _send(client, smtp_server)
        token = _token(smtp_server, rid)
        anonymous = TestClient(client.app, base_url="https://testserver")
        page = anonymous.get(f"/maj/{token}")
        r = anonymous.post(
            f"/maj/{token}",
            data={"csrf_token": form_csrf(page.text), "action": "corriger", "phone": "03 87 00 00 02", "age_min": "16"},
        )
        assert r.status_code == 200 and "déjà publiées" in unescape(r.text)
        with _db(client).connect() as conn:
            after, _ = repo.get(conn, rid)
            last = repo.entries(conn, rid)[-1]
        assert after.phone == "03 87 00 00 02" and f"campagne n° {cid}" in last["comment"]
        assert after.audience.age_min != 16  # not let through: waits for an editor
        waiting = [c["field"] for c in list_corrections(_db(client)) if c["resource_id"] == rid]
        assert waiting == ["age_min"]
    finally:
        with _db(client).begin() as conn:
            conn.execute(sa.delete(territory_settings).where(territory_settings.c.territory == "metz"))


def test_expired_revoked_and_unknown_links_get_a_clear_french_4xx(client: TestClient, smtp_server: SmtpServer) -> None:
    a, b = _metz_with_email(client, 2, skip=6)
    cid = _start(client, [a, b])
    _send(client, smtp_server)
    ta, tb = _token(smtp_server, a), _token(smtp_server, b)
    anonymous = TestClient(client.app, base_url="https://testserver")
    assert anonymous.get(f"/maj/{ta}").status_code == 200
    with _db(client).begin() as conn:  # the campaign's days have run out for a
        conn.execute(
            sa.update(campaign_recipients)
            .where(campaign_recipients.c.campaign_id == cid, campaign_recipients.c.resource_id == a)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    gone = anonymous.get(f"/maj/{ta}")
    assert gone.status_code == 410 and "Ce lien a expiré" in unescape(gone.text) and 'lang="fr"' in unescape(gone.text)
    page = anonymous.get(f"/maj/{tb}")
    revoke = client.post(f"/admin/campagnes/{cid}/revoke", data={"csrf_token": editor_csrf(client), "resource_id": b})
    assert revoke.status_code == 200 and "Liens désactivés : 1" in unescape(revoke.text)
    late = anonymous.post(f"/maj/{tb}", data={"csrf_token": form_csrf(page.text), "action": "confirmer"})
    assert late.status_code == 410 and "désactivé par l'équipe du CLSM" in unescape(late.text)
    with _db(client).connect() as conn:
        assert counts(conn, cid)["confirmed"] == 0
    unknown = anonymous.get("/maj/" + "x" * 43)
    assert unknown.status_code == 404 and "Ce lien est inconnu" in unescape(unknown.text)
    assert anonymous.get("/maj/" + "x" * 500).status_code == 404
    english = anonymous.get(f"/maj/{ta}?lang=en")
    assert english.status_code == 410 and 'lang="en"' in unescape(english.text)


def test_reminders_go_after_n_days_to_those_who_did_not_answer(client: TestClient, smtp_server: SmtpServer) -> None:
    answered, silent = _metz_with_email(client, 2, skip=8)
    cid = _start(client, [answered, silent], remind_days="10")
    _send(client, smtp_server)
    anonymous = TestClient(client.app, base_url="https://testserver")
    token = _token(smtp_server, answered)
    page = anonymous.get(f"/maj/{token}")
    anonymous.post(f"/maj/{token}", data={"csrf_token": form_csrf(page.text), "action": "confirmer"})
    db = _db(client)
    assert queue_reminders(db, at=datetime.now(UTC) + timedelta(days=9)) == 0  # not yet
    assert queue_reminders(db, at=datetime.now(UTC) + timedelta(days=10, minutes=1)) == 1
    assert queue_reminders(db, at=datetime.now(UTC) + timedelta(days=11)) == 0  # one reminder only
    _send(client, smtp_server)
    assert len(smtp_server.sink.to(synthetic_email(answered))) == 1
    _first, reminder = smtp_server.sink.to(synthetic_email(silent))
    assert reminder["Subject"].startswith("Rappel : ")
    # Each message carries its own link; both open the same record.
    t1, t2 = _token(smtp_server, silent, 0), _token(smtp_server, silent, 1)
    assert t1 != t2
    assert anonymous.get(f"/maj/{t1}").status_code == 200 and anonymous.get(f"/maj/{t2}").status_code == 200
    with db.connect() as conn:
        c = counts(conn, cid)
    assert c["sent"] == 2 and c["confirmed"] == 1 and c["opened"] == 2


def test_waiting_time_new_requests_and_a_notice_through_review(client: TestClient, smtp_server: SmtpServer) -> None:
    (rid,) = _metz_with_email(client, 1, skip=10)
    _start(client, [rid])
    _send(client, smtp_server)
    token = _token(smtp_server, rid)
    anonymous = TestClient(client.app, base_url="https://testserver")
    page = anonymous.get(f"/maj/{token}")
    start, end = clock.today() + timedelta(days=10), clock.today() + timedelta(days=20)
    data = {
        "csrf_token": form_csrf(page.text),
        "action": "corriger",
        "wait_days": "30",
        "accepts_new": "liste_attente",
        "notice_text": "fermé pour congés (synthétique)",
        "notice_start": end.isoformat(),
        "notice_end": start.isoformat(),  # swapped: the place reads why at once
        "notice_closed": "oui",
    }
    bad = anonymous.post(f"/maj/{token}", data=data)
    assert bad.status_code == 422 and "la date de fin précède la date de début" in unescape(bad.text)
    ok = anonymous.post(
        f"/maj/{token}", data={**data, "notice_start": start.isoformat(), "notice_end": end.isoformat()}
    )
    assert ok.status_code == 200
    items = {c["field"]: c for c in list_corrections(_db(client)) if c["resource_id"] == rid}
    assert set(items) == {"wait_days", "accepts_new", "notice"}
    assert (
        "fermé pour congés (synthétique)" in items["notice"]["proposed"] and "lieu fermé" in items["notice"]["proposed"]
    )
    review = unescape(client.get("/admin/review").text)
    assert "délai d'attente (jours)" in review and "fermé pour congés (synthétique)" in review
    for field in ("wait_days", "accepts_new", "notice"):
        client.post(f"/admin/review/corrections/{items[field]['id']}/accept", data={"csrf_token": editor_csrf(client)})
    with _db(client).connect() as conn:
        after, _ = repo.get(conn, rid)
    assert after.wait_days == 30 and after.wait_stated_on == clock.today() and after.accepts_new == "liste_attente"
    assert after.notice is not None and after.notice.closed and (after.notice.start, after.notice.end) == (start, end)
    shown = unescape(anonymous.get(f"/maj/{token}").text)
    assert "30 jours" in shown and "nouvelles demandes sur liste d'attente" in shown


def test_campaigns_are_scoped_to_the_editors_territories(client: TestClient) -> None:
    r = client.post(
        "/admin/campagnes",
        data={"csrf_token": editor_csrf(client), "territory": "france"},  # the national layer: no CLSM's
        follow_redirects=False,
    )
    assert r.status_code == 422 and "territoire inconnu « france » pour ce compte" in unescape(r.text)
    anonymous = TestClient(client.app, base_url="https://testserver")
    assert anonymous.get("/admin/campagnes", follow_redirects=False).headers["location"] == "/admin/login"
    denied = anonymous.post("/admin/campagnes", data={"csrf_token": "x", "territory": "metz"}, follow_redirects=False)
    assert denied.status_code == 303 and denied.headers["location"] == "/admin/login"


def test_a_withdrawn_record_can_no_longer_be_confirmed(client: TestClient, smtp_server: SmtpServer) -> None:
    (rid,) = _metz_with_email(client, 1, skip=11)
    _start(client, [rid])
    _send(client, smtp_server)
    token = _token(smtp_server, rid)
    repo.withdraw(_db(client), rid, author="tests")
    gone = TestClient(client.app, base_url="https://testserver").get(f"/maj/{token}")
    assert gone.status_code == 410 and "désactivé" in unescape(gone.text)
