"""Geocoders: text (commune, QPV, address) -> a WGS84 point, with how and how precisely.

Two implementations of :class:`Geocoder`:

- :class:`OfflineGeocoder` answers from the shipped layers: INSEE codes and commune names
  (town-hall point, else a point inside the commune), QPV codes and names, and addresses
  down to their commune ("12 rue X, 57000 Metz" -> Metz). It sends nothing anywhere.
- :class:`BanGeocoder` asks a Base Adresse Nationale (BAN) search service, for
  deployments that accept sending the typed address to it; on failure it says so.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely

from geo_clsm.errors import GeoClsmError, InvalidInputError, NotFoundError
from geo_clsm.layers import Catalog
from geo_clsm.validate import check_lonlat, normalize_name


class GeocoderUnavailableError(GeoClsmError):
    """The remote geocoder did not answer."""


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    lon: float
    lat: float
    label: str
    precision: str  # "address", "street", "commune" or "qpv"
    method: str  # "offline" or "ban"
    insee_com: str | None = None
    score: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "precision": self.precision,
            "label": self.label,
            "insee_com": self.insee_com,
            "score": self.score,
        }


class Geocoder(Protocol):
    def commune(self, text: str) -> GeocodeResult: ...

    def address(self, text: str) -> GeocodeResult: ...

    def place(self, text: str) -> GeocodeResult:
        """A free search: commune, QPV or address."""
        ...


_PAREN_DEP = re.compile(r"^(.*?)\s*\((\w{2,3})\)\s*$")
_POSTCODE_CITY = re.compile(r"\b(\d{5})\s+([^,\d]+?)\s*$")


class OfflineGeocoder:
    """Geocoding from the loaded layers only."""

    method = "offline"

    def __init__(self, catalog: Catalog) -> None:
        c = catalog.communes  # pilot communes first: their row is the one kept for an INSEE code
        pilot = {t.id for t in catalog.territories.values() if t.kind == "pilot"}
        self._communes: dict[str, tuple[str, str, float, float, bool]] = {}
        points = shapely.point_on_surface(np.asarray(c.geometry.values))
        for insee, name, dep, terr, pt in zip(
            c["insee_com"], c["nom"].astype(str), c["dep"].astype(str), c["territory"], points, strict=True
        ):
            if insee in self._communes:
                continue
            town = catalog.mairies.get(insee)
            lon, lat = (town.lon, town.lat) if town else (pt.x, pt.y)
            self._communes[insee] = (name, dep, lon, lat, terr in pilot)
        self._by_name: dict[str, list[str]] = {}
        for insee, (name, *_rest) in self._communes.items():
            self._by_name.setdefault(normalize_name(name), []).append(insee)
        q = catalog.qpv
        qpts = shapely.point_on_surface(np.asarray(q.geometry.values))
        self._qpv: dict[str, tuple[str, float, float]] = {
            code: (name, pt.x, pt.y) for code, name, pt in zip(q["code_qp"], q["lib_qp"], qpts, strict=True)
        }
        self._qpv_by_name = {normalize_name(name): code for code, (name, _, _) in self._qpv.items()}

    def _commune_result(self, insee: str) -> GeocodeResult:
        name, dep, lon, lat, _ = self._communes[insee]
        return GeocodeResult(lon, lat, f"{name} ({dep})", "commune", self.method, insee)

    def commune(self, text: str) -> GeocodeResult:
        """A commune by INSEE code, name, or "name (department)"."""
        t = text.strip()
        if t.upper() in self._communes:
            return self._commune_result(t.upper())
        m = _PAREN_DEP.match(t)
        dep = m.group(2).upper() if m else None
        candidates = self._by_name.get(normalize_name(m.group(1) if m else t), [])
        if dep:
            candidates = [i for i in candidates if self._communes[i][1] == dep]
        if not candidates:
            raise NotFoundError(f"commune « {t} » introuvable : vérifier l'orthographe ou donner le code INSEE")
        pilots = [i for i in candidates if self._communes[i][4]]
        if len(candidates) > 1 and len(pilots) != 1:
            options = ", ".join(f"{self._communes[i][0]} ({self._communes[i][1]}) = {i}" for i in candidates[:8])
            raise InvalidInputError(
                f"commune « {t} » ambiguë : préciser le département, par exemple « {t} (57) », ou le code INSEE ({options})"
            )
        return self._commune_result(pilots[0] if len(candidates) > 1 else candidates[0])

    def qpv(self, text: str) -> GeocodeResult:
        t = text.strip()
        code = t.upper() if t.upper() in self._qpv else self._qpv_by_name.get(normalize_name(t))
        if code is None:
            raise NotFoundError(f"quartier « {t} » introuvable")
        name, lon, lat = self._qpv[code]
        return GeocodeResult(lon, lat, f"{name} ({code})", "qpv", self.method)

    def address(self, text: str) -> GeocodeResult:
        """An address, located offline to its commune ("…, 57000 Metz" or "…, Metz")."""
        t = text.strip()
        m = _POSTCODE_CITY.search(t)
        tail = m.group(2) if m else t.rsplit(",", 1)[-1]
        dep = None
        if m:
            dep = m.group(1)[:2] if not m.group(1).startswith("97") else m.group(1)[:3]
            if dep == "20":
                dep = None
        try:
            return self.commune(f"{tail.strip()} ({dep})" if dep else tail.strip())
        except (NotFoundError, InvalidInputError):
            raise NotFoundError(
                f"adresse « {t} » non localisée hors ligne : ajouter « code postal commune » à la fin, "
                "par exemple « 12 rue Gambetta, 57000 Metz »"
            ) from None

    def place(self, text: str) -> GeocodeResult:
        for attempt in (self.qpv, self.commune):
            try:
                return attempt(text)
            except NotFoundError:
                continue
        return self.address(text)


_BAN_PRECISION = {"housenumber": "address", "street": "street", "locality": "street", "municipality": "commune"}


class BanGeocoder:
    """Base Adresse Nationale search (``GET {base_url}/search/?q=…&limit=1``), with offline fallback for communes and QPV."""

    method = "ban"

    def __init__(
        self, base_url: str, *, offline: OfflineGeocoder, timeout_s: float = 5.0, min_score: float = 0.4
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.offline = offline
        self.timeout_s = timeout_s
        self.min_score = min_score

    def _search(self, text: str, *, kind: str | None = None) -> GeocodeResult:
        params = {"q": text, "limit": "1"}
        if kind:
            params["type"] = kind
        url = f"{self.base_url}/search/?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:
                doc = json.loads(resp.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise GeocoderUnavailableError(
                f"géocodeur d'adresses indisponible ({exc.__class__.__name__}) : réessayer ou indiquer une commune"
            ) from None
        feats = doc.get("features") or []
        if not feats:
            raise NotFoundError(f"adresse « {text} » introuvable : vérifier l'orthographe")
        f = feats[0]
        props = f.get("properties") or {}
        score = float(props.get("score") or 0.0)
        if score < self.min_score:
            raise NotFoundError(
                f"adresse « {text} » incertaine (score {score:.2f}) : préciser la commune ou le code postal"
            )
        try:
            lon, lat = (float(v) for v in f["geometry"]["coordinates"][:2])
        except (KeyError, TypeError, ValueError):
            raise GeocoderUnavailableError("réponse du géocodeur illisible : réessayer plus tard") from None
        if check_lonlat(lon, lat):
            raise NotFoundError(f"adresse « {text} » localisée hors de France")
        return GeocodeResult(
            lon,
            lat,
            str(props.get("label") or text),
            _BAN_PRECISION.get(str(props.get("type")), "street"),
            self.method,
            props.get("citycode"),
            score,
        )

    def commune(self, text: str) -> GeocodeResult:
        return self.offline.commune(text)

    def address(self, text: str) -> GeocodeResult:
        return self._search(text)

    def place(self, text: str) -> GeocodeResult:
        try:
            return self.offline.qpv(text)
        except NotFoundError:
            pass
        try:
            return self.offline.commune(text)
        except (NotFoundError, InvalidInputError):
            return self._search(text)
