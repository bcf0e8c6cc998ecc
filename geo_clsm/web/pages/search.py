"""``/recherche``: the nearest resources as a plain HTML page, with no script at all.

Works on any browser, with JavaScript blocked, and for a screen reader that skips the map.
It renders the same answer as ``/api/nearest`` (built by the same function) through the
public view of each resource; user-facing text is translated by :mod:`geo_clsm.i18n`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from geo_clsm.i18n import Translator
from geo_clsm.i18n.orientation import Situation, rules
from geo_clsm.model.resource import ResourceType
from geo_clsm.web.pages.resident import emergency_banner, lang_switch, skip_link

CSS = "/static/app/page.css"
e = html.escape


def _address(p: dict[str, Any]) -> str:
    street = p.get("display_street") or p.get("street")
    town = " ".join(str(v) for v in (p.get("postcode"), p.get("commune")) if v)
    return ", ".join(v for v in (street, town) if v)


def _tel(phone: str, t: Translator, name: str) -> str:
    number = "".join(phone.split())
    label = t("Appeler {name}", name=name)
    return f'<a class="gc-tel" href="tel:{e(number)}" aria-label="{e(label)}"><bdi>{e(phone)}</bdi></a>'


def _distance(label: str, t: Translator) -> str:
    if label.startswith("environ "):
        return t("environ {d}", d=label[len("environ ") :])
    return t(label)


def _result(f: dict[str, Any], t: Translator, explain: bool) -> str:
    p = f["properties"]
    name = str(p.get("display_name") or p.get("name"))
    rtype = ResourceType(p["type"])
    bits = [
        f"<h3>{e(name)}</h3>",
        f'<p>{e(t(rtype.label_fr))} · <bdi class="gc-dist">{e(_distance(p["distance_label"], t))}</bdi>',
    ]
    if p.get("distance_label") != "dans la commune":
        minutes = max(1, round(p["walk_minutes"]))
        bits.append(" · " + e(t("environ {n} min à pied", n=minutes)) if minutes <= 90 else "")
    bits.append("</p>")
    if explain:
        bits.append(f'<p class="gc-explain">{e(t(rules().explanations[rtype]))}</p>')
    if _address(p):
        bits.append(f'<p class="gc-addr">{e(_address(p))}</p>')
    if p.get("position_precision") == "commune":
        bits.append(f"<p><em>{e(t('position approximative (commune)'))}</em></p>")
    if p.get("phone"):
        bits.append(f"<p>{e(t('Tél.'))} {_tel(str(p['phone']), t, name)}</p>")
    if p.get("open_now") is True:
        bits.append(f'<p class="gc-open">{e(t("Ouvert maintenant"))}</p>')
    elif p.get("open_now") is False:
        bits.append(f'<p class="gc-closed">{e(t("Fermé maintenant"))}</p>')
    if p.get("opening_hours_fr"):
        bits.append(f"<p>{e(t('Horaires :'))} {e(str(p['opening_hours_fr']))}</p>")
    if p.get("audience_known") is False:
        bits.append(f'<p class="gc-unknown">{e(t("public non précisé : vérifier auprès du lieu"))}</p>')
    if p.get("provenance_fr"):
        bits.append(f'<p class="gc-provenance"><small>{e(str(p["provenance_fr"]))}</small></p>')
    return f'<li class="gc-item" data-type="{e(rtype.value)}">{"".join(bits)}</li>'


def _lines(lines: Sequence[dict[str, Any]], t: Translator) -> str:
    if not lines:
        return ""
    items = []
    for f in lines:
        p = f["properties"]
        name = str(p.get("display_name") or p.get("name"))
        tel = f" — {_tel(str(p['phone']), t, name)}" if p.get("phone") else ""
        items.append(f"<li><strong>{e(name)}</strong>{tel}</li>")
    return f'<section aria-labelledby="gc-lines-h"><h2 id="gc-lines-h">{e(t("Lignes nationales"))}</h2><ul>{"".join(items)}</ul></section>'


def _crisis(situation: Situation | None, t: Translator) -> str:
    if situation is None or not situation.crisis:
        return ""
    labels = {"3114": t("3114 — prévention du suicide, 24 h sur 24"), "15": t("15 — SAMU, urgence médicale")}
    calls = "".join(
        f'<li><a class="gc-tel gc-big-tel" href="tel:{n}">{e(labels.get(n, n))}</a></li>' for n in situation.numbers
    )
    return f'<div class="gc-crisis" role="alert"><p class="gc-crisis-title">{e(t("Appelez maintenant :"))}</p><ul>{calls}</ul></div>'


def _situations(t: Translator, q: str) -> str:
    links = "".join(
        f'<li><a href="/recherche?{e(urlencode({"q": q, "situation": s.id, "lang": t.lang}))}">{e(t(s.label))}</a></li>'
        for s in rules().situations
    )
    return f'<nav aria-labelledby="gc-sit-h"><h2 id="gc-sit-h">{e(t("Que faire ?"))}</h2><ul class="gc-sit">{links}</ul></nav>'


def _form(t: Translator, q: str, situation: str | None, age: str | None) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{e(v)}">' for k, v in (("situation", situation), ("age", age)) if v
    )
    return f"""<form action="/recherche" method="get" role="search" aria-label="{e(t("Chercher un lieu"))}">
  <input type="hidden" name="lang" value="{t.lang}">{hidden}
  <label for="q">{e(t("Commune, code postal, quartier ou adresse"))}</label>
  <input id="q" name="q" type="search" value="{e(q)}" required minlength="2" autocomplete="off">
  <button type="submit">{e(t("Chercher"))}</button>
</form>"""


def render(
    t: Translator,
    *,
    q: str,
    answer: dict[str, Any] | None,
    situation: Situation | None = None,
    age: str | None = None,
    problem: str | None = None,
    choices: Sequence[dict[str, Any]] = (),
) -> str:
    """The page: banner, language switch, form, crisis numbers, results (or the problem), lines."""
    title = t("Trouver de l'aide en santé mentale")
    parts = [_crisis(situation, t), f"<h1>{e(title)}</h1>"]
    parts.append(_form(t, q, situation.id if situation else None, age))
    if problem:
        parts.append(f'<p class="gc-status" role="status">{e(problem)}</p>')
    if choices:
        items = "".join(
            f'<li><a href="/recherche?{e(urlencode({"q": c["query"], "lang": t.lang}))}">{e(str(c["label"]))}</a></li>'
            for c in choices
        )
        parts.append(f'<ul class="gc-choices">{items}</ul>')
    if answer is not None:
        feats = answer["features"]
        where = answer["query"].get("label") or q
        status = t("{n} ressources trouvées près {place}", n=len(feats), place=t("de {place}", place=where))
        parts.append(f'<p class="gc-status" role="status">{e(status + ".")}</p>')
        if answer.get("message"):
            msg = (
                answer["message"]
                if t.lang == "fr"
                else t("Rien de ce type n'est connu près d'ici. Lignes nationales joignables :")
            )
            parts.append(f'<p class="gc-notice">{e(msg)}</p>')
        items = "".join(_result(f, t, explain=situation is not None) for f in feats)
        parts.append(
            f'<h2 id="gc-results-h">{e(t("Ressources les plus proches"))}</h2>'
            f'<ol class="gc-results" aria-labelledby="gc-results-h">{items}</ol>'
        )
        parts.append(_lines(answer.get("national_lines", []), t))
        parts.append(
            f'<p class="gc-note">{e(t("Distances à vol d’oiseau ; temps de marche estimés. Vérifiez auprès du lieu avant de vous déplacer."))}</p>'
        )
    if not situation:
        parts.append(_situations(t, q))
    parts.append(f'<p><a href="/?lang={t.lang}">{e(t("Voir la carte"))}</a></p>')
    query = urlencode({k: v for k, v in (("q", q), ("situation", situation.id if situation else None)) if v})
    return f"""<!DOCTYPE html>
<html lang="{t.lang}" dir="{t.dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(t("Recherche — ressources en santé mentale"))}</title>
<link rel="icon" href="data:,"><link rel="manifest" href="/manifest.webmanifest">
<link rel="stylesheet" href="{CSS}"></head>
<body class="gc-page">
{skip_link(t, "gc-main")}
{emergency_banner(t)}
<main id="gc-main" tabindex="-1">
{lang_switch(t, path="/recherche", query=query)}
{"".join(parts)}
</main>
</body>
</html>"""
