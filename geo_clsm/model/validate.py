"""Checks shared by importers and the API: positions, geometries, error messages in French."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from geo_clsm.geo.crs import LAMBERT93, projected_crs_many, to_wgs84, zone_of

# Lambert-93 covers mainland France within these bounds (metres).
L93_X = (50_000.0, 1_300_000.0)
L93_Y = (6_000_000.0, 7_200_000.0)

# Positions that geocoders return when they fail (lat, lon), checked to 0.01 degree.
KNOWN_DEFAULT_POSITIONS = {
    (46.62, 2.45): "centre de la France (position par défaut d'un géocodeur)",
    (46.60, 1.89): "centroïde de la France (position par défaut d'un géocodeur)",
    (46.23, 2.21): "centroïde de la France (position par défaut d'un géocodeur)",
}


def check_lonlat(lon: float, lat: float) -> str | None:
    """Why a WGS84 position is unusable, in French, or None when it lies in France."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        if -180 <= lat <= 180 and -90 <= lon <= 90 and zone_of(lat, lon):
            return "latitude et longitude inversées : échanger les deux colonnes"
        return "coordonnées hors des bornes WGS84 (longitude -180..180, latitude -90..90)"
    if zone_of(lon, lat) is None:
        if zone_of(lat, lon) is not None:
            return "latitude et longitude inversées : échanger les deux colonnes"
        return f"position hors de France (lon {lon:.4f}, lat {lat:.4f}) : vérifier les coordonnées"
    for (dlat, dlon), why in KNOWN_DEFAULT_POSITIONS.items():
        if abs(lat - dlat) < 0.01 and abs(lon - dlon) < 0.01:
            return f"position suspecte : {why}"
    return None


def lonlat_ok(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """:func:`check_lonlat` over arrays: where it finds nothing to say (in a French zone, not a
    geocoder's default position); NaN is not ok."""
    ok = (lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90)
    zone = projected_crs_many(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    ok &= zone != ""
    for (dlat, dlon), _ in KNOWN_DEFAULT_POSITIONS.items():
        ok &= ~((np.abs(lat - dlat) < 0.01) & (np.abs(lon - dlon) < 0.01))
    return ok


def lambert93_to_lonlat(x: float, y: float) -> tuple[float, float] | str:
    """Lambert-93 x/y -> (lon, lat), or a French reason when the values cannot be Lambert-93."""
    if abs(x) <= 180 and abs(y) <= 90:
        return "coordonnées en degrés alors que x/y Lambert-93 (mètres) sont attendus : utiliser lon/lat"
    if L93_X[0] <= y <= L93_X[1] and L93_Y[0] <= x <= L93_Y[1]:
        return "x et y inversés (Lambert-93) : échanger les deux colonnes"
    if not (L93_X[0] <= x <= L93_X[1] and L93_Y[0] <= y <= L93_Y[1]):
        return (
            f"x/y ({x:.0f}, {y:.0f}) hors de la France métropolitaine en Lambert-93 "
            "(x 50 000..1 300 000, y 6 000 000..7 200 000)"
        )
    lon, lat = to_wgs84(x, y, LAMBERT93)
    return float(lon), float(lat)


def repair_polygonal(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, str | None, bool]:
    """Return (geometry, reason_if_rejected, repaired) for an areal geometry.

    Empty, missing or non-polygonal geometries are rejected; invalid ones are repaired
    with ``shapely.make_valid`` and their polygonal part kept.
    """
    if geom is None or geom.is_empty:
        return None, "géométrie vide : fournir un polygone", False
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"géométrie de type {geom.geom_type} : un polygone est attendu", False
    if shapely.is_valid(geom):
        return geom, None, False
    fixed = shapely.make_valid(geom)
    if isinstance(fixed, shapely.GeometryCollection):
        parts = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else shapely.Polygon()
    if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
        return None, "géométrie invalide et irréparable : corriger le polygone", False
    return fixed, None, True


_PYDANTIC_FR = {
    "missing": "champ obligatoire manquant",
    "enum": "valeur inconnue",
    "date_from_datetime_parsing": "date invalide : écrire AAAA-MM-JJ",
    "date_parsing": "date invalide : écrire AAAA-MM-JJ",
    "date_type": "date invalide : écrire AAAA-MM-JJ",
    "datetime_from_date_parsing": "date et heure invalides : écrire AAAA-MM-JJTHH:MM",
    "datetime_parsing": "date et heure invalides : écrire AAAA-MM-JJTHH:MM",
    "datetime_type": "date et heure invalides : écrire AAAA-MM-JJTHH:MM",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "bool_parsing": "oui ou non attendu",
    "bool_type": "oui ou non attendu",
    "string_too_short": "valeur vide",
    "string_type": "texte attendu (champ vide ?)",
    "finite_number": "nombre fini attendu",
}


def french_reason(err: dict[str, Any]) -> str:
    """A French message for one pydantic error dict."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", ""))
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"valeur inconnue « {err.get('input')} » : valeurs possibles {expected}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"valeur trop petite : minimum {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"valeur trop grande : maximum {ctx.get('le', ctx.get('lt'))}"
    if kind == "extra_forbidden":
        return "champ inconnu : le retirer"
    if kind == "string_pattern_mismatch":
        return f"format invalide « {err.get('input')} » : attendu {ctx.get('pattern')}"
    return _PYDANTIC_FR.get(kind, msg)


def french_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, French reason) for each error of a pydantic ValidationError."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int)) or "ligne"
        out.append((loc, french_reason(dict(err))))
    return out


def normalize_name(name: str) -> str:
    """Upper-case, accent-free, punctuation-free commune name for matching ('ST' = 'SAINT')."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    s = re.sub(r"\bCEDEX\b.*$", "", s)
    s = re.sub(r"[^A-Z ]+", " ", s.replace("'", " ").replace("-", " "))
    s = re.sub(r"\bSTE\b", "SAINTE", re.sub(r"\bST\b", "SAINT", s))
    s = re.sub(r"\b(\d+)?(E|ER|EME)? ?ARRONDISSEMENT\b", "", s)
    return re.sub(r"\s+", " ", s).strip()
