"""The resident view (``/``): map, "Que faire ?" helper, nearest list, emergency banner, in the
person's language. Built on the folium helpers of :mod:`geo_clsm.web.pages.maps` (vendored assets only).

Configuration for the scripts goes in a JSON block (``<script type="application/json">``), not
in inline code; user-facing strings are French msgids translated by :mod:`geo_clsm.i18n`.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import Translator, available_langs, translator
from geo_clsm.i18n.orientation import rules
from geo_clsm.model.ages import AGE_GROUPS
from geo_clsm.model.resource import PRECISION_LABELS_FR, ResourceType
from geo_clsm.web.pages.maps import TYPE_STYLE, _add_outlines, _base_map, _bounds, _finish, _pilot_frames, _root

if TYPE_CHECKING:  # folium is imported when the page is first drawn, not at start-up
    import folium

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
APP_JS = "/static/app/map.js"
FORMAT_JS = "/static/app/map-format.js"  # before APP_JS: formatting and popups
ORIENT_JS = "/static/app/orient.js"
SW_REGISTER_JS = "/static/app/register-sw.js"


def emergency_banner(t: Translator) -> str:
    """The banner with 3114 / 15 / 112, on every resident page."""
    calls = [
        ("3114", t("prévention du suicide"), t("Appeler le 3114, prévention du suicide")),
        ("15", t("SAMU"), t("Appeler le 15, SAMU")),
        ("112", t("urgences"), t("Appeler le 112, urgences")),
    ]
    links = "".join(
        f'<a href="tel:{n}" aria-label="{html.escape(aria)}"><bdi>{n}</bdi> <small>{html.escape(what)}</small></a>'
        for n, what, aria in calls
    )
    label = html.escape(t("Numéros d'urgence"))
    return (
        f'<header class="gc-banner" aria-label="{label}"><strong>{html.escape(t("Urgence :"))}</strong>{links}</header>'
    )


def skip_link(t: Translator, target: str = "gc-panel") -> str:
    return f'<a class="gc-skip" href="#{target}">{html.escape(t("Aller au contenu"))}</a>'


def lang_switch(t: Translator, *, path: str, query: str = "") -> str:
    """Links to the same page in every available language (``?lang=``)."""
    extra = f"&amp;{html.escape(query)}" if query else ""
    items = []
    for lang in available_langs():
        name = html.escape(translator(lang).name.capitalize())
        if lang == t.lang:
            items.append(f'<li><span aria-current="true" lang="{lang}">{name}</span></li>')
        else:
            items.append(f'<li><a href="{path}?lang={lang}{extra}" lang="{lang}" hreflang="{lang}">{name}</a></li>')
    return f'<nav class="gc-langs" aria-label="{html.escape(t("Langue"))}"><ul>{"".join(items)}</ul></nav>'


def type_labels(t: Translator) -> dict[str, str]:
    return {rt.value: t(rt.label_fr) for rt in ResourceType}


def _orientation_box(t: Translator) -> str:
    return f"""
<section id="gc-orient" class="gc-orient" aria-labelledby="gc-orient-title">
  <h2 id="gc-orient-title">{html.escape(t("Que faire ?"))}</h2>
  <p class="gc-hint">{html.escape(t("Trois questions pour trouver la bonne aide."))}</p>
  <div id="gc-orient-steps"><noscript><a href="/recherche">{html.escape(t("Chercher sans la carte"))}</a></noscript></div>
  <div id="gc-orient-result" class="gc-orient-result" aria-live="polite"></div>
</section>"""


def _filters_panel(t: Translator) -> str:
    types = "".join(
        f'<label><input type="checkbox" name="type" value="{rt.value}" checked> '
        f'<span class="gc-dot" style="background:{c}" aria-hidden="true">{html.escape(s)}</span>'
        f"{html.escape(t(rt.label_fr))}</label>"
        for rt, (c, s) in TYPE_STYLE.items()
    )
    ages = "".join(f'<option value="{i}">{html.escape(t(lab))}</option>' for i, lab, _ in AGE_GROUPS)
    return f"""
<details class="gc-filters" id="gc-filters">
  <summary>{html.escape(t("Filtres et légende"))}</summary>
  <form id="gc-filter-form" aria-label="{html.escape(t("Filtrer les ressources"))}">
    <label for="gc-age">{html.escape(t("Âge de la personne"))}</label>
    <select id="gc-age" name="age">{ages}</select>
    <fieldset><legend>{html.escape(t("Types de ressources"))}</legend>
      <button type="button" id="gc-all-types">{html.escape(t("Tout cocher"))}</button>
      <button type="button" id="gc-no-types">{html.escape(t("Tout décocher"))}</button>
      <div class="gc-type-list">{types}</div>
    </fieldset>
  </form>
  <p class="gc-note">{html.escape(t("« C » : CMP dont le public n'est pas précisé. Un point en pointillé a une position approximative (commune)."))}</p>
</details>"""


def _panel(t: Translator) -> str:
    e = html.escape
    return f"""
<main class="gc-panel" id="gc-panel" tabindex="-1" aria-label="{e(t("Trouver de l'aide près de chez soi"))}">
  {lang_switch(t, path="/")}
  <h1>{e(t("Trouver de l'aide en santé mentale"))}</h1>
  {_orientation_box(t)}
  <form id="gc-search" role="search" action="/recherche" method="get" aria-label="{e(t("Chercher un lieu"))}">
    <input type="hidden" name="lang" value="{t.lang}">
    <label for="gc-q">{e(t("Commune, code postal, quartier ou adresse"))}</label>
    <div class="gc-row">
      <input id="gc-q" name="q" type="search" autocomplete="off" required minlength="2" placeholder="{e(t("ex. Metz, 16000, Borny, 1 rue Serpenoise Metz"))}">
      <button type="submit">{e(t("Chercher"))}</button>
    </div>
  </form>
  <button type="button" id="gc-locate" class="gc-locate">{e(t("Me localiser"))}</button>
  <p class="gc-hint">{e(t("ou touchez la carte à l'endroit voulu."))}</p>
  {_filters_panel(t)}
  <p id="gc-status" class="gc-status" role="status" aria-live="polite"></p>
  <p id="gc-notice" class="gc-notice" role="note" hidden></p>
  <div id="gc-choices" class="gc-choices" hidden></div>
  <ol id="gc-results" class="gc-results" aria-label="{e(t("Ressources les plus proches"))}"></ol>
  <section id="gc-lines" class="gc-lines" aria-label="{e(t("Lignes nationales"))}" hidden></section>
  <p class="gc-actions"><button type="button" id="gc-print" class="gc-print">{e(t("Imprimer la liste"))}</button>
  <button type="button" id="gc-share" class="gc-share" hidden>{e(t("Partager cette recherche"))}</button></p>
  <p id="gc-share-out" class="gc-note" role="status"></p>
  <p class="gc-note">{e(t("Distances à vol d'oiseau ; temps de marche estimés. Informations issues de sources publiques (FINESS 2020, pages des établissements) : vérifiez auprès du lieu avant de vous déplacer."))}</p>
</main>"""


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


def _json_block(element_id: str, data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _map_config(m: folium.Map, t: Translator) -> dict[str, Any]:
    return {
        "map": m.get_name(),
        "mode": "resident",
        "types": {rt.value: {"label": t(rt.label_fr), "color": c, "short": s} for rt, (c, s) in TYPE_STYLE.items()},
        "ageGroups": [{"id": i, "label": t(lab), "age": a} for i, lab, a in AGE_GROUPS],
        "precisionLabels": {p.value: t(lab) for p, lab in PRECISION_LABELS_FR.items()},
    }


def resident_page(
    engine: Engine, *, tiles_url: str, tiles_attribution: str, territory: str | None = None, lang: str = "fr"
) -> str:
    """The resident view: resources by type, helper, nearest panel, list view, emergency banner."""
    import folium

    t = translator(lang)
    communes, qpv = _pilot_frames(engine, territory)
    m = _base_map(tiles_url=tiles_url, tiles_attribution=tiles_attribution, bounds=_bounds(communes))
    _add_outlines(m, communes, qpv)
    root = _root(m)
    head = [
        f'<meta name="description" content="{html.escape(t("Carte des ressources en santé mentale"))}">',
        '<link rel="manifest" href="/manifest.webmanifest">',
        '<meta name="theme-color" content="#a4161a">',
    ]
    for h in head:
        root.header.add_child(folium.Element(h))
    legend = "".join(
        f'<li><span class="gc-dot" style="background:{c}" aria-hidden="true">{html.escape(s)}</span>'
        f"{html.escape(t(rt.label_fr))}</li>"
        for rt, (c, s) in TYPE_STYLE.items()
    )
    body = (
        skip_link(t)
        + emergency_banner(t)
        + _panel(t)
        + f'<aside class="gc-legend" aria-label="{html.escape(t("Légende"))}"><ul class="gc-legend-types">{legend}</ul></aside>'
    )
    root.html.add_child(folium.Element(body))
    root.html.add_child(folium.Element(_json_block("gc-map-config", _map_config(m, t))))
    root.html.add_child(folium.Element(_json_block("gc-page-config", page_config(t))))
    for src in (FORMAT_JS, APP_JS, ORIENT_JS, SW_REGISTER_JS):
        root.html.add_child(folium.Element(f'<script src="{src}" defer></script>'))
    page = _finish(m, lang=t.lang, direction=t.dir, title=t("Ressources en santé mentale — geo_clsm"))
    # The map comes after the panel in the document: banner, panel, then the map (logical tab order).
    div = re.search(r'<div class="folium-map" id="[^"]+"\s*>\s*</div>', page)
    if div:
        page = page.replace(div.group(0), "", 1)
        page = page.replace(
            '<script type="application/json" id="gc-map-config"',
            div.group(0) + '\n<script type="application/json" id="gc-map-config"',
            1,
        )
    return page
