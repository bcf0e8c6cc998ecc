"""``/recherche``: the nearest resources as a plain HTML page, with no script at all.

Works on any browser, with JavaScript blocked, and for a screen reader that skips the map.
It renders the same answer as ``/api/nearest`` (built by the same function) through the
public view of each resource, in the template ``templates/pages/search.html``; user-facing
text is translated by :mod:`geo_clsm.i18n`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from geo_clsm.i18n import Translator
from geo_clsm.i18n.orientation import Situation, rules
from geo_clsm.model.freshness import source_short
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.web.pages.dated_words import dated_words
from geo_clsm.web.pages.maps import TYPE_STYLE
from geo_clsm.web.pages.resident import languages
from geo_clsm.web.templating import PathFor, render

PARIS = ZoneInfo("Europe/Paris")


def _address(p: dict[str, Any]) -> str:
    street = p.get("display_street") or p.get("street")
    town = " ".join(str(v) for v in (p.get("postcode"), p.get("commune")) if v)
    return ", ".join(v for v in (street, town) if v)


def _distance(p: dict[str, Any], t: Translator) -> str:
    """The distance in the page's words and number format (« 3,4 km », « 3.4 km »)."""
    label, d = str(p["distance_label"]), float(p["distance_m"])
    if label in ("dans la commune", "moins de 100 m"):
        return t(label)
    if d < 1000:
        text = format_decimal(round(d / 10) * 10, format="#,##0", locale=t.lang) + " m"
    else:
        text = format_decimal(d / 1000, format="#,##0.0", locale=t.lang) + " km"
    return t("environ {d}", d=text) if label.startswith("environ ") else text


def _provenance(p: dict[str, Any], t: Translator) -> str | None:
    """Where the facts come from, in the page's language (the words of ``provenance_fr``)."""
    if t.lang == "fr" or not p.get("provenance_fr"):
        return str(p["provenance_fr"]) if p.get("provenance_fr") else None
    if p.get("verified_by"):
        day = format_date(date.fromisoformat(str(p["last_verified"])[:10]), format="short", locale=t.lang)
        if p["verified_by"] == "structure":
            return t("confirmé par le lieu le {date}", date=day)
        return t("vérifié par l'équipe du CLSM le {date}", date=day)
    when = p.get("source_date")
    month = (
        format_date(date.fromisoformat(str(when)[:10]), format="LLLL y", locale=t.lang)
        if when
        else t("date non indiquée")
    )
    text = t("issu de {source} ({date}), non confirmé", source=source_short(str(p.get("source") or "")), date=month)
    return text + " — " + t("à vérifier") if p.get("to_verify") else text


def _phone(phone: Any, t: Translator, name: str) -> dict[str, str] | None:
    """What the page shows of a phone number: the text, the ``tel:`` number, the link's label."""
    if not phone:
        return None
    text = str(phone)
    # The link's name contains the number it shows (WCAG 2.5.3), then whom it calls.
    return {"text": text, "number": "".join(text.split()), "label": t("Appeler {phone}, {name}", phone=text, name=name)}


def _hours(p: dict[str, Any], t: Translator) -> str | None:
    """Opening hours in words in the page's language (the public view's ``opening_hours_words``)."""
    words = p.get("opening_hours_words") or {}
    return words.get(t.lang) or words.get("fr") or None


def _result(f: dict[str, Any], t: Translator, explain: bool) -> dict[str, Any]:
    """One nearest resource, in the page's words."""
    p = f["properties"]
    name = str(p.get("display_name") or p.get("name"))
    rtype = ResourceType(p["type"])
    minutes = None
    if p.get("distance_label") != "dans la commune":
        n = max(1, round(p["walk_minutes"]))
        minutes = t("environ {n} min à pied", n=n) if n <= 90 else None
    return {
        "name": name,
        "type": rtype.value,
        "type_label": t(rtype.label_fr),
        "distance": _distance(p, t),
        "minutes": minutes,
        "explanation": t(rules().explanations[rtype]) if explain else None,
        "address": _address(p),
        "approximate": p.get("position_precision") == "commune",
        "phone": _phone(p.get("phone"), t, name),
        "open_now": p.get("open_now"),
        "hours": _hours(p, t),
        "audience_unknown": p.get("audience_known") is False,
        "provenance": _provenance(p, t),
        "sector_role": p.get("sector_role"),
        "sector": t(p["sector_label"]) if p.get("sector_label") else None,
        **dated_words(p, t),
    }


def _sectors(query: dict[str, Any], t: Translator) -> Markup:
    """The point's sectors in words (« Secteur : Secteur fictif Metz-Centre (adultes) »), or why
    they are unknown (« sectorisation non renseignée »). Each sector's name, a French proper name, is
    isolated (``<bdi>``): on an Arabic page its words stay together, in their own order."""
    sectors = query.get("sectors") or []
    note = query.get("sector_note")
    if not sectors:
        return escape(t(str(note or "sectorisation non renseignée")))
    names = Markup(", ").join(Markup("<bdi>{}</bdi> ({})").format(s["name"], t(s["public"])) for s in sectors)
    known = Markup(escape(t("Votre secteur : {names}"))).format(names=names)
    return Markup("{}. {}").format(known, t(str(note))) if note else known  # a public known, another not


def _status(answer: dict[str, Any], q: str, t: Translator) -> str:
    """« 10 ressources trouvées près du quartier Borny (Metz) »: the place once, no internal code."""
    query = answer["query"]
    n = len(answer["features"])
    qpv, commune = query.get("qpv"), query.get("commune")
    if query.get("precision") == "qpv" and qpv:
        place = t("du quartier {name}", name=qpv["lib_qp"]) + (f" ({commune['nom']})" if commune else "")
    else:
        place = t("de {place}", place=query.get("label") or q)
    if n > 1:
        return t("{n} ressources trouvées près {place}", n=n, place=place)
    return t("{n} ressource trouvée près {place}", n=n, place=place)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """The filters of /recherche, as the URL carries them (a search can be shared and reloaded)."""

    age: str | None = None  # a band of the "Que faire ?" rules (enfant, ado …)
    types: tuple[str, ...] = ()  # ResourceType values; none: every type
    open_now: bool = False
    lang_spoken: str | None = None
    accepts_new: bool = False

    def params(self) -> list[tuple[str, str]]:
        """The filters as query parameters, in the form's order."""
        out = [("age", self.age)] if self.age else []
        out += [("type", v) for v in self.types]
        out += [("open", "1")] if self.open_now else []
        out += [("accepts_new", "1")] if self.accepts_new else []
        return out + ([("lang_spoken", self.lang_spoken)] if self.lang_spoken else [])

    def words(self, t: Translator, spoken: Sequence[tuple[str, str]]) -> str:
        """The filters in a sentence, for the screen and the printout."""
        parts = [t(a.label) for a in rules().ages if a.id == self.age]
        if self.types:
            parts.append(", ".join(t(ResourceType(v).label_fr) for v in self.types))
        if self.open_now:
            parts.append(t("ouvert maintenant"))
        if self.lang_spoken:
            name = dict(spoken).get(self.lang_spoken, self.lang_spoken)
            parts.append(t("langue parlée : {lang}", lang=name))
        if self.accepts_new:
            parts.append(t("accepte de nouvelles demandes"))
        return (
            t("Filtres : {list}", list=" · ".join(parts))
            if parts
            else t("Sans filtre : tous les types, tous les âges.")
        )


def _line(f: dict[str, Any], t: Translator) -> dict[str, Any]:
    p = f["properties"]
    name = str(p.get("display_name") or p.get("name"))
    return {
        "name": name,
        "phone": _phone(p.get("phone"), t, name),
        "hours": _hours(p, t),
        "open_now": p.get("open_now"),
    }


def render_search(
    t: Translator,
    *,
    path_for: PathFor,
    q: str,
    answer: dict[str, Any] | None,
    situation: Situation | None = None,
    age: str | None = None,
    problem: str | None = None,
    choices: Sequence[dict[str, Any]] = (),
    filters: SearchFilters = SearchFilters(),
    spoken: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
) -> str:
    """The page: banner, language switch, form, crisis numbers, results (or the problem), lines."""
    found = None
    if answer is not None:
        feats = answer["features"]
        message = answer.get("message")
        for_age = any(m.get("other_ages") for m in answer.get("missing_types", []))
        if message and t.lang != "fr":
            message = (
                t(
                    "Rien de ce type n'est connu près d'ici pour cet âge ; il en existe pour d'autres âges. Lignes nationales joignables :"
                )
                if for_age
                else t("Rien de ce type n'est connu près d'ici. Lignes nationales joignables :")
            )
        found = {
            "status": _status(answer, q, t),
            "message": message or None,
            "results": [_result(f, t, explain=situation is not None) for f in feats],
            "lines": [_line(f, t) for f in answer.get("national_lines", [])],
            "made": t(
                "Liste établie le {date}",
                date=format_datetime(now or datetime.now(PARIS), "d MMMM y, HH:mm", locale=t.lang),
            ),
            "filters": filters.words(t, spoken),
            "sectors": _sectors(answer["query"], t),
        }
    crisis_labels = {"3114": t("3114 — prévention du suicide, 24 h sur 24"), "15": t("15 — SAMU, urgence médicale")}
    return render(
        "pages/search.html",
        t=t,
        path_for=path_for,
        languages=languages(),
        q=q,
        hidden=[(k, v) for k, v in (("situation", situation.id if situation else None),) if v],
        filters=filters,
        age_options=[(a.id, t(a.label)) for a in rules().ages],
        type_options=[(rt.value, t(rt.label_fr)) for rt in TYPE_STYLE],
        spoken=spoken,
        crisis=[(n, crisis_labels.get(n, n)) for n in situation.numbers] if situation and situation.crisis else [],
        problem=problem,
        choices=[(urlencode({"q": c["query"], "lang": t.lang}), str(c["label"])) for c in choices],
        found=found,
        situations=(
            []
            if situation
            else [(urlencode({"q": q, "situation": s.id, "lang": t.lang}), t(s.label)) for s in rules().situations]
        ),
        query=urlencode(
            [(k, v) for k, v in (("q", q), ("situation", situation.id if situation else None)) if v] + filters.params()
        ),
    )
