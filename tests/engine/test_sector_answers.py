"""Every nearest answer knows the psychiatric sector (issue 29 item 2), on FICTITIOUS sectors drawn
here over the real Metz territory (the places named referents are real Metz CMPs from ``layers/``;
the sectors, their names and extents are invented for the test):

- a sector whose referent CMP is farther than another CMP lists its referent first (even beyond
  the ``k`` nearest), marked « CMP de votre secteur », and the nearer one « hors secteur »;
- a commune split between two sectors: a point on each side gets its own sector; the commune
  itself (an address at commune precision) has an unknown sector, said plainly, distance order kept;
- a point in no sector: « secteur inconnu pour cette adresse », distance order;
- no sector data: « sectorisation non renseignée », no role, the answer otherwise unchanged;
- the public a result serves decides which sector's referent it is (a child's search never puts
  the adult sector's CMP first).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.answer import LOCATED_BY_COORDINATES, nearest_answer
from geo_clsm.engine.core import Engine
from geo_clsm.engine.nearest import NearestQuery
from geo_clsm.engine.sector_roles import result_public
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.sector import Extent, Sector

SOURCE = "FICTIF : secteurs inventés pour les tests (tests/engine/test_sector_answers.py)"

GAMBETTA = "metz-cmp-cattp-adultes-gambetta"  # CMP adultes, 6.1759 49.1102
METZ_NORD = "metz-cmp-cattp-adultes-metz-nord"  # CMP adultes, 6.1672 49.1386 (about 3 km north)
WINNICOTT = "metz-centre-winnicott-enfants"  # CMP enfants, 6.2084 49.1068
ADOS = "metz-cmp-adolescents-moselle"  # CMP enfants 11-17, 6.1718 49.1120

NEAR_GAMBETTA = (6.1765, 49.1095)  # a few hundred metres from Gambetta, in the south box
NORTH_POINT = (6.1700, 49.1300)
EAST_POINT = (6.2300, 49.1100)
OUTSIDE_POINT = (6.2300, 49.0450)  # in the Metz territory, in no fictitious sector of the first set


def box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"POLYGON (({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


def sector(sid: str, name: str, public: str, referents: tuple[str, ...], wkt: str) -> Sector:
    return Sector(
        id=sid,
        name=name,
        public=public,  # type: ignore[arg-type]
        establishment="Établissement fictif (test)",
        referents=referents,
        extent=Extent(polygon_wkt=wkt),
        territory="metz",
        source=SOURCE,
        last_verified=None,
    )


# Set 1: the south box's adult referent is Metz-Nord (farther than Gambetta, which is the north
# box's referent); one child sector over both; the south-east of the territory in no sector.
SOUTH = sector("FICTIF-T-SUD", "Secteur fictif Sud (test)", "adultes", (METZ_NORD,), box(6.10, 49.08, 6.20, 49.12))
NORTH = sector("FICTIF-T-NORD", "Secteur fictif Nord (test)", "adultes", (GAMBETTA,), box(6.10, 49.12, 6.20, 49.20))
CHILD = sector("FICTIF-T-ENF", "Secteur fictif enfants (test)", "enfants", (ADOS,), box(6.10, 49.08, 6.20, 49.20))

# Set 2: the commune of Metz (57463, 6.136° to 6.257° east) split at 6.19° east between two adult sectors.
WEST = sector("FICTIF-T-OUEST", "Secteur fictif Ouest (test)", "adultes", (METZ_NORD,), box(5.90, 48.90, 6.19, 49.30))
EAST = sector("FICTIF-T-EST", "Secteur fictif Est (test)", "adultes", (GAMBETTA,), box(6.19, 48.90, 6.40, 49.30))


def _engine(catalog: Catalog, *sectors: Sector) -> Engine:
    return Engine(dataclasses.replace(catalog, sectors=tuple(sectors)))


@pytest.fixture(scope="module")
def engine1(catalog: Catalog) -> Engine:
    return _engine(catalog, SOUTH, NORTH, CHILD)


@pytest.fixture(scope="module")
def engine2(catalog: Catalog) -> Engine:
    return _engine(catalog, WEST, EAST)


def _answer(
    engine: Engine, point: tuple[float, float], located: dict[str, Any] | None = None, **q: Any
) -> dict[str, Any]:
    query = NearestQuery(**q)
    return nearest_answer(point[0], point[1], located or dict(LOCATED_BY_COORDINATES), query=query, engine=engine)


def _ids(answer: dict[str, Any]) -> list[str]:
    return [f["id"] for f in answer["features"]]


def _roles(answer: dict[str, Any]) -> dict[str, Any]:
    return {f["id"]: f["properties"]["sector_role"] for f in answer["features"]}


def test_the_sector_referent_comes_first_and_the_nearer_cmp_is_out_of_sector(engine1: Engine, engine: Engine) -> None:
    plain = _answer(engine, NEAR_GAMBETTA, types=[ResourceType.CMP_ADULTE], k=2)
    assert _ids(plain)[0] == GAMBETTA and METZ_NORD not in _ids(plain)  # by distance, the referent is not even listed
    got = _answer(engine1, NEAR_GAMBETTA, types=[ResourceType.CMP_ADULTE], k=2)
    ids, props = _ids(got), {f["id"]: f["properties"] for f in got["features"]}
    assert ids[0] == METZ_NORD  # farther, first: the CMP of the person's sector
    assert props[METZ_NORD]["sector_role"] == "referent"
    assert props[METZ_NORD]["sector_label"] == "CMP de votre secteur"
    assert props[METZ_NORD]["distance_m"] > props[GAMBETTA]["distance_m"]
    assert props[GAMBETTA]["sector_role"] == "hors_secteur"
    assert props[GAMBETTA]["sector_label"] == "hors de votre secteur : appeler avant de vous déplacer"
    assert ids[1:] == _ids(plain)  # the others keep their distance order
    q = got["query"]
    assert q["sector_status"] == "known" and q["sector_note"] is None
    assert [(s["id"], s["public"], list(s["referents"])) for s in q["sectors"]] == [
        ("FICTIF-T-SUD", "adultes", [METZ_NORD]),
        ("FICTIF-T-ENF", "enfants", [ADOS]),
    ]
    assert all(s["name"].startswith("Secteur fictif") for s in q["sectors"])


def test_without_a_type_filter_each_public_gets_its_referent_and_other_places_no_role(engine1: Engine) -> None:
    got = _answer(engine1, NEAR_GAMBETTA, k=15)
    roles = _roles(got)
    assert _ids(got)[:2] == [METZ_NORD, ADOS] or _ids(got)[:2] == [ADOS, METZ_NORD]
    assert roles[METZ_NORD] == roles[ADOS] == "referent"
    assert roles[GAMBETTA] == "hors_secteur"
    non_cmp = [f for f in got["features"] if f["properties"]["type"] not in {"CMP_ADULTE", "CMP_ENFANT", "CMP", "HDJ"}]
    assert non_cmp and all(f["properties"]["sector_role"] is None for f in non_cmp)


def test_a_child_search_puts_the_child_sector_referent_first_never_the_adult_one(engine1: Engine) -> None:
    got = _answer(engine1, NEAR_GAMBETTA, types=[ResourceType.CMP], age=14, k=3)
    ids, roles = _ids(got), _roles(got)
    assert ids[0] == ADOS and roles[ADOS] == "referent"
    assert METZ_NORD not in ids  # the adult sector's CMP: not for a 14-year-old
    assert roles.get(WINNICOTT) in (None, "hors_secteur")  # a child CMP no sector names: no role


def test_another_sector_side_gets_its_own_referent(engine1: Engine) -> None:
    got = _answer(engine1, NORTH_POINT, types=[ResourceType.CMP_ADULTE], k=3)
    assert _ids(got)[0] == GAMBETTA and _roles(got)[GAMBETTA] == "referent"
    assert _roles(got).get(METZ_NORD) == "hors_secteur"
    assert [s["id"] for s in got["query"]["sectors"]] == ["FICTIF-T-NORD", "FICTIF-T-ENF"]


def test_a_commune_split_between_two_sectors(engine2: Engine, engine: Engine) -> None:
    west = _answer(engine2, (6.1700, 49.1200), types=[ResourceType.CMP_ADULTE], k=3)
    east = _answer(engine2, (6.2000, 49.1100), types=[ResourceType.CMP_ADULTE], k=3)
    assert west["query"]["commune"]["insee_com"] == east["query"]["commune"]["insee_com"] == "57463"
    assert [s["id"] for s in west["query"]["sectors"]] == ["FICTIF-T-OUEST"] and _ids(west)[0] == METZ_NORD
    assert [s["id"] for s in east["query"]["sectors"]] == ["FICTIF-T-EST"] and _ids(east)[0] == GAMBETTA
    # The address known only to the commune (its town-hall point): the sector is unknown, said plainly.
    located = {"located_by": "address", "method": "ban", "precision": "commune", "label": "Metz"}
    at_commune = _answer(engine2, (6.1757, 49.1197), located, types=[ResourceType.CMP_ADULTE], k=3)
    q = at_commune["query"]
    assert q["sectors"] == [] and q["sector_status"] == "split_commune"
    assert q["sector_note"].startswith("secteur inconnu pour cette adresse")
    assert all(f["properties"]["sector_role"] is None for f in at_commune["features"])
    plain = _answer(engine, (6.1757, 49.1197), located, types=[ResourceType.CMP_ADULTE], k=3)
    assert _ids(at_commune) == _ids(plain)  # distance order kept
    # The same point given exactly lies in the west sector: its referent first.
    exact = _answer(engine2, (6.1757, 49.1197), types=[ResourceType.CMP_ADULTE], k=3)
    assert exact["query"]["sector_status"] == "known" and _ids(exact)[0] == METZ_NORD


def test_a_commune_wholly_in_one_sector_at_commune_precision(engine2: Engine) -> None:
    # Montigny-lès-Metz (57480) lies west of 6.19° east: wholly in the west sector.
    located = {"located_by": "commune", "method": "commune", "precision": "commune", "label": "Montigny-lès-Metz"}
    got = _answer(engine2, (6.1526, 49.0980), located, types=[ResourceType.CMP_ADULTE], k=2)
    assert got["query"]["commune"]["insee_com"] == "57480"
    assert [s["id"] for s in got["query"]["sectors"]] == ["FICTIF-T-OUEST"]
    assert _ids(got)[0] == METZ_NORD


def test_a_point_in_no_sector(engine1: Engine, engine: Engine) -> None:
    got = _answer(engine1, OUTSIDE_POINT, types=[ResourceType.CMP_ADULTE], k=4)
    q = got["query"]
    assert q["sectors"] == [] and q["sector_status"] == "no_sector"
    assert q["sector_note"] == "secteur inconnu pour cette adresse"
    assert all(f["properties"]["sector_role"] is None for f in got["features"])
    assert _ids(got) == _ids(_answer(engine, OUTSIDE_POINT, types=[ResourceType.CMP_ADULTE], k=4))


def test_no_sector_data_says_so_and_changes_nothing_else(engine: Engine) -> None:
    got = _answer(engine, NEAR_GAMBETTA, types=[ResourceType.CMP_ADULTE], k=3)
    q = got["query"]
    assert q["sectors"] == [] and q["sector_status"] == "no_data"
    assert q["sector_note"] == "sectorisation non renseignée"
    assert all(f["properties"]["sector_role"] is None for f in got["features"])
    assert [f["properties"]["distance_m"] for f in got["features"]] == sorted(
        f["properties"]["distance_m"] for f in got["features"]
    )


def test_the_public_of_a_result(catalog: Catalog) -> None:
    by_id = catalog.resources_by_id
    assert result_public(by_id[GAMBETTA]) == "adultes"
    assert result_public(by_id[ADOS]) == "enfants"
    assert result_public(by_id["metz-cmp-regional"]) is None  # a CMP of unstated public
    assert result_public(by_id["metz-cmp-regional"], age=9) == "enfants"
    assert result_public(by_id["metz-cmp-regional"], age=30) == "adultes"
    cmpp = by_id[GAMBETTA].model_copy(update={"id": "synthetic-cmpp", "type": ResourceType.CMPP})
    assert result_public(cmpp, age=40) == "enfants"  # a CMPP serves children whatever the age asked
