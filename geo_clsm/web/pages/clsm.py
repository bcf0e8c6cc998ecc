"""A CLSM's own pages: its territory home (``/t/{id}``) and its embed page (``/embed/{id}``).

Both are the resident view (:func:`geo_clsm.web.pages.resident.resident_page`, its template and
scripts) on the territory, with the CLSM's presence (:class:`geo_clsm.model.presence.Presence`):
name, logo, colour, contact, local numbers in the emergency banner, guide and report links. The
embed page also has no manifest nor service worker, may open list-first, and starts with the types
its snippet names. :func:`embed_snippet` writes the ``<iframe>`` a CLSM pastes on its website.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from geo_clsm.engine.core import Engine
from geo_clsm.model.presence import Presence
from geo_clsm.web.pages.resident import resident_page
from geo_clsm.web.templating import PathFor

EMBED_HEIGHTS = (300, 2000)
"""Allowed iframe heights (pixels) in the snippet and oEmbed."""


def clsm_context(presence: Presence, *, territory: str, name: str, path_for: PathFor) -> dict[str, Any]:
    """What the templates show of a CLSM (``name``: the territory's, unless the CLSM set its own)."""
    return {
        "name": presence.display_name or name,
        "email": presence.contact_email,
        "phone": presence.contact_phone,
        "colour": presence.colour,
        "numbers": presence.local_numbers,
        "public_url": presence.public_url,
        "logo_url": path_for("clsm_logo", territory=territory) if presence.logo_type else "",
        "guide_url": path_for("guide", territory=territory),
        "report_url": path_for("report", territory=territory),
    }


def territory_page(
    engine: Engine,
    presence: Presence,
    *,
    territory: str,
    name: str,
    lang: str,
    tiles_url: str,
    tiles_attribution: str,
    path_for: PathFor,
    embed: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    given: dict[str, Any] | None = None,
) -> str:
    """The territory home, or with ``embed`` its embed page (``list_first``). ``filters``: what the
    filters open with (:func:`geo_clsm.model.presence.page_filters`: the address's, else the CLSM's
    defaults; no types: all); ``given``: the address's own, kept by the language links."""
    route = "clsm_embed" if embed is not None else "clsm_home"
    own = [(k, x) for k, v in (given or {}).items() for x in (v if isinstance(v, list | tuple) else [v])]
    query = urlencode(own + ([("mode", "liste")] if embed and embed.get("list_first") else []))
    chosen = filters or {}
    return resident_page(
        engine,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        path_for=path_for,
        territory=territory,
        lang=lang,
        clsm=clsm_context(presence, territory=territory, name=name, path_for=path_for),
        embed=embed,
        chosen_types=tuple(chosen.get("types") or ()),
        filters=chosen,
        self_path=path_for(route, territory=territory),
        self_query=query,
    )


def embed_url(base: str, territory: str, *, types: tuple[str, ...], lang: str, list_first: bool) -> str:
    """The embed page's address for a snippet (``base``: the deployment's origin)."""
    params = [("lang", lang), *(("type", t) for t in types)]
    if list_first:
        params.append(("mode", "liste"))
    return f"{base.rstrip('/')}/embed/{territory}?{urlencode(params)}"


def embed_snippet(url: str, *, title: str, height: int) -> str:
    """The ``<iframe>`` a CLSM pastes: no third-party cookie needed, geolocation allowed on request."""
    return (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="{height}" '
        'style="border:0" loading="lazy" allow="geolocation" referrerpolicy="no-referrer"></iframe>'
    )
