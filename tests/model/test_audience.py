"""The one type/audience rule (``Resource.matches_type``, ``query.matches_audience``), on a
fixture whose audiences are known: every type rule is checked in both directions (kept and
not kept), with unknown audiences kept by default and dropped with ``known_audience_only``."""

from __future__ import annotations

from datetime import date

import pytest

from geo_clsm.engine.query import audience_unknown, count_unknown_audience, filter_resources, matches_audience
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType

T = ResourceType


def _res(
    rid: str, rtype: str, *, services: tuple[str, ...] = (), ages: tuple[int | None, int | None] | None = None
) -> Resource:
    audience = Audience() if ages is None else Audience(age_min=ages[0], age_max=ages[1])
    return Resource(
        id=rid,
        type=T(rtype),
        services=services,
        name=f"synthetic {rid}",
        audience=audience,
        position=Position(lon=6.17, lat=49.11, precision=PositionPrecision.ADDRESS, source="synthetic"),
        source="synthetic test fixture",
        last_verified=date(2026, 11, 1),
    )


# The fixture: resources with known audiences, and the unknown-audience cases of the issue
# (a "CMP" of unstated public, a day hospital offering a CMP).
FIXTURE = {
    "cmp_adulte": _res("cmp_adulte", "CMP_ADULTE"),  # implied 18+
    "cmp_enfant": _res("cmp_enfant", "CMP_ENFANT"),  # implied 0-17
    "cmp_adults_stated": _res("cmp_adults_stated", "CMP", ages=(18, None)),
    "cmp_children_stated": _res("cmp_children_stated", "CMP", ages=(0, 17)),
    "cmp_16_25": _res("cmp_16_25", "CMP", ages=(16, 25)),  # both publics
    "cmp_unknown": _res("cmp_unknown", "CMP"),
    "hdj_cmp_unknown": _res("hdj_cmp_unknown", "HDJ", services=("HDJ", "CMP", "CATTP")),
    "hdj_cmp_children": _res("hdj_cmp_children", "HDJ", services=("HDJ", "CMP"), ages=(3, 16)),
    "hdj_cmp_enfant_service": _res("hdj_cmp_enfant_service", "HDJ", services=("CMP_ENFANT",)),
    "mda": _res("mda", "MDA"),  # implied 11-25
    "gem": _res("gem", "GEM"),
}

# Expected ids kept by each type filter, (default, known audience only).
EXPECTED: dict[ResourceType, tuple[set[str], set[str]]] = {
    T.CMP_ADULTE: (
        {"cmp_adulte", "cmp_adults_stated", "cmp_16_25", "cmp_unknown", "hdj_cmp_unknown"},
        {"cmp_adulte", "cmp_adults_stated", "cmp_16_25"},
    ),
    T.CMP_ENFANT: (
        {"cmp_enfant", "cmp_children_stated", "cmp_16_25", "cmp_unknown", "hdj_cmp_unknown", "hdj_cmp_children"}
        | {"hdj_cmp_enfant_service"},
        {"cmp_enfant", "cmp_children_stated", "cmp_16_25", "hdj_cmp_children", "hdj_cmp_enfant_service"},
    ),
    T.CMP: (
        {k for k in FIXTURE if k.startswith(("cmp", "hdj"))},
        {k for k in FIXTURE if k.startswith(("cmp", "hdj"))},
    ),
    T.HDJ: ({"hdj_cmp_unknown", "hdj_cmp_children", "hdj_cmp_enfant_service"},) * 2,
    T.CATTP: ({"hdj_cmp_unknown"}, {"hdj_cmp_unknown"}),
    T.MDA: ({"mda"}, {"mda"}),
    T.GEM: ({"gem"}, {"gem"}),
}


@pytest.mark.parametrize("wanted", list(EXPECTED))
def test_every_type_rule_both_directions(wanted: ResourceType) -> None:
    default, known = EXPECTED[wanted]
    for rid, r in FIXTURE.items():
        assert r.matches_type(wanted) is (rid in default), (wanted, rid)
        assert r.matches_type(wanted, known_audience_only=True) is (rid in known), (wanted, rid, "known")
        assert audience_unknown(r, types=[wanted]) is (rid in default - known), (wanted, rid)


@pytest.mark.parametrize("wanted", [t for t in ResourceType if t not in EXPECTED])
def test_other_types_keep_their_own_and_nothing_else(wanted: ResourceType) -> None:
    own = _res("own", wanted.value)
    assert own.matches_type(wanted) and own.matches_type(wanted, known_audience_only=True)
    for r in FIXTURE.values():
        assert not r.matches_type(wanted)


def test_age_filter_uses_the_same_rule() -> None:
    rs = list(FIXTURE.values())
    kept = {r.id for r in filter_resources(rs, age=40)}
    # The HDJ offering a child CMP has no stated audience itself: unknown for an adult.
    assert kept == {
        "cmp_adulte",
        "cmp_adults_stated",
        "cmp_unknown",
        "hdj_cmp_unknown",
        "hdj_cmp_enfant_service",
        "gem",
    }
    known = {r.id for r in filter_resources(rs, age=40, known_audience_only=True)}
    assert known == {"cmp_adulte", "cmp_adults_stated"}
    assert {r.id for r in filter_resources(rs, age=12, types=[T.CMP_ENFANT], known_audience_only=True)} == {
        "cmp_enfant",
        "cmp_children_stated",
        "hdj_cmp_children",
        "hdj_cmp_enfant_service",
    }
    assert not matches_audience(FIXTURE["mda"], age=30)
    assert count_unknown_audience(rs, types=[T.CMP_ADULTE]) == 2
    assert count_unknown_audience(rs, age=40) == 4  # cmp_unknown, both unstated HDJ, gem


def test_accepts_age_tri_state() -> None:
    assert FIXTURE["cmp_adulte"].accepts_age(40) is True
    assert FIXTURE["cmp_adulte"].accepts_age(12) is False
    assert FIXTURE["cmp_16_25"].accepts_age(16) is True and FIXTURE["cmp_16_25"].accepts_age(26) is False
    assert FIXTURE["cmp_unknown"].accepts_age(40) is None
