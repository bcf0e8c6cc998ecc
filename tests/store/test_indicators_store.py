"""Partner indicators in the database of record (SQLite and PostgreSQL): stored, replaced, read back."""

from __future__ import annotations

from datetime import UTC, datetime

from geo_clsm.data.importers.indicators import IndicatorValue
from geo_clsm.store.db import connect, upgrade
from geo_clsm.store.indicators import indicator_rows, replace_indicator


def test_store_replace_and_select(db_url: str) -> None:
    db = connect(db_url)
    upgrade(db)
    at = datetime(2026, 11, 23, 12, tzinfo=UTC)
    first = [IndicatorValue("commune", "57463", 1.0), IndicatorValue("france", "FR", 2.0)]
    assert replace_indicator(db, first, name="SYNTHETIC A", source="synthetic", unit="u", at=at) == 2
    second = [
        IndicatorValue("territory", "metz", 3.5),
        IndicatorValue("department", "57", 4.0),
        IndicatorValue("commune", "57463", 5.0),
        IndicatorValue("commune", "16015", 6.0),
        IndicatorValue("territory", "angouleme", 7.0),
    ]
    replace_indicator(db, second, name="SYNTHETIC A", source="synthetic v2", unit="u", at=at)  # replaces, no national
    replace_indicator(db, [IndicatorValue("france", "FR", 9.0)], name="SYNTHETIC B", source="s", unit="u", at=at)
    rows = indicator_rows(db, territory="metz", departments={"57"}, communes={"57463"})
    assert [(r["name"], r["scope"], r["code"], r["value"], r["national_value"]) for r in rows] == [
        ("SYNTHETIC A", "territory", "metz", 3.5, None),
        ("SYNTHETIC A", "department", "57", 4.0, None),
        ("SYNTHETIC A", "commune", "57463", 5.0, None),
    ]
    assert {r["source"] for r in rows} == {"synthetic v2"} and rows[0]["imported_on"] == "2026-11-23"
    db.dispose()
