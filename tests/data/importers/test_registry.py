import csv
import re
from datetime import date
from pathlib import Path

from geo_clsm.data.importers.registry import audience_ages, import_registry, registry_record
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.model.position import PositionPrecision
from geo_clsm.model.resource_types import ResourceType

REGISTRY = Path(__file__).resolve().parents[3] / "layers" / "pilots" / "resources_metz_angouleme.csv"


def test_audience_rules() -> None:
    assert audience_ages("adolescents 13-20 ans et parents") == (13, 20)
    assert audience_ages("adultes") == (18, None)
    assert audience_ages("enfants") == (0, 17)
    assert audience_ages("tous") == (None, None)


def test_shipped_registry_imports_every_row(
    angouleme: tuple[object, dict[str, CommunePoint]], metz: tuple[object, dict[str, CommunePoint]]
) -> None:
    mairies = {**metz[1], **angouleme[1]}
    rep = import_registry(REGISTRY, verified_on=date(2026, 11, 22), communes=mairies)
    assert rep.rows_read == 35 and rep.imported == 35 and not rep.rejected
    by_id = {r.id: r for r in rep.records}
    gem = by_id["ang-gem-suis-ton-chemin"]
    assert gem.confidential_address and gem.public_properties()["street"] is None
    assert gem.public_position() is not None and gem.public_position().precision is PositionPrecision.COMMUNE  # type: ignore[union-attr]
    assert by_id["metz-clsm"].position is None  # « Pas un lieu - ne pas cartographier. »
    ucmp = by_id["ang-ucmp-ch-angouleme"]  # coordinates withheld in the source: commune precision
    assert ucmp.position is not None and ucmp.position.precision is PositionPrecision.COMMUNE
    assert ucmp.insee_com == "16341"
    assert by_id["ang-cmp-soyaux"].type is ResourceType.CMP
    gambetta = by_id["metz-cmp-cattp-adultes-gambetta"]
    assert gambetta.position is not None and gambetta.position.precision is PositionPrecision.ADDRESS
    assert gambetta.source_date == date(2020, 3, 6)
    assert all(r.source and r.last_verified == date(2026, 11, 22) for r in rep.records)


def test_territory_filter_excludes_with_reason() -> None:
    rep = import_registry(REGISTRY, verified_on=date(2026, 11, 22), territory_label="Grand Angoulême")
    assert rep.imported == 15 and len(rep.excluded) == 20
    assert rep.is_complete()


def test_registry_curation_notes_are_internal(
    angouleme: tuple[object, dict[str, CommunePoint]], metz: tuple[object, dict[str, CommunePoint]]
) -> None:
    rep = import_registry(REGISTRY, verified_on=date(2026, 11, 22), communes={**metz[1], **angouleme[1]})
    gem = {r.id: r for r in rep.records}["ang-gem-suis-ton-chemin"]
    assert gem.notes is not None and "ne pas géolocaliser" in gem.notes.casefold()
    for r in rep.records:
        assert r.public_info is None  # the registry has no public text: nothing is invented
        shown = repr(r.public_properties())
        assert not r.notes or r.notes[:40] not in shown


ENGLISH_WORDS = {"the", "and", "not", "was", "were", "found", "stated", "verify", "single", "same", "only", "address"}


def test_registry_curation_notes_are_french() -> None:
    """The notes and the confidence an editor reads in a pilot's record are French (they were English)."""
    with REGISTRY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for column in ("notes", "confidence"):
            words = set(re.findall(r"[a-z]+", row[column].lower()))
            assert not words & ENGLISH_WORDS, (row["id"], column, row[column])
    assert sum(1 for row in rows if row["notes"]) >= 25


def test_registry_matches_the_french_notes() -> None:
    """The importer reads « ne pas cartographier » and « lieu discret » in French notes."""
    base = {"id": "x", "type": "GEM", "name": "Synthétique", "commune": "Angoulême", "insee_com": "16015"}
    not_a_place = registry_record(
        {**base, "notes": "Pas un lieu - ne pas cartographier."}, verified_on=date(2026, 1, 1)
    )
    assert not_a_place["position_precision"] == "none"
    discreet = registry_record(
        {**base, "notes": "Garde volontairement un lieu discret - NE PAS géolocaliser."}, verified_on=date(2026, 1, 1)
    )
    assert discreet["confidential_address"] == "oui"
    plain = registry_record({**base, "notes": "Public non indiqué dans la source."}, verified_on=date(2026, 1, 1))
    assert plain["confidential_address"] is None and plain["position_precision"] is None
