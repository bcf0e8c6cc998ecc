"""Opening hours in words in each language of the pages, by the one describer (issue 27: in English and
Arabic the popups showed the OSM syntax): the public view carries them as ``opening_hours_words``."""

from __future__ import annotations

from datetime import date

from geo_clsm.model.hours import parse_opening_hours
from geo_clsm.model.hours_words import describe, in_words
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

HOURS = "Mo-Fr 09:00-12:00,14:00-17:30"


def test_one_describer_writes_every_language_of_the_pages() -> None:
    words = in_words(parse_opening_hours(HOURS))
    assert words["fr"] == describe(parse_opening_hours(HOURS))
    assert words["fr"] == "du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h 30 ; fermé les jours fériés"
    assert words["en"] == "Monday to Friday, from 9:00 to 12:00 and from 14:00 to 17:30; closed on public holidays"
    assert words["ar"].startswith("من الاثنين إلى الجمعة")
    for text in words.values():
        assert "Mo-Fr" not in text and "09:00-12:00" not in text  # words, not the OSM syntax


def test_the_public_view_carries_the_words_of_each_language() -> None:
    r = Resource(
        id="synthetic-hours-words",
        type=ResourceType.CMP_ADULTE,
        name="CMP synthétique (test)",
        opening_hours=HOURS,
        source="synthetic test fixture",
        last_verified=date(2026, 12, 1),
    )
    p = r.public_properties()
    assert p["opening_hours_words"] == in_words(r.hours)  # type: ignore[arg-type]
    assert p["opening_hours_fr"] == p["opening_hours_words"]["fr"]
    bare = r.model_copy(update={"opening_hours": None}).public_properties()
    assert bare["opening_hours_words"] is None and bare["opening_hours_fr"] is None
