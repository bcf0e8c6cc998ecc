"""Geocoders: text (commune, QPV, address) -> a WGS84 point, with how and how precisely.

Two implementations of :class:`Geocoder`:

- :class:`OfflineGeocoder` answers from the shipped layers through the shared
  :class:`~geo_clsm.engine.gazetteer.Gazetteer`: communes by name, INSEE code or postcode (town-hall
  point, else a point inside the commune), arrondissements of Paris, Lyon and Marseille, QPV
  by code or any distinctive part of their name, and addresses down to their commune
  ("1 rue X, 57000 Metz" -> Metz, with the words "Adresse non trouvée : recherche autour de
  la mairie de Metz"). It sends nothing anywhere.
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

from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.gazetteer import Gazetteer, PlaceNotFoundError, Resolved, fold
from geo_clsm.model.errors import GeoClsmError, NotFoundError
from geo_clsm.model.validate import check_lonlat


class GeocoderUnavailableError(GeoClsmError):
    """The remote geocoder did not answer."""


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    lon: float
    lat: float
    label: str
    precision: str  # "address", "street", "commune", "arrondissement" or "qpv"
    method: str  # "offline" or "ban"
    insee_com: str | None = None
    score: float | None = None
    message: str | None = None
    """Words for the person: what was not found, which other places have this name."""
    alternatives: tuple[dict[str, object], ...] = ()
    code: str | None = None
    """The place found: INSEE code of a commune or arrondissement, or QPV code."""

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "method": self.method,
            "precision": self.precision,
            "label": self.label,
            "insee_com": self.insee_com,
            "score": self.score,
            "message": self.message,
            "alternatives": list(self.alternatives),
        }


class Geocoder(Protocol):
    @property
    def gazetteer(self) -> Gazetteer: ...

    def commune(self, text: str) -> GeocodeResult: ...

    def address(self, text: str) -> GeocodeResult: ...

    def place(self, text: str) -> GeocodeResult:
        """A free search: commune, QPV or address."""
        ...


_ADDRESS_HINT = re.compile(r"\d|,|\b(rue|avenue|av|bd|boulevard|place|pl|chemin|route|impasse|allee|quai|cours)\b")


def _result(res: Resolved, method: str, *, message: str | None = None) -> GeocodeResult:
    e = res.place
    precision = {"qpv": "qpv", "arrondissement": "arrondissement"}.get(e.kind, "commune")
    return GeocodeResult(
        e.lon,
        e.lat,
        e.label,
        precision,
        method,
        e.insee_com,
        None,
        message or res.message,
        tuple(a.as_candidate() for a in res.alternatives[:10]),
        e.code,
    )


def street_not_found(res: Resolved) -> str:
    """'Adresse non trouvée : recherche autour de la mairie de Metz' (or the commune's centre)."""
    e = res.place
    of = f"d'{e.name}" if e.name[:1].upper() in "AEIOUYÂÉÈÊÎÔÛ" else f"de {e.name}"
    where = f"de la mairie {of}" if e.point == "mairie" else f"du centre {of}"
    return f"Adresse non trouvée : recherche autour {where}"


class OfflineGeocoder:
    """Geocoding from the loaded layers only: nothing is sent anywhere."""

    method = "offline"

    def __init__(self, catalog: Catalog, *, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer(catalog)

    def commune(self, text: str) -> GeocodeResult:
        """A commune or arrondissement by name, INSEE code, postcode, or "name (department)"."""
        return _result(self.gazetteer.commune(text), self.method)

    def qpv(self, text: str) -> GeocodeResult:
        found = [e for e in self.gazetteer.find(text) if e.kind == "qpv"]
        if not found:
            raise NotFoundError(f"quartier « {text.strip()} » introuvable")
        return _result(self.gazetteer.choose(text.strip(), found), self.method)

    def address(self, text: str) -> GeocodeResult:
        """An address, located offline at its commune's town hall, saying the street was not found."""
        t = text.strip()
        res = self.gazetteer.address_commune(t)
        if res is None:
            raise PlaceNotFoundError(
                f"adresse « {t} » non localisée : ajouter la commune ou le code postal à la fin, "
                "par exemple « 12 rue Gambetta, 57000 Metz »",
                [],
            )
        return _result(res, self.method, message=street_not_found(res))

    def place(self, text: str) -> GeocodeResult:
        t = text.strip()
        try:
            return _result(self.gazetteer.resolve(t), self.method)
        except PlaceNotFoundError:
            if not _ADDRESS_HINT.search(fold(t)):
                raise
        return self.address(t)


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

    @property
    def gazetteer(self) -> Gazetteer:
        return self.offline.gazetteer

    def commune(self, text: str) -> GeocodeResult:
        return self.offline.commune(text)

    def address(self, text: str) -> GeocodeResult:
        return self._search(text)

    def place(self, text: str) -> GeocodeResult:
        """Communes, arrondissements and QPV offline; anything else goes to the BAN."""
        try:
            return _result(self.gazetteer.resolve(text.strip()), self.offline.method)
        except PlaceNotFoundError:
            return self._search(text)
