"""A CLSM's own presence on a shared deployment (issue 31): what its territory's admins set.

:func:`check_presence` turns the fields an admin sends into a :class:`Presence` or raises a French
:class:`InvalidInputError`: display name, contact, a colour that keeps white text readable (WCAG
contrast ≥ 4.5:1), local orientation numbers (shown beside 3114 / 15 / 112), public URL, default
filters (types, age band, open now, accepting new requests, language spoken: what the map and
/recherche understand, applied on ``/t/{id}`` and ``/embed/{id}`` unless the address says otherwise:
:func:`page_filters`), and the origins allowed to frame the territory's embed page (each a bare
``https://host[:port]`` origin: these go into a ``frame-ancestors`` header, so nothing else may).
:func:`check_logo` accepts a PNG, JPEG or WebP image by its bytes (never SVG: it can carry script).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from geo_clsm.model.ages import AGE_BANDS
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import ResourceType

MIN_CONTRAST = 4.5
"""WCAG 2 AA for normal text: the colour is a background for white text."""
PRESENCE_KEYS = (
    "display_name",
    "contact_email",
    "contact_phone",
    "colour",
    "local_numbers",
    "public_url",
    "default_types",
    "default_age",
    "default_open_now",
    "default_accepts_new",
    "default_lang_spoken",
    "embed_origins",
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[a-zA-Z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 .]{1,18}[0-9]$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_HOST = re.compile(r"^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True, slots=True)
class Presence:
    """A territory's presence settings (empty strings and tuples: not set)."""

    display_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    colour: str = ""
    local_numbers: tuple[tuple[str, str], ...] = ()  # (number, what it is for)
    public_url: str = ""
    default_types: tuple[str, ...] = ()
    default_age: str = ""  # an age band id of geo_clsm.model.ages ("": every age)
    default_open_now: bool = False
    default_accepts_new: bool = False
    default_lang_spoken: str = ""  # ISO 639 code ("": every language)
    embed_origins: tuple[str, ...] = ()
    logo_type: str = field(default="")  # content type of the stored logo, "" without one

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["local_numbers"] = [{"number": n, "label": lab} for n, lab in self.local_numbers]
        d["default_types"] = list(self.default_types)
        d["embed_origins"] = list(self.embed_origins)
        return d


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on ``colour`` (``#rrggbb``)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (lum + 0.05)


def check_colour(colour: str) -> str:
    colour = colour.strip()
    if not colour:
        return ""
    if not _HEX.match(colour):
        raise InvalidInputError(f"couleur « {colour[:20]} » invalide : attendu #rrggbb, par exemple #1d4e89")
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        raise InvalidInputError(
            f"couleur {colour} trop claire : contraste {ratio:.1f}:1 avec le texte blanc, "
            f"il faut au moins {MIN_CONTRAST}:1 (choisir une teinte plus foncée)"
        )
    return colour.lower()


def check_origin(origin: str) -> str:
    """A bare web origin (scheme, host, port), lower-cased; https except for localhost/127.0.0.1."""
    text = origin.strip().rstrip("/")
    parts = urlsplit(text)
    host = parts.hostname or ""
    local = host in ("localhost", "127.0.0.1")
    ok = (
        parts.scheme in ("https", "http")
        and (parts.scheme == "https" or local)
        and (_HOST.match(host) or host == "127.0.0.1")
        and not parts.username
        and not parts.password
        and parts.path == ""
        and not parts.query
        and not parts.fragment
    )
    try:
        port = parts.port
    except ValueError:
        ok = False
        port = None
    if not ok:
        raise InvalidInputError(
            f"origine « {origin[:80]} » invalide : une adresse de site seule, en https, par exemple https://clsm-metz.fr"
        )
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c in url for c in " <>\"'"):
        raise InvalidInputError(
            f"adresse « {url[:80]} » invalide : attendu une adresse web, par exemple https://clsm-metz.fr"
        )
    return url


def _numbers(value: Any) -> tuple[tuple[str, str], ...]:
    out = []
    if not isinstance(value, list | tuple | None) or not all(isinstance(i, dict) for i in value or []):
        raise InvalidInputError('numéros locaux : une liste de {"number": "03 87 …", "label": "à quoi il sert"}')
    for item in value or []:
        number = str(item.get("number", "")).strip()
        label = str(item.get("label", "")).strip()
        if not number:
            continue
        if not _PHONE.match(number):
            raise InvalidInputError(
                f"numéro « {number[:20]} » invalide : chiffres et espaces, par exemple 03 87 00 00 00"
            )
        if not label or len(label) > 80:
            raise InvalidInputError(f"numéro {number} : dire à quoi il sert (1 à 80 caractères)")
        out.append((number, label))
    if len(out) > 5:
        raise InvalidInputError("5 numéros locaux au plus")
    return tuple(out)


def check_presence(fields: dict[str, Any], *, logo_type: str = "") -> Presence:
    """A :class:`Presence` from an admin's fields (keys of :data:`PRESENCE_KEYS`), each checked."""
    name = str(fields.get("display_name") or "").strip()
    if len(name) > 120:
        raise InvalidInputError("nom affiché trop long : 120 caractères au plus")
    email = str(fields.get("contact_email") or "").strip()
    if email and not _EMAIL.match(email):
        raise InvalidInputError(f"courriel « {email[:80]} » invalide : par exemple clsm@metz.fr")
    phone = str(fields.get("contact_phone") or "").strip()
    if phone and not _PHONE.match(phone):
        raise InvalidInputError(
            f"téléphone « {phone[:20]} » invalide : chiffres et espaces, par exemple 03 87 00 00 00"
        )
    for key in ("default_types", "embed_origins"):
        if not isinstance(fields.get(key) or [], list | tuple):
            raise InvalidInputError(f"{key} : une liste est attendue")
    known = {rt.value for rt in ResourceType}
    types = tuple(str(t) for t in fields.get("default_types") or [])
    unknown = [t for t in types if t not in known]
    if unknown:
        raise InvalidInputError(f"type inconnu « {unknown[0][:40]} » : choisir parmi {', '.join(sorted(known))}")
    filters = check_filters(
        age=fields.get("default_age"),
        open_now=fields.get("default_open_now"),
        accepts_new=fields.get("default_accepts_new"),
        lang_spoken=fields.get("default_lang_spoken"),
    )
    origins = tuple(dict.fromkeys(check_origin(str(o)) for o in fields.get("embed_origins") or [] if str(o).strip()))
    if len(origins) > 10:
        raise InvalidInputError("10 sites autorisés au plus")
    return Presence(
        display_name=name,
        contact_email=email,
        contact_phone=phone,
        colour=check_colour(str(fields.get("colour") or "")),
        local_numbers=_numbers(fields.get("local_numbers")),
        public_url=check_url(str(fields.get("public_url") or "")),
        default_types=types,
        default_age=filters.age,
        default_open_now=filters.open_now,
        default_accepts_new=filters.accepts_new,
        default_lang_spoken=filters.lang_spoken,
        embed_origins=origins,
        logo_type=logo_type,
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """The public filters a territory page opens with (those of the map and /recherche)."""

    types: tuple[str, ...] = ()  # none: every type
    age: str = ""  # an age band id ("": every age)
    open_now: bool = False
    accepts_new: bool = False
    lang_spoken: str = ""  # "": every language


def _flag(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("", "0", "false", "non"):
        return False
    if text in ("1", "true", "oui", "on"):
        return True
    raise InvalidInputError(f"{name} : « {text[:10]} » invalide, attendu 1 (oui) ou 0 (non)")


def check_filters(
    *, age: Any = None, open_now: Any = None, accepts_new: Any = None, lang_spoken: Any = None
) -> Filters:
    """The filters other than types, checked (French :class:`InvalidInputError`): ``age`` an age band
    id of :mod:`geo_clsm.model.ages`, ``lang_spoken`` an ISO 639 code, the others yes or no."""
    band = str(age or "").strip().lower()
    if band and band not in AGE_BANDS:
        raise InvalidInputError(f"tranche d'âge « {band[:20]} » inconnue : choisir parmi {', '.join(AGE_BANDS)}")
    lang = str(lang_spoken or "").strip().lower()
    if lang and not _LANG.match(lang):
        raise InvalidInputError(f"langue parlée « {lang[:20]} » invalide : un code de langue, par exemple ar")
    return Filters(
        age=band,
        open_now=_flag("ouvert maintenant", open_now),
        accepts_new=_flag("accepte de nouvelles demandes", accepts_new),
        lang_spoken=lang,
    )


def page_filters(presence: Presence, given: dict[str, Any], *, explicit: bool = False) -> Filters:
    """The filters a territory page opens with: each one the address gives (``given``: ``type``
    list, ``age``, ``open``, ``accepts_new``, ``lang_spoken``; None: not given), else the CLSM's
    default. ``explicit`` (the page's own filter form was sent): what the address lacks is off."""

    def pick(key: str, default: Any) -> Any:
        value = given.get(key)
        return value if value is not None else (None if explicit else default)

    chosen = check_filters(
        age=pick("age", presence.default_age),
        open_now=pick("open", presence.default_open_now),
        accepts_new=pick("accepts_new", presence.default_accepts_new),
        lang_spoken=pick("lang_spoken", presence.default_lang_spoken),
    )
    types = tuple(given.get("type") or ()) or (() if explicit else presence.default_types)
    return Filters(types, chosen.age, chosen.open_now, chosen.accepts_new, chosen.lang_spoken)


def check_logo(data: bytes, *, max_bytes: int) -> str:
    """The content type of an uploaded logo (PNG, JPEG or WebP, at most ``max_bytes``)."""
    if not data:
        raise InvalidInputError("logo vide : choisir une image PNG, JPEG ou WebP")
    if len(data) > max_bytes:
        raise InvalidInputError(f"logo trop lourd : {len(data)} octets, {max_bytes} au plus")
    for magic, ctype in LOGO_TYPES.items():
        if data.startswith(magic):
            return ctype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInputError("logo refusé : seules les images PNG, JPEG ou WebP sont acceptées (pas de SVG)")
