"""Public holidays by type of place (geo_clsm.model.resource_types.HOLIDAY_RULES, docs/hours.md), checked
against opening_hours.js, the reference evaluation of OSM opening hours (npm ``opening_hours``,
installed by ``make ohjs`` into the git-ignored .cache/ohjs, run by node): for each type's rule,
the same strings at the same instants (public holidays, nights, weekdays) give the same state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from geo_clsm.data.importers.lines import import_national_lines
from geo_clsm.model.hours import HolidayRule, implied_rule, open_state, parse_opening_hours
from geo_clsm.model.resource_types import HOLIDAY_RULES, ResourceType

ROOT = Path(__file__).resolve().parents[2]
OHJS = ROOT / ".cache" / "ohjs" / "node_modules" / "opening_hours" / "package.json"
SCRIPT = Path(__file__).with_name("oh_reference.js")

HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",  # a CMP's week
    "Mo-Fr 09:00-17:00; Sa 09:00-12:00",
    "Mo,We,Fr 13:30-18:00",
    "Mo-Su 09:00-23:00",  # Fil Santé Jeunes
    "Mo-Su 00:00-02:00,08:00-24:00",  # Drogues Info Service (8 h - 2 h)
    "Mo-Su 00:00-01:00,15:00-24:00",
    "Fr 20:00-02:00",
    "24/7",
    "Mo-Fr 09:00-17:00; PH 10:00-12:00",
    "Mo-Su 08:00-20:00; PH off",
]
INSTANTS = [
    datetime(2026, 12, 25, 10, 0),  # Christmas, a Friday
    datetime(2026, 12, 25, 1, 30),
    datetime(2026, 12, 25, 21, 0),
    datetime(2026, 12, 23, 10, 0),  # an ordinary Wednesday
    datetime(2026, 12, 23, 13, 0),
    datetime(2026, 12, 26, 1, 0),  # the night after Christmas
    datetime(2027, 1, 1, 0, 30),  # New Year's night
    datetime(2027, 1, 1, 11, 0),
    datetime(2027, 3, 29, 10, 0),  # Easter Monday
    datetime(2027, 5, 1, 10, 0),  # 1 May, a Saturday
    datetime(2027, 7, 14, 20, 0),  # 14 July, a Wednesday
    datetime(2027, 7, 15, 10, 0),
    datetime(2027, 8, 15, 16, 0),  # 15 August, a Sunday
    datetime(2027, 11, 1, 9, 0),  # All Saints, a Monday
]


def _reference(cases: list[tuple[str, list[datetime]]]) -> list[list[str]]:
    if not OHJS.exists() or shutil.which("node") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("opening_hours.js is missing: run `make ohjs` (npm install into .cache/ohjs)")
        pytest.skip("opening_hours.js is missing: run `make ohjs`")
    payload = json.dumps([{"rule": r, "at": [t.isoformat(timespec="minutes") for t in at]} for r, at in cases])
    proc = subprocess.run(
        ["node", str(SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "TZ": "Europe/Paris"},
    )
    out: list[list[str]] = json.loads(proc.stdout)
    return out


def test_every_type_has_a_holiday_rule() -> None:
    assert set(HOLIDAY_RULES) == set(ResourceType)


@pytest.mark.parametrize("rule", list(HolidayRule))
def test_our_evaluation_is_opening_hours_js(rule: HolidayRule) -> None:
    cases = [(implied_rule(text, rule), INSTANTS) for text in HOURS]
    expected = _reference(cases)
    for text, states in zip(HOURS, expected, strict=True):
        hours = parse_opening_hours(text, rule)
        assert hours.rule == implied_rule(text, rule)
        ours = [open_state(hours, t) for t in INSTANTS]
        assert ours == states, f"{text!r} ({rule}): {list(zip(INSTANTS, ours, states, strict=True))}"


def test_the_shipped_lines_against_opening_hours_js() -> None:
    """The national lines as the product reads them (their type's rule), at every instant."""
    lines = import_national_lines(
        ROOT / "layers" / "france" / "national_lines.csv", verified_on=date(2026, 12, 1)
    ).records
    timed = [r for r in lines if r.hours is not None]
    assert len(timed) >= 4
    expected = _reference([(r.hours.rule, INSTANTS) for r in timed if r.hours is not None])
    for r, states in zip(timed, expected, strict=True):
        assert [open_state(r.hours, t) for t in INSTANTS] == states, r.id


def test_the_holiday_rule_per_kind_of_place() -> None:
    """A CMP closes on Christmas; a line open « Mo-Su » stays open, as does a hospital's emergency."""
    christmas_10h = datetime(2026, 12, 25, 10, 0)
    weekday = "Mo-Fr 09:00-17:00"
    every_day = "Mo-Su 09:00-23:00"
    assert open_state(parse_opening_hours(weekday, HOLIDAY_RULES[ResourceType.CMP_ADULTE]), christmas_10h) == "closed"
    assert (
        open_state(parse_opening_hours(weekday, HOLIDAY_RULES[ResourceType.CMP_ADULTE]), datetime(2026, 12, 23, 10))
        == "open"
    )
    assert open_state(parse_opening_hours(every_day, HOLIDAY_RULES[ResourceType.LIGNE_ECOUTE]), christmas_10h) == "open"
    assert open_state(parse_opening_hours(every_day, HOLIDAY_RULES[ResourceType.URGENCES_PSY]), christmas_10h) == "open"
    assert open_state(parse_opening_hours(every_day, HOLIDAY_RULES[ResourceType.GEM]), christmas_10h) == "closed"
    assert open_state(None, christmas_10h) == "unknown"
