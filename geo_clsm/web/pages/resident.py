"""The resident view (``/``): map, "Que faire ?" helper, nearest list, emergency banner, in the
person's language. The map is folium's (:mod:`geo_clsm.web.pages.maps`, vendored assets only); the
page around it is the template ``templates/pages/resident.html``.

Configuration for the scripts goes in a JSON block (``<script type="application/json">``), not
in inline code; user-facing strings are French msgids translated by :mod:`geo_clsm.i18n`.
"""

from __future__ import annotations

from typing import Any

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import Translator, available_langs, translator
from geo_clsm.i18n.orientation import rules
from geo_clsm.model.ages import AGE_GROUPS
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.web.pages.maps import (
    APP_SCRIPTS,
    TYPE_STYLE,
    add_outlines,
    base_map,
    bounds_of,
    check_no_external_assets,
    folium_parts,
    map_config,
    pilot_frames,
    type_styles,
)
from geo_clsm.web.templating import PathFor, render

PAGE_SCRIPTS = (*APP_SCRIPTS, "orient.js", "register-sw.js")  # files of static/app, in order


def languages() -> list[tuple[str, str]]:
    """(code, the language's own name) of every available language, for the language switch."""
    return [(lang, translator(lang).name.capitalize()) for lang in available_langs()]


def spoken_languages(engine: Engine, t: Translator) -> list[tuple[str, str]]:
    """(code, name in the page's language) of the languages a filter can ask for: the page's languages
    and every language a resource says it speaks (a place without one counts as French-speaking)."""
    codes = set(available_langs()) | {code for r in engine.catalog.resources for code in r.languages}
    return sorted(((c, t.language_name(c)) for c in codes), key=lambda cn: cn[1])


def type_labels(t: Translator) -> dict[str, str]:
    return {rt.value: t(rt.label_fr) for rt in ResourceType}


def page_config(t: Translator) -> dict[str, Any]:
    """What the scripts need beyond the map config: language, translations, orientation rules."""
    from geo_clsm.i18n.js import JS_MSGIDS  # the script's strings (kept in one list)

    r = rules()
    msgids = [*JS_MSGIDS, *(c.label for c in (*r.who, *r.ages)), *(s.label for s in r.situations)]
    return {
        "lang": t.lang,
        "dir": t.dir,
        "messages": {m: t(m) for m in msgids if t(m) != m},
        "typeLabels": type_labels(t),
        "explanations": {rt.value: t(text) for rt, text in r.explanations.items()},
        "orientation": r.as_config(),
    }


def resident_page(
    engine: Engine,
    *,
    tiles_url: str,
    tiles_attribution: str,
    path_for: PathFor,
    territory: str | None = None,
    lang: str = "fr",
    clsm: dict[str, Any] | None = None,
    embed: dict[str, Any] | None = None,
    chosen_types: tuple[str, ...] = (),
    filters: dict[str, Any] | None = None,
    self_path: str | None = None,
    self_query: str = "",
) -> str:
    """The resident view: resources by type, helper, nearest panel, list view, emergency banner.

    A territory's own page (:mod:`geo_clsm.web.pages.clsm`) adds ``clsm`` (its name, logo, colour,
    contact, local numbers), ``chosen_types`` (the types checked at first, default all) and
    ``filters`` (age band, open now, accepting new requests, language spoken set at first), its own
    path for the language switch, and for an embed ``embed`` (``list_first``): no manifest nor
    service worker there."""
    t = translator(lang)
    communes, qpv = pilot_frames(engine, territory)
    m = base_map(
        tiles_url=tiles_url, tiles_attribution=tiles_attribution, bounds=bounds_of(communes), path_for=path_for
    )
    add_outlines(m, communes, qpv)
    page = render(
        "pages/resident.html",
        t=t,
        lang=t.lang,
        direction=t.dir,
        title=t("Ressources en santé mentale — geo_clsm"),
        path_for=path_for,
        languages=languages(),
        types=[(rt.value, t(rt.label_fr), c, s) for rt, (c, s) in TYPE_STYLE.items()],
        ages=[(i, t(lab)) for i, lab, _ in AGE_GROUPS],
        spoken=spoken_languages(engine, t),
        legend=type_styles(t),
        map_config=map_config(m, "resident", t, path_for=path_for),
        page_config=page_config(t),
        scripts=[path_for("app-static", path=f) for f in PAGE_SCRIPTS if not (embed and f == "register-sw.js")],
        clsm=clsm,
        embed=embed,
        chosen_types=chosen_types,
        filters=filters or {},
        self_path=self_path,
        self_query=self_query,
        folium=folium_parts(m),
    )
    check_no_external_assets(page)
    return page
