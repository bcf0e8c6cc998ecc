"""National lines in the nearest answer: their open state like any place's (open first, closed
last and marked), hours in words in each language, numbers formatted; a line open « Mo-Su » is
open on a public holiday. The lines' hours are metropolitan time."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

import geo_clsm.engine.answer as answer_module

NOWHERE_NEAR = {"lat": 46.0, "lon": 4.0, "k": 3, "type": ["MDA", "CSAPA"], "max_distance_m": 1000}
"""A point in France where no place of these types is near: every line answers."""


def _lines(client: TestClient, **params: object) -> list[dict[str, object]]:
    r = client.get("/api/nearest", params={**NOWHERE_NEAR, **params})
    assert r.status_code == 200, r.text
    lines = [f["properties"] for f in r.json()["national_lines"]]
    assert len(lines) >= 3, "the lines answer where nothing is near"
    return lines


def test_lines_are_open_on_a_public_holiday(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    christmas = datetime(2026, 12, 25, 10, 0)
    monkeypatch.setattr(answer_module, "clock_now", lambda: christmas)
    by_id = {p["id"]: p for p in _lines(client)}
    fsj = by_id["ligne-fil-sante-jeunes"]  # Mo-Su 09:00-23:00, no PH rule
    assert (fsj["open_status"], fsj["open_now"]) == ("open", True)
    assert fsj["opening_hours_words"] == {
        "fr": "tous les jours de 9 h à 23 h",
        "en": "every day, from 9:00 to 23:00",
        "ar": "كل يوم، من الساعة 9:00 إلى الساعة 23:00",
    }
    assert fsj["phone"] == "08 00 23 52 36"
    assert by_id["ligne-3114"]["open_status"] == "open" and by_id["ligne-3114"]["phone"] == "3114"


def test_closed_lines_come_last_and_say_so(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_module, "clock_now", lambda: datetime(2026, 12, 23, 4, 0))  # 4 h: most lines closed
    lines = _lines(client)
    states = [p["open_status"] for p in lines]
    assert "closed" in states and "open" in states
    order = {"open": 0, "unknown": 1, "closed": 2}
    assert states == sorted(states, key=order.__getitem__)
    for p in lines:
        assert p["open_now"] is {"open": True, "closed": False, "unknown": None}[str(p["open_status"])]
    dis = next(p for p in lines if p["id"] == "ligne-drogues-info-service")  # 8 h - 2 h
    assert dis["open_status"] == "closed" and dis["opening_hours_words"]["fr"] == "tous les jours de 8 h à 2 h"


def test_open_at_gives_the_lines_state_then(client: TestClient) -> None:
    at_1h = _lines(client, open_at="2026-12-23T01:00:00+01:00")
    at_4h = _lines(client, open_at="2026-12-23T04:00:00+01:00")
    dis = "ligne-drogues-info-service"
    assert next(p for p in at_1h if p["id"] == dis)["open_status"] == "open"
    assert next(p for p in at_4h if p["id"] == dis)["open_status"] == "closed"


def test_the_page_shows_the_lines_hours_and_state(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_module, "clock_now", lambda: datetime(2026, 12, 25, 10, 0))
    for lang, words, state in (
        ("en", "every day, from 9:00 to 23:00", "Open now"),
        ("ar", "كل يوم، من الساعة 9:00 إلى الساعة 23:00", None),
        ("fr", "tous les jours de 9 h à 23 h", "Ouvert maintenant"),
    ):
        page = client.get("/recherche", params={"q": "Borny", "situation": "mal-etre", "age": "ado", "lang": lang})
        assert page.status_code == 200
        assert "Fil Santé Jeunes" in page.text  # no PAEJ near Borny: the line is offered
        line = page.text[page.text.index("Fil Santé Jeunes") :]
        line = line[: line.index("</li>")]
        assert words in line
        assert "gc-open" in line
        if state:
            assert state in line
