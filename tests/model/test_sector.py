"""The sector model: extents are checked and normalised, a sector needs an extent, one public view."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from geo_clsm.model.sector import Extent, Sector

SQUARE = "POLYGON ((6.1 49.1, 6.2 49.1, 6.2 49.2, 6.1 49.2, 6.1 49.1))"


def _sector(**kw: object) -> Sector:
    base: dict[str, object] = {
        "id": "FICTIF-T01",
        "name": "Secteur fictif de test",
        "public": "adultes",
        "referents": ("metz-cmp-cattp-adultes-metz-nord",),
        "extent": Extent(communes=("57463",)),
        "source": "test (fictif)",
    }
    return Sector(**{**base, **kw})  # type: ignore[arg-type]


def test_extent_codes_sorted_and_unique() -> None:
    e = Extent(communes=("57751", "57463", "57751"), qpv=("QN05722M",))
    assert e.communes == ("57463", "57751")
    assert e == Extent(communes=("57463", "57751"), qpv=("QN05722M",))


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"communes": ("5746",)}, "code INSEE invalide"),
        ({"qpv": ("57720",)}, "code QPV invalide"),
        ({"polygon_wkt": "POLYGON ((0 0"}, "polygone illisible"),
        ({"polygon_wkt": "LINESTRING (0 0, 1 1)"}, "polygone attendu"),
        ({"polygon_wkt": "POLYGON ((700000 6800000, 700100 6800000, 700100 6800100, 700000 6800000))"}, "WGS84"),
        ({"polygon_wkt": "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"}, "invalide"),
    ],
)
def test_bad_extent_refused_in_french(kw: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Extent(**kw)  # type: ignore[arg-type]


def test_sector_needs_an_extent() -> None:
    with pytest.raises(ValidationError, match="sans étendue"):
        _sector(extent=Extent())


def test_sector_public_is_adults_or_children() -> None:
    with pytest.raises(ValidationError):
        _sector(public="tous")


def test_referents_keep_their_order_without_repeats() -> None:
    s = _sector(referents=("b-cmp", "a-cattp", "b-cmp"))
    assert s.referents == ("b-cmp", "a-cattp")


def test_public_view_is_the_one_dict() -> None:
    s = _sector(extent=Extent(polygon_wkt=SQUARE), last_verified=date(2026, 12, 1), territory="metz")
    assert s.public_view() == {
        "id": "FICTIF-T01",
        "name": "Secteur fictif de test",
        "public": "adultes",
        "establishment": "",
        "referents": ["metz-cmp-cattp-adultes-metz-nord"],
        "territory": "metz",
        "source": "test (fictif)",
        "last_verified": "2026-12-01",
    }
