"""Issue 30's fields on the model: waiting time, new requests, a dated notice, who confirmed the record;
their French refusals, the public view on a given day, and the notice in the one hours evaluation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from geo_clsm.model import clock
from geo_clsm.model.freshness import ConfirmPolicy, fresh_share, months_before
from geo_clsm.model.hours import open_now, open_state
from geo_clsm.model.resource import Resource
from geo_clsm.model.validate import french_errors

BASE: dict[str, Any] = {
    "id": "cmp-test",
    "type": "CMP_ADULTE",
    "name": "CMP de test (synthétique)",
    "source": "FINESS",
    "last_verified": "2026-01-05",
    "source_date": "2020-03-01",
    "opening_hours": "Mo-Fr 09:00-17:00",
}
NOTICE = {"text": "fermé du 22/12 au 2/1", "start": "2026-12-22", "end": "2027-01-02", "closed": True}


def errors(**extra: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        Resource.model_validate({**BASE, **extra})
    return french_errors(exc.value)


def test_bad_values_are_refused_in_french_naming_the_field() -> None:
    assert errors(accepts_new="peut-être") == [
        ("accepts_new", "valeur inconnue « peut-être » : valeurs possibles oui, non, liste_attente")
    ]
    assert errors(verified_by="moi")[0][0] == "verified_by"
    assert errors(wait_days=-1, wait_stated_on="2026-01-01") == [("wait_days", "valeur trop petite : minimum 0")]
    assert "sans date" in errors(wait_days=10)[0][1]
    field, reason = errors(notice={**NOTICE, "end": "2026-12-01"})[0]
    assert field == "notice" and "fin précède" in reason
    assert errors(notice={**NOTICE, "text": ""})[0][0] == "notice.text"


def test_verified_by_person_and_verified_by_clsm_say_the_same() -> None:
    old = Resource.model_validate({**BASE, "verified_by_person": True})
    assert old.verified_by == "clsm"
    assert Resource.model_validate({**BASE, "verified_by": "clsm"}).verified_by_person is True
    assert Resource.model_validate({**BASE, "verified_by": "structure"}).verified_by_person is False


def test_provenance_says_who_confirmed_and_when() -> None:
    assert Resource.model_validate(BASE).provenance_fr() == "issu de FINESS (mars 2020), non confirmé"
    place = Resource.model_validate({**BASE, "verified_by": "structure"})
    assert place.provenance_fr() == "confirmé par le lieu le 05/01/2026"
    clsm = Resource.model_validate({**BASE, "verified_by": "clsm"})
    assert clsm.provenance_fr() == "vérifié par l'équipe du CLSM le 05/01/2026"


def test_a_record_unconfirmed_past_the_threshold_is_to_confirm() -> None:
    day = date(2026, 12, 7)
    unconfirmed = Resource.model_validate(BASE)  # FINESS, March 2020
    assert unconfirmed.public_properties(today=day)["to_confirm"] is True
    fresh = Resource.model_validate({**BASE, "verified_by": "structure", "last_verified": "2026-06-01"})
    assert fresh.public_properties(today=day)["to_confirm"] is False
    assert fresh.public_properties(today=date(2027, 6, 2))["to_confirm"] is True
    strict = ConfirmPolicy(by_territory={"metz": 3})
    local = Resource.model_validate(
        {**BASE, "verified_by": "structure", "last_verified": "2026-06-01", "territory": "metz"}
    )
    assert local.public_properties(today=day, policy=strict)["to_confirm"] is True


def test_a_wait_older_than_three_months_says_so() -> None:
    r = Resource.model_validate(
        {**BASE, "wait_days": 21, "wait_stated_on": "2026-09-01", "accepts_new": "liste_attente"}
    )
    p = r.public_properties(today=date(2026, 11, 30))
    assert p["wait_days"] == 21 and p["wait_old"] is False
    assert p["wait_fr"] == "premier rendez-vous : environ 21 jours (délai indiqué le 01/09/2026)"
    assert p["accepts_new"] == "liste_attente" and "liste d'attente" in p["accepts_new_fr"]
    p = r.public_properties(today=date(2026, 12, 2))
    assert p["wait_old"] is True
    assert p["wait_fr"].endswith("(délai indiqué le 01/09/2026, il y a plus de 3 mois)")


def test_no_wait_is_invented() -> None:
    p = Resource.model_validate(BASE).public_properties(today=date(2026, 12, 7))
    assert p["wait_days"] is None and p["wait_fr"] is None and p["accepts_new"] is None


def test_the_notice_shows_while_it_runs_and_goes_by_itself() -> None:
    r = Resource.model_validate({**BASE, "notice": NOTICE})
    assert r.public_properties(today=date(2026, 12, 21))["notice"] is None
    assert r.public_properties(today=date(2026, 12, 22))["notice"]["text"] == "fermé du 22/12 au 2/1"
    assert r.public_properties(today=date(2027, 1, 2))["notice"] is not None
    assert r.public_properties(today=date(2027, 1, 3))["notice"] is None
    with clock.frozen_at(date(2026, 12, 23)):  # the default day is the clock's
        assert r.public_properties()["notice"] is not None
    with clock.frozen_at(date(2027, 1, 3)):
        assert r.public_properties()["notice"] is None


def test_a_closure_notice_closes_the_place_in_the_one_evaluation() -> None:
    r = Resource.model_validate({**BASE, "notice": NOTICE})
    tuesday_before = datetime(2026, 12, 15, 10, 0)
    tuesday_during = datetime(2026, 12, 29, 10, 0)
    assert open_now(r, tuesday_before) is True
    assert open_now(r, tuesday_during) is False
    assert open_state(None, tuesday_during, notice=r.notice) == "closed"  # closed even with unknown hours
    assert open_now(r, datetime(2027, 1, 5, 10, 0)) is True  # over: open again
    info = Resource.model_validate({**BASE, "notice": {**NOTICE, "closed": False}})
    assert open_now(info, tuesday_during) is True  # a notice that is not a closure leaves the hours alone


def test_freshness_figure_counts_confirmations_of_the_last_12_months() -> None:
    rs = [
        Resource.model_validate({**BASE, "id": "a", "verified_by": "structure", "last_verified": "2026-11-01"}),
        Resource.model_validate({**BASE, "id": "b", "verified_by": "clsm", "last_verified": "2025-01-01"}),
        Resource.model_validate({**BASE, "id": "c"}),
        Resource.model_validate({**BASE, "id": "d", "verified_by": "clsm", "last_verified": "2026-01-01"}),
    ]
    assert fresh_share(rs, date(2026, 12, 7)) == {"records": 4, "confirmed_12_months": 2, "share": 0.5}
    assert fresh_share([], date(2026, 12, 7))["share"] is None


def test_months_before_keeps_the_last_day_of_a_short_month() -> None:
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


def test_the_systems_today_is_kept_until_the_next_local_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    real = clock.today()
    monkeypatch.setattr(clock, "_today", [(date(2020, 1, 1), 4e9)])  # kept, valid until 2096
    assert clock.today() == date(2020, 1, 1)
    monkeypatch.setattr(clock, "_today", [(date(2020, 1, 1), 0.0)])  # its midnight has passed
    assert clock.today() == real
