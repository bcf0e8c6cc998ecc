"""One way to name a place: communes, arrondissements, postcodes and QPV, resolved offline.

Every parameter that takes a commune (``/api/nearest?commune=``, ``/api/resources?commune=``,
the map's search box) goes through :meth:`Gazetteer.commune`, so a name, an INSEE code or a
postcode is understood the same way everywhere, with the same disambiguation:

- five digits are a postcode when La Poste's table has it, else an INSEE code ("insee:13001"
  forces the INSEE reading);
- several places answer -> the one in a pilot territory when exactly one is, the others
  listed as ``alternatives``; otherwise :class:`AmbiguousPlaceError` with the candidates
  (name, department, population), pilots first then by population;
- nothing answers -> :class:`PlaceNotFoundError` with suggestions from a fuzzy match
  (rapidfuzz) on the names.

Names are compared folded: accents, case, hyphens and apostrophes ignored, "St" = "Saint".
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from rapidfuzz import fuzz, process

from geo_clsm.data.catalog import Catalog
from geo_clsm.model.errors import InvalidInputError, NotFoundError

T = TypeVar("T")

_STOP = {"la", "le", "les", "de", "du", "des", "d", "l", "quartier", "cite", "et", "sur", "en", "au", "aux"}
_INSEE = re.compile(r"^(\d{5}|2[ab]\d{3})$")
_POSTCODE = re.compile(r"^\d{5}$")
_ARM = re.compile(r"^(paris|lyon|marseille) (\d{1,2}) ?(e|er|eme|ieme|em)?( arr| arrondissement)?$")
_ARM_PARENT = {"paris": "75056", "lyon": "69123", "marseille": "13055"}
_ARM_PREFIX = {"75056": "751", "69123": "6938", "13055": "132"}


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ST = re.compile(r"\bst\b")
_STE = re.compile(r"\bste\b")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accent-free words: 'Saint-Étienne' -> 'saint etienne', 'St Denis' -> 'saint denis'."""
    s = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    s = s.encode("ascii", "ignore").decode().lower()
    s = _NON_ALNUM.sub(" ", s)
    s = _STE.sub("sainte", _ST.sub("saint", s))
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    """A place the gazetteer knows: a commune, a municipal arrondissement or a QPV."""

    kind: str  # "commune", "arrondissement" or "qpv"
    code: str  # INSEE code (commune, arrondissement) or QPV code
    name: str
    dep: str
    population: int | None
    lon: float
    lat: float
    pilot: bool
    insee_com: str | None  # the commune of the shipped commune layer that holds the place
    point: str  # "mairie", "centre" (a point inside the commune) or "quartier"

    @property
    def label(self) -> str:
        if self.kind == "qpv":
            return f"quartier {self.name} ({self.dep})"  # the department, as for a commune: no internal code
        return f"{self.name} ({self.dep})"

    @property
    def query(self) -> str:
        """Text that names this place and nothing else (to send back after a choice)."""
        return f"qpv:{self.code}" if self.kind == "qpv" else f"insee:{self.code}"

    def as_candidate(self) -> dict[str, object]:
        return {
            "label": self.label,
            "name": self.name,
            "kind": self.kind,
            "code": self.code,
            "department": self.dep,
            "population": self.population,
            "pilot": self.pilot,
            "query": self.query,
        }


@dataclass(frozen=True, slots=True)
class Resolved:
    """A resolved place, the words that say how, and the other places of the same name."""

    place: PlaceEntry
    message: str | None = None
    alternatives: tuple[PlaceEntry, ...] = field(default=())


class AmbiguousPlaceError(InvalidInputError):
    """Several places answer a text: the caller must choose one of ``candidates``."""

    def __init__(self, message: str, candidates: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class PlaceNotFoundError(NotFoundError):
    """No place answers a text; ``suggestions`` are the closest names (may be empty)."""

    def __init__(self, message: str, suggestions: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class _Shared:
    """One string object per value while the gazetteer is built (not ``sys.intern``: its table
    would keep growing); anything else is returned as it is."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, value: T) -> T:
        return self._seen.setdefault(value, value) if isinstance(value, str) else value  # type: ignore[return-value]


def _xy(point: shapely.Point) -> tuple[float, float]:
    return float(point.x), float(point.y)


def _rank(e: PlaceEntry) -> tuple[bool, int]:
    return (not e.pilot, -(e.population or 0))


class Gazetteer:
    """Communes (with town-hall points), arrondissements, postcodes and QPV of the loaded layers."""

    def __init__(self, catalog: Catalog) -> None:
        arms = _read_arrondissements(catalog)
        pilots = {t.id for t in catalog.territories.values() if t.kind == "pilot"}
        table = catalog.commune_table  # compact: only communes without a town hall have their polygon built
        c = table.attrs
        codes = c["insee_com"].astype(str).tolist()
        no_town = [i for i, code in enumerate(codes) if code not in catalog.mairies]
        inside = dict(zip(no_town, shapely.point_on_surface(table.geometries(no_town)).tolist(), strict=True))
        shared = _Shared()
        self.communes: dict[str, PlaceEntry] = {}
        for i, (insee, name, dep, pop, terr) in enumerate(  # plain lists: iterating pandas arrays is slow
            zip(
                codes,
                c["nom"].astype(str).tolist(),
                c["dep"].astype(str).tolist(),
                c["population_municipale"].tolist(),
                c["territory"].tolist(),
                strict=True,
            )
        ):
            if insee in self.communes:  # pilot rows come first
                continue
            insee, dep = shared(insee), shared(dep)  # one string per code and department (memory)
            town = catalog.mairies.get(insee)
            lon, lat, how = (town.lon, town.lat, "mairie") if town else (*_xy(inside[i]), "centre")
            popn = int(pop) if pop == pop and pop is not None else None
            self.communes[insee] = PlaceEntry("commune", insee, name, dep, popn, lon, lat, terr in pilots, insee, how)
        self.arrondissements: dict[str, PlaceEntry] = {}
        for code, row in arms.items():
            parent = self.communes.get(row["parent"])
            if row["kind"] == "ARM" and parent is not None and row["lon"]:
                name = re.sub(r" Arrondissement$", "", row["nom"])
                self.arrondissements[code] = PlaceEntry(
                    "arrondissement", code, name, parent.dep, int(row["population"] or 0) or None,
                    float(row["lon"]), float(row["lat"]), parent.pilot, parent.code,
                    "mairie" if row["point"] == "mairie" else "centre",
                )  # fmt: skip
        self.postcodes = _read_postcodes(catalog, shared)
        q = catalog.qpv.drop_duplicates("code_qp")
        qpts = shapely.point_on_surface(np.asarray(q.geometry.values))
        self.qpv: dict[str, PlaceEntry] = {}
        for code, name, terr, insee, pt in zip(
            q["code_qp"].tolist(),
            q["lib_qp"].tolist(),
            q["territory"].tolist(),
            q["insee_com"].tolist(),
            qpts,
            strict=True,
        ):
            first = str(insee).split(",")[0]
            dep = self.communes[first].dep if first in self.communes else ""
            self.qpv[code] = PlaceEntry(
                "qpv", code, str(name), dep, None, float(pt.x), float(pt.y), terr in pilots, first, "quartier"
            )
        by_name: dict[str, list[PlaceEntry]] = {}
        for e in [*self.communes.values(), *self.arrondissements.values(), *self.qpv.values()]:
            by_name.setdefault(fold(e.name), []).append(e)
        self._by_name = {key: tuple(entries) for key, entries in by_name.items()}  # tuples: smaller
        self._qpv_words = {code: _qpv_phrases(e.name) for code, e in self.qpv.items()}
        self._fuzzy_keys = list(self._by_name)

    # -- exact forms -------------------------------------------------------------------------
    def _coded(self, f: str) -> list[PlaceEntry] | None:
        """Entries for a code-like text (INSEE, postcode, QPV code, 'insee:…', 'Paris 18e'); None if not code-like."""
        if f.startswith("insee "):
            code = f[6:].upper()
            hit = self.communes.get(code) or self.arrondissements.get(code)
            return [hit] if hit else []
        if f.startswith("qpv ") or re.fullmatch(r"qn\d{3}\d{2}[a-z]", f.replace(" ", "")):
            code = f.removeprefix("qpv ").replace(" ", "").upper()
            return [self.qpv[code]] if code in self.qpv else []
        m = _ARM.match(f)
        if m:
            parent = _ARM_PARENT[m.group(1)]
            n = int(m.group(2))
            code = f"{_ARM_PREFIX[parent]}{n:02d}" if parent != "69123" else f"6938{n}"
            hit = self.arrondissements.get(code)
            return [hit] if hit else []
        if _INSEE.match(f) or _POSTCODE.match(f):
            # Five digits that are a postcode are read as one (people type postcodes); an INSEE code
            # that is also a postcode ("13001": Aix-en-Provence or Marseille 1er) is named "insee:13001".
            out = [
                e
                for code in self.postcodes.get(f, ())
                if (e := self.arrondissements.get(code) or self.communes.get(code)) is not None
            ]
            hit = self.communes.get(f.upper()) or self.arrondissements.get(f.upper())
            return out or ([hit] if hit else [])
        return None

    def _named(self, f: str, *, qpv: bool) -> list[PlaceEntry]:
        """Exact name matches, and (``qpv``) QPV whose name holds the text as a distinctive part."""
        out = [e for e in self._by_name.get(f, ()) if qpv or e.kind != "qpv"]
        if qpv and set(f.split()) - _STOP:
            out += [self.qpv[c] for c, phrases in self._qpv_words.items() if f in phrases and self.qpv[c] not in out]
        return out

    def _with_hint(self, text: str) -> tuple[str, str | None, str | None]:
        """Split 'Metz (57)', '57000 Metz', 'Metz 57000' into (folded name, department, postcode)."""
        f = fold(text)
        m = re.match(r"^(.*?)\s*\((\w{2,3})\)\s*$", text.strip())
        if m:
            return fold(m.group(1)), m.group(2).upper(), None
        m2 = re.match(r"^(\d{5}) (\D.*)$", f) or re.match(r"^(\D.*?) (\d{5})$", f)
        if m2:
            pc, name = (m2.group(1), m2.group(2)) if m2.group(1).isdigit() else (m2.group(2), m2.group(1))
            return name, None, pc
        return f, None, None

    def find(self, text: str, *, qpv: bool = True) -> list[PlaceEntry]:
        """Every place a text names exactly (no fuzzy matching), before disambiguation."""
        coded = self._coded(fold(text))
        if coded is not None:
            return coded if qpv else [e for e in coded if e.kind != "qpv"]
        name, dep, pc = self._with_hint(text)
        found = self._named(name, qpv=qpv)
        if dep:
            found = [e for e in found if e.dep == dep]
        if pc:
            in_pc = self.postcodes.get(pc, ())
            named = {e.code for e in found}
            arms = [self.arrondissements[c] for c in in_pc if c in self.arrondissements]
            # "75018 Paris": the arrondissement of the postcode; else the named communes it serves
            found = [a for a in arms if a.insee_com in named] or [e for e in found if e.code in in_pc]
        return found

    def resolve(self, text: str, *, qpv: bool = True, what: str = "lieu") -> Resolved:
        """The one place a text names, or a clear error (ambiguous: candidates; unknown: suggestions)."""
        t = text.strip()
        found = self.find(t, qpv=qpv)
        if not found:
            raise PlaceNotFoundError(self._not_found(t, what), [e.as_candidate() for e in self.suggest(t, qpv=qpv)])
        return self.choose(t, found)

    def commune(self, text: str) -> Resolved:
        """A commune or arrondissement, by name, INSEE code or postcode (QPV excluded)."""
        return self.resolve(text, qpv=False, what="commune")

    def choose(self, text: str, found: list[PlaceEntry]) -> Resolved:
        if len(found) == 1:
            return Resolved(found[0])
        ranked = sorted(found, key=_rank)
        pilots = [e for e in ranked if e.pilot]
        exact = [e for e in pilots if fold(e.name) == fold(text)]
        pick = exact if len(exact) == 1 else pilots
        if len(pick) == 1:
            others = tuple(e for e in ranked if e is not pick[0])
            homonyms = [e.label for e in others if fold(e.name) == fold(text)]
            message = f"Autres lieux de ce nom : {', '.join(homonyms[:5])}" if homonyms else None
            return Resolved(pick[0], message, others)
        listed = ", ".join(f"{e.label}" for e in ranked[:5])
        raise AmbiguousPlaceError(
            f"« {text} » désigne plusieurs lieux : choisir dans la liste ou préciser le département, "
            f"par exemple « {ranked[0].name} ({ranked[0].dep}) » ({listed})",
            [e.as_candidate() for e in ranked[:20]],
        )

    def suggest(self, text: str, *, qpv: bool = True, limit: int = 5) -> list[PlaceEntry]:
        """Places whose name is close to ``text`` (typos), pilots first."""
        f = fold(text)
        if len(f) < 3:
            return []
        hits = process.extract(f, self._fuzzy_keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=80)
        out: list[PlaceEntry] = []
        for key, _score, _ in hits:
            out += [e for e in self._by_name[key] if qpv or e.kind != "qpv"]
        best = {id(e): max(fuzz.ratio(f, fold(e.name)), 0) for e in out}
        out.sort(key=lambda e: (not e.pilot, -best[id(e)], -(e.population or 0)))
        return out[:limit]

    def _not_found(self, t: str, what: str) -> str:
        if _POSTCODE.match(t):
            return f"code postal ou code INSEE « {t} » inconnu : vérifier les chiffres ou écrire le nom de la commune"
        return f"{what} « {t} » introuvable : vérifier l'orthographe ou donner le code postal"

    def address_commune(self, text: str) -> Resolved | None:
        """The commune an address names at its end ('1 rue X, 57000 Metz', '1 rue X Metz'); None if none."""
        f = fold(text)
        words = f.split()
        pcs = [w for w in words if _POSTCODE.match(w)]
        pc = pcs[-1] if pcs else None
        tail = f.split(pc, 1)[1].split() if pc else words
        for n in range(min(5, len(tail)), 0, -1):  # the longest name at the end wins
            name = " ".join(tail[-n:])
            if name.isdigit():
                continue
            found = self.find(f"{pc} {name}" if pc else name, qpv=False)
            if found:
                return self.choose(name, found)
        if pc:
            found = self.find(pc, qpv=False)
            return self.choose(pc, found) if found else None
        return None


def _qpv_phrases(name: str) -> set[str]:
    """Every contiguous run of words of a QPV name ('La Patrotte - Metz-Nord' -> 'patrotte', 'metz nord', …)."""
    words = fold(name).split()
    return {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


def _layer_path(catalog: Catalog, kind: str) -> Path | None:
    lay = next((lay for lay in catalog.layers.values() if lay.kind == kind), None)
    return None if lay is None else catalog.data_dir / lay.path


def _read_arrondissements(catalog: Catalog) -> dict[str, dict[str, str]]:
    path = _layer_path(catalog, "arrondissements")
    if path is None:
        return {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return {row["insee_com"]: row for row in csv.DictReader(fh)}


def _read_postcodes(catalog: Catalog, shared: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    path = _layer_path(catalog, "postcodes")
    out: dict[str, list[str]] = {}
    if path is not None:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault(row["postcode"], []).append(shared(row["insee_com"]))
    return {k: tuple(v) for k, v in out.items()}


def with_message(res: Resolved, message: str | None) -> Resolved:
    """``res`` with another message (the address geocoder says the street was not found)."""
    return replace(res, message=message)
