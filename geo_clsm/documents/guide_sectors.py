"""The guide's « Votre secteur » (issue 29, item 4): for each commune of the territory (or each part
of a commune split between sectors), its psychiatric sectors and their referents, and the marks
that tell, in the lists, which places are a sector's referent.

The sectors and their extents come from the engine's index (:class:`~geo_clsm.engine.sectors.SectorIndex`);
only a sector's public view is printed. Without sector data the guide says « sectorisation non
renseignée » and never guesses a sector from distance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.sectors import SectorIndex
from geo_clsm.model.resource import Resource
from geo_clsm.model.sector import NO_SECTOR_DATA_FR, SECTOR_PUBLICS, Sector

PUBLIC_TITLES_FR = {"adultes": "Secteur adultes", "enfants": "Secteur enfants et adolescents"}
PUBLIC_SHORT_FR = {"adultes": "adultes", "enfants": "enfants et adolescents"}


@dataclass(frozen=True, slots=True)
class Referent:
    """A sector's referent as printed: its number in the guide's lists (None: not in this edition)."""

    number: int | None
    name: str
    type_label: str


@dataclass(frozen=True, slots=True)
class SectorCell:
    """One sector of a commune for one public: ``part`` when it covers only part of the commune."""

    id: str
    name: str
    establishment: str
    referents: tuple[Referent, ...]
    part: bool
    where: str = ""  # for a part: which part, when the extent names it (« QPV Borny »)


@dataclass(frozen=True, slots=True)
class CommuneRow:
    """A commune and, per public (:data:`~geo_clsm.model.sector.SECTOR_PUBLICS` order), its sectors
    (empty: « sectorisation non renseignée »)."""

    insee_com: str
    commune: str
    by_public: tuple[tuple[str, tuple[SectorCell, ...]], ...]


@dataclass(frozen=True, slots=True)
class YourSector:
    """The « Votre secteur » section: rows per commune, or none when the territory has no sector data."""

    informed: bool
    publics: tuple[tuple[str, str], ...]  # (public, column title)
    rows: tuple[CommuneRow, ...]
    not_informed: str = NO_SECTOR_DATA_FR


def _referents(sector: Sector, resources: Mapping[str, Resource], numbers: Mapping[str, int]) -> tuple[Referent, ...]:
    out = []
    for rid in sector.referents:
        r = resources.get(rid)
        if r is None:
            continue
        out.append(Referent(numbers.get(rid), r.public_properties()["display_name"], r.type.label_fr))
    return tuple(out)


def your_sector(
    catalog: Catalog, index: SectorIndex, *, territory: str, numbers: Mapping[str, int], audience: str
) -> YourSector:
    """The section for ``territory``: each commune's sectors of each public (children's first in the
    ``jeunes`` edition), their referents with the numbers of the guide's lists (``numbers``: resource
    id to number)."""
    publics = tuple(sorted(SECTOR_PUBLICS, key=lambda p: p != "enfants")) if audience == "jeunes" else SECTOR_PUBLICS
    titles = tuple((p, PUBLIC_TITLES_FR[p]) for p in publics)
    if not index.has_data_in(territory):
        return YourSector(False, titles, ())
    resources = catalog.resources_by_id
    communes = catalog.communes_of(territory).drop_duplicates("insee_com").sort_values("nom")
    qpv = catalog.qpv
    qpv_of: dict[str, dict[str, str]] = {}
    for q_code, q_name, q_com in zip(qpv["code_qp"], qpv["lib_qp"], qpv["insee_com"], strict=True):
        qpv_of.setdefault(str(q_com), {})[str(q_code)] = str(q_name)
    rows = []
    for code, name in zip(communes["insee_com"].astype(str), communes["nom"].astype(str), strict=True):
        found = index.for_commune(insee_com=code)
        cells = []
        for public in publics:
            mine = [s for s in found.sectors if s.public == public and s.territory == territory]
            whole = found.whole.get(public)
            cells.append(
                (
                    public,
                    tuple(
                        SectorCell(
                            s.id,
                            s.name,
                            s.establishment,
                            _referents(s, resources, numbers),
                            part=whole is None or whole.id != s.id,
                            where=_where(s, qpv_of.get(code, {})) if whole is None or whole.id != s.id else "",
                        )
                        for s in mine
                    ),
                )
            )
        rows.append(CommuneRow(code, name, tuple(cells)))
    return YourSector(True, titles, tuple(rows))


def _where(sector: Sector, qpv_here: Mapping[str, str]) -> str:
    """Which part of a commune a sector covers, as far as its extent names it."""
    names = [qpv_here[q] for q in sector.extent.qpv if q in qpv_here]
    parts = ["partie délimitée sur la carte"] if sector.extent.polygon_wkt else []
    if names:
        parts.append("quartier" + ("s " if len(names) > 1 else " ") + ", ".join(names))
    return " et ".join(parts)


def referent_marks(index: SectorIndex, *, territory: str) -> dict[str, tuple[str, ...]]:
    """Resource id -> what its entry in the lists says: « Référent du secteur adultes « Secteur X » (57G03) »."""
    marks: dict[str, list[str]] = {}
    for s in index.for_territory(territory):
        for rid in s.referents:
            marks.setdefault(rid, []).append(f"Référent du secteur {PUBLIC_SHORT_FR[s.public]} « {s.name} » ({s.id})")
    return {rid: tuple(m) for rid, m in marks.items()}


def sector_numbers(entries: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Resource id -> its number in the guide (the first when listed more than once)."""
    out: dict[str, int] = {}
    for rid, n in entries:
        out.setdefault(rid, n)
    return out
