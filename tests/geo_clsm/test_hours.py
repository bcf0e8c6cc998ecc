from datetime import datetime

import pytest

from geo_clsm.hours import OpeningHoursError, parse_opening_hours


def test_weekday_slots_and_is_open() -> None:
    oh = parse_opening_hours("Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00")
    assert len(oh.slots) == 5 * 2 + 1
    monday_10 = datetime(2026, 11, 23, 10, 0)
    monday_13 = datetime(2026, 11, 23, 13, 0)
    sunday_10 = datetime(2026, 11, 22, 10, 0)
    assert oh.is_open(monday_10)
    assert not oh.is_open(monday_13)
    assert not oh.is_open(sunday_10)
    assert oh.describe_fr().startswith("lundi 09h00–12h00, 14h00–17h30")


def test_later_rule_overrides_and_off() -> None:
    oh = parse_opening_hours("Mo-Fr 09:00-17:00; We off")
    assert not oh.is_open(datetime(2026, 11, 25, 10, 0))  # a Wednesday
    assert oh.is_open(datetime(2026, 11, 26, 10, 0))


def test_24_7_and_public_holidays_rule_kept_as_text() -> None:
    oh = parse_opening_hours("24/7; PH off")
    assert oh.is_open(datetime(2026, 12, 25, 3, 0))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("lundi 9h-12h", "jours « lundi »"),
        ("Mo-Fr 9-12", "heure « 9 »"),
        ("Mo 12:00-09:00", "la fin doit suivre"),
        ("Xx 09:00-10:00", "jours"),
        ("Mo 25:00-26:00", "heure"),
        ("", "horaires vides"),
    ],
)
def test_bad_hours_say_what_to_fix(text: str, fragment: str) -> None:
    with pytest.raises(OpeningHoursError, match=fragment):
        parse_opening_hours(text)
