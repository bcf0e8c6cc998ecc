"""Guide assembly (no rendering) and the static-map helpers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.guide import build_guide, is_for_youth
from geo_clsm.documents.staticmap import MapPoint, draw_map_png, merge_points, nice_scale_length_m
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Audience, Resource


def _res(rtype: str, age_min: int | None = None, age_max: int | None = None) -> Resource:
    return Resource(
        id=f"synthetic-{rtype}-{age_min}-{age_max}",
        type=rtype,  # type: ignore[arg-type]
        name="synthetic",
        source="synthetic",
        last_verified=date(2026, 11, 1),
        audience=Audience(age_min=age_min, age_max=age_max),
    )


@pytest.mark.parametrize(
    ("rtype", "ages", "kept"),
    [
        ("CMP_ADULTE", (None, None), False),  # adults in general (18+ implied by the type)
        ("GEM", (18, None), False),
        ("CMP_ADULTE", (60, None), False),
        ("CMP_ENFANT", (None, None), True),
        ("MDA", (13, 20), True),
        ("PAEJ", (18, 25), True),  # young adults only
        ("CSAPA", (13, 80), True),
        ("URGENCES_PSY", (None, None), True),  # unknown audience: kept
        ("CMPP", (0, 10), False),
    ],
)
def test_youth_rule(rtype: str, ages: tuple[int | None, int | None], kept: bool) -> None:
    assert is_for_youth(_res(rtype, *ages)) is kept


def test_numbers_are_sequential_in_reading_order_and_sections_follow_the_type_order(guide_catalog: Catalog) -> None:
    g = build_guide(guide_catalog, territory="metz", audience="jeunes", generated_on=date(2026, 11, 23))
    flat = [e.number for s in g.sections for c in s.communes for e in c.entries]
    assert flat == list(range(1, len(g.entries) + 1))
    assert [s.type for s in g.sections][:3] == ["MDA", "PAEJ", "CMP_ENFANT"]
    local = {r.id for r in guide_catalog.resources if r.territory == "metz" and is_for_youth(r)}
    lines = {r.id for r in guide_catalog.resources if r.id.startswith("ligne-")}  # national phone lines
    assert "ligne-fil-sante-jeunes" in lines
    assert {e.id for e in g.entries} == local | lines
    crisis = next(s for s in g.situations if s.title.startswith("Crise"))
    assert crisis.sections and crisis.sections[0].type == "URGENCES_PSY"


def test_confidential_entry_shows_its_commune_only(guide_catalog: Catalog) -> None:
    g = build_guide(guide_catalog, territory="metz", generated_on=date(2026, 11, 23))
    entry = next(e for e in g.entries if e.id == "synthetic-lieu-discret")
    assert "Synthétique-Secrète" not in entry.address and "Metz" in entry.address
    assert entry.approximate  # placed at the town hall on the map
    town = guide_catalog.mairies["57463"]
    assert (entry.lon, entry.lat) == (town.lon, town.lat)


def test_unknown_territory_or_audience_is_refused_in_french(guide_catalog: Catalog) -> None:
    with pytest.raises(NotFoundError, match="territoires pilotes"):
        build_guide(guide_catalog, territory="france", generated_on=date(2026, 11, 23))
    with pytest.raises(InvalidInputError, match="public « adultes » inconnu"):
        build_guide(guide_catalog, territory="metz", audience="adultes", generated_on=date(2026, 11, 23))


def test_scale_bar_length_and_marker_merging() -> None:
    assert nice_scale_length_m(30_000) == 5_000
    assert nice_scale_length_m(2_600) == 500
    assert nice_scale_length_m(12_000) == 2_000
    # 0.0005° of latitude is about 56 m: merged at 60 m, not at 30 m.
    pts = [MapPoint(1, 6.17, 49.11), MapPoint(2, 6.17, 49.1105), MapPoint(3, 6.20, 49.11)]
    assert sorted(m.label for m in merge_points(pts, crs="EPSG:2154", merge_distance_m=60)) == ["1,2", "3"]
    assert len(merge_points(pts, crs="EPSG:2154", merge_distance_m=30)) == 3


def test_map_png_has_the_requested_size(guide_catalog: Catalog) -> None:
    communes = guide_catalog.communes[guide_catalog.communes["territory"] == "angouleme"]
    png = draw_map_png(
        communes=communes, points=[MapPoint(1, 0.156, 45.648)], crs="EPSG:2154", width_mm=100, height_mm=80, dpi=100
    )
    img = Image.open(io.BytesIO(png))
    assert img.size == (int(100 / 25.4 * 100), int(80 / 25.4 * 100))  # matplotlib truncates
    assert img.convert("L").getextrema()[0] < 60  # a dark marker is drawn


def test_hours_in_words_group_days() -> None:
    from geo_clsm.documents.content import ages_fr, hours_fr

    assert hours_fr("24/7") == "24 h sur 24, 7 jours sur 7"
    assert hours_fr("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00") == (
        "du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h ; le samedi de 9 h à 12 h ; fermé les jours fériés"
    )
    assert hours_fr("Mo-Su 08:00-20:00") == "tous les jours de 8 h à 20 h ; fermé les jours fériés"
    assert (
        hours_fr("Mo,We 10:00-12:00") == "le lundi de 10 h à 12 h ; le mercredi de 10 h à 12 h ; fermé les jours fériés"
    )
    assert hours_fr(None) is None
    assert ages_fr(0, None) is None and ages_fr(12, 25) == "de 12 à 25 ans" and ages_fr(None, 17) == "jusqu'à 17 ans"
