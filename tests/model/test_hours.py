from datetime import datetime

import pytest

from geo_clsm.model.hours import OpeningHoursError, parse_opening_hours
from geo_clsm.model.hours_words import describe


def test_weekday_slots_and_is_open() -> None:
    oh = parse_opening_hours("Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00")
    assert len(oh.slots) == 5 * 2 + 1
    monday_10 = datetime(2026, 11, 23, 10, 0)
    monday_13 = datetime(2026, 11, 23, 13, 0)
    sunday_10 = datetime(2026, 11, 22, 10, 0)
    assert oh.is_open(monday_10)
    assert not oh.is_open(monday_13)
    assert not oh.is_open(sunday_10)
    assert describe(oh).startswith("du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h 30")


def test_later_rule_overrides_and_off() -> None:
    oh = parse_opening_hours("Mo-Fr 09:00-17:00; We off")
    assert not oh.is_open(datetime(2026, 11, 25, 10, 0))  # a Wednesday
    assert oh.is_open(datetime(2026, 11, 26, 10, 0))


def test_public_holidays_count_in_the_parsed_hours() -> None:
    """The parsed hours (used by the open_at filter) and open_now are one evaluation: closed on
    Christmas (a Friday) unless a PH rule says otherwise; 24/7 stays open."""
    assert not parse_opening_hours("Mo-Fr 09:00-17:00").is_open(datetime(2026, 12, 25, 10, 0))
    assert parse_opening_hours("Mo-Fr 09:00-17:00").is_open(datetime(2026, 12, 24, 10, 0))
    assert parse_opening_hours("Mo-Fr 09:00-17:00; PH 09:00-12:00").is_open(datetime(2026, 12, 25, 10, 0))
    assert parse_opening_hours("24/7").is_open(datetime(2026, 12, 25, 3, 0))
    assert not parse_opening_hours("24/7; PH off").is_open(datetime(2026, 12, 25, 3, 0))
    assert len(parse_opening_hours("24/7; PH off").slots) == 7  # the regular week: every day


def test_a_range_past_midnight_is_cut_at_midnight() -> None:
    oh = parse_opening_hours("Fr 20:00-02:00")
    assert [(s.weekday, s.start_min, s.end_min) for s in oh.slots] == [(4, 1200, 1440), (5, 0, 120)]
    assert oh.is_open(datetime(2026, 11, 28, 1, 0))  # Saturday 01:00


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("lundi 9h-12h", "horaires « lundi 9h-12h » illisibles"),
        ("Mo-Fr 9-12", "à partir de « 9-12 »"),
        ("Xx 09:00-10:00", "jours Mo Tu We Th Fr Sa Su"),
        ("Mo 25:00-26:00", "heures HH:MM"),
        ("", "horaires vides"),
        ("Mo-Fr 09:00-17:00; Jul-Aug off", "semaine habituelle"),
    ],
)
def test_bad_hours_say_what_to_fix(text: str, fragment: str) -> None:
    with pytest.raises(OpeningHoursError, match=fragment):
        parse_opening_hours(text)
