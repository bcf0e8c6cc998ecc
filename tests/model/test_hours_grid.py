"""The editors' weekly grid of opening hours: OSM text to grid and back, and the hours in words."""

from __future__ import annotations

import pytest

from geo_clsm.i18n import translator
from geo_clsm.model.hours import HolidayRule, OpeningHoursError, parse_opening_hours
from geo_clsm.model.hours_grid import WeekGrid, grid_from_form, grid_from_text, hours_in_words, text_from_grid

FR = translator("fr")


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
        "Mo,Tu 08:30-18:00; PH off",
        "Mo-Su 09:00-23:00",
        "24/7",
        "We 14:00-18:00; PH 10:00-12:00",
        "",
    ],
)
def test_text_to_grid_and_back(text: str) -> None:
    grid = grid_from_text(text)
    assert grid is not None
    assert text_from_grid(grid) == text


def test_text_beyond_the_grid_is_left_to_the_raw_field() -> None:
    assert grid_from_text("Mo 08:00-09:00,10:00-11:00,12:00-13:00") is None
    assert grid_from_text("Mo-Fr,PH 09:00-12:00") is None
    assert grid_from_text("pas des horaires") is None


def test_the_grid_from_the_form_writes_valid_osm() -> None:
    form = {f"hours-{d}-0-from": "09:00" for d in range(5)} | {f"hours-{d}-0-to": "17:00" for d in range(5)}
    form |= {"hours-5-0-from": "9h00", "hours-5-0-to": "12:00", "hours-ph": "off"}
    text = text_from_grid(grid_from_form(form))
    assert text == "Mo-Fr 09:00-17:00; Sa 09:00-12:00; PH off"
    parse_opening_hours(text)  # the one validation accepts it
    with pytest.raises(OpeningHoursError, match="mardi"):
        grid_from_form({"hours-1-0-from": "17:00", "hours-1-0-to": "09:00"})
    with pytest.raises(OpeningHoursError, match="mercredi"):
        grid_from_form({"hours-2-0-from": "midi", "hours-2-0-to": "14:00"})
    assert text_from_grid(grid_from_form({"hours-always": "1"})) == "24/7"
    assert text_from_grid(WeekGrid()) == ""


def test_hours_in_words() -> None:
    assert (
        hours_in_words("Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off", FR)
        == "du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h 30 ; le samedi de 9 h à 12 h ; fermé les jours fériés"
    )
    assert hours_in_words("Mo-Su 09:00-23:00", FR) == "tous les jours de 9 h à 23 h"
    assert hours_in_words("24/7", FR) == "24 h sur 24, 7 jours sur 7"
    assert hours_in_words("Mo,We 10:00-12:00", FR) == "le lundi de 10 h à 12 h ; le mercredi de 10 h à 12 h"
    assert hours_in_words("Mo-Fr 09:00-17:00", FR, holidays=HolidayRule.CLOSED) == (
        "du lundi au vendredi de 9 h à 17 h ; fermé les jours fériés"
    )
    assert hours_in_words("Mo-Fr 09:00-12:00; PH 10:00-11:00", FR) == (
        "du lundi au vendredi de 9 h à 12 h ; les jours fériés de 10 h à 11 h"
    )
    assert "Monday" in hours_in_words("Mo-Fr 09:00-17:00", translator("en"))
    with pytest.raises(OpeningHoursError, match="illisibles"):
        hours_in_words("tous les jours", FR)
