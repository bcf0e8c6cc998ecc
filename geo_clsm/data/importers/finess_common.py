"""What the FINESS-based importers (FINESS etalab, GISCO) share.

- FINESS categories -> resource types (``finess_categories_sante_mentale.csv``);
- the type of a unit inside a psychiatric hospital, read from its name;
- a sanity check of positions against commune polygons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo_clsm.geo.crs import WGS84, crs_for_department, to_projected
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.validate import normalize_name

# FINESS category code -> resource type. A category absent from this map is out of scope.
CATEGORY_TYPES: dict[str, ResourceType] = {
    "156": ResourceType.CMP,  # Centre Médico-Psychologique; refined by name (adults/children)
    "425": ResourceType.CATTP,
    "292": ResourceType.HOPITAL_PSY,  # CHS: refined by name (CMP, CATTP, HDJ units)
    "161": ResourceType.HOPITAL_PSY,  # Maison de santé pour maladies mentales (clinic)
    "430": ResourceType.AUTRE,  # Centre de postcure malades mentaux
    "189": ResourceType.CMPP,
    "197": ResourceType.CSAPA,
    "178": ResourceType.AUTRE,  # CAARUD (harm reduction)
    "412": ResourceType.AUTRE,  # Appartement thérapeutique
    # GISCO labels whose FINESS code is not in the shipped list: keyed by a name, not a code.
    "atelier_therapeutique": ResourceType.AUTRE,
    "centre_crise": ResourceType.URGENCES_PSY,
}

# Categories named in FINESS but left out on purpose, with the reason shown in reports.
EXCLUDED_CATEGORIES: dict[str, str] = {
    "SMPR": "psychiatrie en milieu pénitentiaire (SMPR) : non ouverte au public",
}

# GISCO facility_type label -> FINESS category code (or a named key, see above).
GISCO_LABELS: dict[str, str] = {
    "Centre Médico-Psychologique (C.M.P.)": "156",
    "Centre d'Accueil Thérapeutique à temps partiel (C.A.T.T.P.)": "425",
    "Centre Hospitalier Spécialisé lutte Maladies Mentales": "292",
    "Maison de Santé pour Maladies Mentales": "161",
    "Centre Postcure Malades Mentaux": "430",
    "Appartement Thérapeutique": "412",
    "Atelier Thérapeutique": "atelier_therapeutique",
    "Centre Crise Accueil Permanent": "centre_crise",
    "Service Médico-Psychologique Régional (S.M.P.R.)": "SMPR",
}

_CHILD = re.compile(r"ENFAN|INFANT|ADOLESC|PEDOPSY|PÉDOPSY|JUVEN|JEUNES?\b|BEBE|BÉBÉ|PERINAT|PÉRINAT")
_ADULT = re.compile(r"ADULTE")
_CMP = re.compile(r"\bC\.?\s?M\.?\s?P\b(?!\.?\s?P)|CENTRE MEDICO[- ]PSYCHO|CENTRE MÉDICO[- ]PSYCHO|\bCMP\b")
_CATTP = re.compile(r"C\.?\s?A\.?\s?T\.?\s?T\.?\s?P|\bCATTP\b")
_HDJ = re.compile(r"HOPITAL DE JOUR|HÔPITAL DE JOUR|\bH\.?\s?D\.?\s?J\b|HOSPITALISATION DE JOUR")
_URG = re.compile(r"URGENCE|CRISE|\bCAC\b")


def type_from_category(category: str, name: str) -> ResourceType | None:
    """The resource type for a FINESS category, refined by the name for CMP and CHS units.

    The name rules (documented in ``layers/README.md``) read what the name states: a CMP
    named for children or adolescents is ``CMP_ENFANT``, one named for adults
    ``CMP_ADULTE``, otherwise ``CMP`` (public not stated).
    """
    base = CATEGORY_TYPES.get(category)
    if base is None:
        return None
    up = name.upper()
    if base is ResourceType.HOPITAL_PSY and category == "292":
        if _CMP.search(up):
            base = ResourceType.CMP
        elif _CATTP.search(up):
            return ResourceType.CATTP
        elif _HDJ.search(up):
            return ResourceType.HDJ
        elif _URG.search(up):
            return ResourceType.URGENCES_PSY
    if base is ResourceType.CMP and category == "156":
        # Type fixes, written down in layers/README.md: a unit FINESS files as CMP whose name says
        # it is an emergency unit, or only a day hospital, is typed by its name.
        if _URG.search(up):
            return ResourceType.URGENCES_PSY
        if _HDJ.search(up) and not _CMP.search(up):
            return ResourceType.HDJ
    if base is ResourceType.CMP:
        if _CHILD.search(up):
            return ResourceType.CMP_ENFANT
        if _ADULT.search(up):
            return ResourceType.CMP_ADULTE
    return base


def department_of_postcode(postcode: str) -> str:
    """The department code of a French postcode (Corsica 2A/2B, overseas 97x)."""
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


def format_phone(raw: str) -> str | None:
    """'387563939' or '03 87 56 39 39' -> '03 87 56 39 39'; None when not 9-10 digits."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10 or not digits.startswith("0"):
        return None
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


@dataclass(frozen=True, slots=True)
class CommuneMatch:
    insee_com: str | None
    name: str | None
    problem: str | None


class CommuneChecker:
    """Checks that a point lies in the commune it claims (by INSEE code or by name + department).

    Distances are metres in each commune's projected CRS (Lambert-93 in mainland France, the
    overseas department's own CRS overseas), with a tolerance (default 1,000 m) that covers the
    generalisation of the shipped commune outlines and geocoding at a commune's edge.
    """

    def __init__(self, communes: gpd.GeoDataFrame, *, tolerance_m: float = 1000.0) -> None:
        c = communes.to_crs(WGS84).reset_index(drop=True)
        self._insee = c["insee_com"].astype(str).tolist()
        self._names = c["nom"].astype(str).tolist()
        self._deps = c["dep"].astype(str).tolist()
        self._crs = [crs_for_department(d) for d in self._deps]
        self._geoms = np.empty(len(c), dtype=object)
        for crs in set(self._crs):
            rows = [i for i, k in enumerate(self._crs) if k == crs]
            self._geoms[rows] = np.asarray(c.geometry.iloc[rows].to_crs(crs).values)
        self._wgs84 = np.asarray(c.geometry.values)
        self._by_insee = {code: i for i, code in enumerate(self._insee)}
        self._by_name: dict[tuple[str, str], int] = {}
        for i, (nm, dep) in enumerate(zip(self._names, self._deps, strict=True)):
            self._by_name.setdefault((dep, normalize_name(nm)), i)
        self._tree = shapely.STRtree(self._wgs84)
        self.tolerance_m = tolerance_m
        self.departments = set(self._deps)

    def find(self, *, insee_com: str | None = None, dep: str | None = None, city: str | None = None) -> int | None:
        if insee_com and insee_com in self._by_insee:
            return self._by_insee[insee_com]
        if dep and city:
            return self._by_name.get((dep, normalize_name(city)))
        return None

    def containing(self, lon: float, lat: float) -> int | None:
        """The commune containing a WGS84 point (a topological test: no distance)."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="within")
        return int(hits[0]) if len(hits) else None

    def check(
        self, lon: float, lat: float, *, insee_com: str | None = None, dep: str | None = None, city: str | None = None
    ) -> CommuneMatch:
        """Match the claimed commune and say (in French) what is wrong with the point, if anything."""
        i = self.find(insee_com=insee_com, dep=dep, city=city)
        if i is not None:
            x, y = (float(v) for v in to_projected(lon, lat, self._crs[i]))
            d = float(shapely.distance(self._geoms[i], shapely.Point(x, y)))
            if d > self.tolerance_m:
                return CommuneMatch(
                    self._insee[i],
                    self._names[i],
                    f"position à {d / 1000:.1f} km de sa commune ({self._names[i]}) : point mal géocodé",
                )
            return CommuneMatch(self._insee[i], self._names[i], None)
        j = self.containing(lon, lat)
        if j is None:
            return CommuneMatch(None, None, "position hors de toute commune connue : point mal géocodé")
        if dep and self._deps[j] != dep:
            return CommuneMatch(
                None,
                None,
                f"position dans le département {self._deps[j]} au lieu du {dep} : point mal géocodé",
            )
        # Commune name not matched (e.g. a former commune): trust the containing commune.
        return CommuneMatch(self._insee[j], self._names[j], None)
