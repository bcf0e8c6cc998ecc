"""What people type, and where it should land: a table of real queries in both pilots and across France.

Expected codes are the official INSEE codes (COG) and ANCT QPV codes, written down from those
references, not read back from the gazetteer.
"""

from __future__ import annotations

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.gazetteer import AmbiguousPlaceError, PlaceNotFoundError, fold
from geo_clsm.engine.geocode import OfflineGeocoder


@pytest.fixture(scope="module")
def geocoder(catalog: Catalog) -> OfflineGeocoder:
    return OfflineGeocoder(catalog)


# (what is typed, expected place code, expected precision)
PLACES = [
    ("Metz", "57463", "commune"),
    ("metz", "57463", "commune"),
    ("METZ", "57463", "commune"),
    ("57463", "57463", "commune"),  # INSEE code
    ("57000", "57463", "commune"),  # postcode
    ("16000", "16015", "commune"),
    ("Angoulême", "16015", "commune"),
    ("angouleme", "16015", "commune"),
    ("Woippy", "57751", "commune"),
    ("Montigny-lès-Metz", "57480", "commune"),
    ("montigny les metz", "57480", "commune"),
    ("Saint-Julien-lès-Metz", "57616", "commune"),
    ("Soyaux", "16374", "commune"),
    ("La Couronne", "16113", "commune"),
    ("Saint-Michel", "16341", "commune"),  # homonyms: the pilot's one
    ("Paris 18e", "75118", "arrondissement"),
    ("Paris 18ème", "75118", "arrondissement"),
    ("75018", "75118", "arrondissement"),
    ("75018 Paris", "75118", "arrondissement"),
    ("Lyon 8e", "69388", "arrondissement"),
    ("69008", "69388", "arrondissement"),
    ("Marseille 1er", "13201", "arrondissement"),
    ("13001", "13201", "arrondissement"),
    ("Patrotte", "QN05722M", "qpv"),
    ("Metz-Nord", "QN05722M", "qpv"),
    ("metz nord", "QN05722M", "qpv"),
    ("Basseau", "QN01601M", "qpv"),
    ("Grande Garenne", "QN01601M", "qpv"),
    ("Borny", "QN05720M", "qpv"),
    ("Bellecroix", "QN05718M", "qpv"),
    ("Vallières", "QN05719M", "qpv"),  # the Metz QPV, not Vallières (10)
    ("Hauts de Vallières", "QN05719M", "qpv"),
    ("Sablon", "QN05721M", "qpv"),
    ("Champ de Manoeuvre", "QN01605M", "qpv"),
    ("Ma Campagne", "QN01602I", "qpv"),
    ("QN05720M", "QN05720M", "qpv"),
    ("Brest", "29019", "commune"),
    ("29200", "29019", "commune"),
    ("Toulouse", "31555", "commune"),
    ("Saint-Étienne", "42218", "commune"),
    ("St Etienne", "42218", "commune"),
    ("Saint-Denis (93)", "93066", "commune"),
    ("Ajaccio", "2A004", "commune"),
    ("Bastia", "2B033", "commune"),
    ("Nancy", "54395", "commune"),
    ("Thionville", "57672", "commune"),
    ("Mende", "48095", "commune"),
    ("Strasbourg", "67482", "commune"),
    ("67000", "67482", "commune"),
    ("Lyon", "69123", "commune"),
    ("Marseille", "13055", "commune"),
]


@pytest.mark.parametrize(("text", "code", "precision"), PLACES)
def test_what_people_type(geocoder: OfflineGeocoder, text: str, code: str, precision: str) -> None:
    res = geocoder.place(text)
    assert (res.code, res.precision) == (code, precision)
    assert res.message is None or "Autres lieux" in res.message


# Addresses whose street cannot be found offline: located at the commune, and saying so.
ADDRESSES = [
    ("1 rue Serpenoise Metz", "57463", "commune", "Adresse non trouvée : recherche autour de la mairie de Metz"),
    ("1 rue Serpenoise, 57000 Metz", "57463", "commune", "Adresse non trouvée : recherche autour de la mairie de Metz"),
    ("20 rue Gambetta 57000", "57463", "commune", "Adresse non trouvée : recherche autour de la mairie de Metz"),
    (
        "place de l'Hôtel de Ville, 16000 Angoulême",
        "16015",
        "commune",
        "Adresse non trouvée : recherche autour de la mairie d'Angoulême",
    ),
    (
        "12 rue de la République, 69002 Lyon",
        "69382",
        "arrondissement",
        "Adresse non trouvée : recherche autour de la mairie de Lyon 2e",
    ),
]


@pytest.mark.parametrize(("text", "code", "precision", "message"), ADDRESSES)
def test_address_located_at_its_commune_in_words(
    geocoder: OfflineGeocoder, text: str, code: str, precision: str, message: str
) -> None:
    res = geocoder.place(text)
    assert (res.code, res.precision, res.message) == (code, precision, message)


def test_homonyms_are_a_list_to_choose_from(geocoder: OfflineGeocoder, catalog: Catalog) -> None:
    with pytest.raises(AmbiguousPlaceError) as exc:
        geocoder.place("Saint-Denis")
    cands = exc.value.candidates
    # Independent check on the commune layer: the most populous Saint-Denis first (Réunion's, then 93's).
    c = catalog.communes
    same = c[c["nom"] == "Saint-Denis"].sort_values("population_municipale", ascending=False)
    assert [x["code"] for x in cands[:2]] == same["insee_com"].tolist()[:2]
    assert {"93066", "97411"} == {x["code"] for x in cands[:2]}
    assert all(fold(str(c["name"])) == "saint denis" for c in cands)
    assert [c["population"] for c in cands] == sorted((c["population"] for c in cands), reverse=True)  # type: ignore[type-var]
    assert "(57)" not in exc.value.message  # no made-up department example
    # A postcode shared by several communes of a pilot: the list, pilots first.
    with pytest.raises(AmbiguousPlaceError) as exc2:
        geocoder.commune("57050")
    codes = [c["code"] for c in exc2.value.candidates]
    assert {"57463", "57049", "57412"} <= set(codes) and codes[0] == "57463"
    # The choice comes back as its `query` and resolves to that place only.
    assert geocoder.place(str(cands[1]["query"])).code == cands[1]["code"]


@pytest.mark.parametrize(("typo", "meant"), [("Woipy", "57751"), ("Angoulem", "16015"), ("Thionvile", "57672")])
def test_typos_get_suggestions(geocoder: OfflineGeocoder, typo: str, meant: str) -> None:
    with pytest.raises(PlaceNotFoundError) as exc:
        geocoder.place(typo)
    assert exc.value.suggestions and exc.value.suggestions[0]["code"] == meant


def test_commune_parameter_excludes_qpv(geocoder: OfflineGeocoder) -> None:
    with pytest.raises(PlaceNotFoundError):
        geocoder.commune("Patrotte")
    assert geocoder.commune("75018").code == "75118"
    assert geocoder.commune("75018").insee_com == "75056"  # the commune of the shipped layer
