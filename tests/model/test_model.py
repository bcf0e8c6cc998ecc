from datetime import date

import pytest
from pydantic import ValidationError

from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType


def _res(**kw: object) -> Resource:
    base: dict[str, object] = {
        "id": "x-1",
        "type": "CMP_ADULTE",
        "name": "CMP synthétique",
        "source": "synthetic",
        "last_verified": date(2026, 11, 1),
        "position": Position(lon=6.17, lat=49.11, precision=PositionPrecision.ADDRESS, source="test"),
    }
    base.update(kw)
    return Resource.model_validate(base)


def test_cmp_filter_covers_adult_and_child_cmps_and_services() -> None:
    assert _res(type="CMP_ENFANT").matches_type(ResourceType.CMP)
    assert _res(type="CMP_ADULTE").matches_type(ResourceType.CMP)
    # a CMP of unstated public may receive adults: kept for "CMP adultes" (see test_audience.py)
    assert _res(type="CMP").matches_type(ResourceType.CMP_ADULTE)
    assert not _res(type="CMP").matches_type(ResourceType.CMP_ADULTE, known_audience_only=True)
    hdj = _res(type="HDJ", services=("HDJ", "CMP", "CATTP"))
    assert hdj.matches_type(ResourceType.CATTP)
    assert not hdj.matches_type(ResourceType.GEM)


def test_audience_age() -> None:
    assert Audience(age_min=11, age_max=25).includes_age(15) is True
    assert Audience(age_min=18).includes_age(15) is False
    assert Audience().includes_age(15) is None
    with pytest.raises(ValidationError, match="inverser"):
        Audience(age_min=30, age_max=20)


def test_confidential_resource_publishes_commune_position_and_no_street() -> None:
    commune = Position(lon=6.1757, lat=49.1196, precision=PositionPrecision.COMMUNE, source="mairie")
    r = _res(confidential_address=True, street="3 rue Secrète", commune_position=commune)
    props = r.public_properties()
    assert props["street"] is None
    assert props["position_precision"] == "commune"
    assert r.public_position() == commune


def test_confidential_without_commune_is_refused() -> None:
    with pytest.raises(ValidationError, match="commune"):
        _res(confidential_address=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("insee_com", "5746"),
        ("postcode", "570"),
        ("finess_et", "57ABC"),
        ("email", "pas-un-mail"),
        ("website", "www.exemple.fr"),
        ("opening_hours", "toujours"),
        ("id", "a b"),
    ],
)
def test_field_checks(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        _res(**{field: value})


def test_internal_notes_are_not_public_and_public_info_is() -> None:
    r = _res(notes="do NOT geocode or publish an address (curation)", public_info="Accueil sans rendez-vous le mardi.")
    props = r.public_properties()
    assert "notes" not in props
    assert "do NOT geocode" not in repr(props)
    assert props["public_info"] == "Accueil sans rendez-vous le mardi."
