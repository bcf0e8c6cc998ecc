"""``/recherche``: the nearest resources as a plain HTML page, with no script at all.

Works on any browser, with JavaScript blocked, and for a screen reader that skips the map.
It renders the same answer as ``/api/nearest`` (built by the same function) through the
public view of each resource, in the template ``templates/pages/search.html``; user-facing
text is translated by :mod:`geo_clsm.i18n`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from geo_clsm.i18n import Translator
from geo_clsm.i18n.orientation import Situation, rules
from geo_clsm.model.resource import ResourceType
from geo_clsm.web.pages.maps import TYPE_STYLE
from geo_clsm.web.pages.resident import languages
from geo_clsm.web.templating import PathFor, render

PARIS = ZoneInfo("Europe/Paris")


def _address(p: dict[str, Any]) -> str:
    street = p.get("display_street") or p.get("street")
    town = " ".join(str(v) for v in (p.get("postcode"), p.get("commune")) if v)
    return ", ".join(v for v in (street, town) if v)


def _distance(label: str, t: Translator) -> str:
    if label.startswith("environ "):
        return t("environ {d}", d=label[len("environ ") :])
    return t(label)


def _phone(phone: Any, t: Translator, name: str) -> dict[str, str] | None:
    """What the page shows of a phone number: the text, the ``tel:`` number, the link's label."""
    if not phone:
        return None
    text = str(phone)
    return {"text": text, "number": "".join(text.split()), "label": t("Appeler {name}", name=name)}


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
        "distance": _distance(p["distance_label"], t),
        "minutes": minutes,
        "explanation": t(rules().explanations[rtype]) if explain else None,
        "address": _address(p),
        "approximate": p.get("position_precision") == "commune",
        "phone": _phone(p.get("phone"), t, name),
        "open_now": p.get("open_now"),
        "hours": str(p["opening_hours_fr"]) if p.get("opening_hours_fr") else None,
        "audience_unknown": p.get("audience_known") is False,
        "provenance": str(p["provenance_fr"]) if p.get("provenance_fr") else None,
    }


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """The filters of /recherche, as the URL carries them (a search can be shared and reloaded)."""

    age: str | None = None  # a band of the "Que faire ?" rules (enfant, ado …)
    types: tuple[str, ...] = ()  # ResourceType values; none: every type
    open_now: bool = False
    lang_spoken: str | None = None

    def params(self) -> list[tuple[str, str]]:
        """The filters as query parameters, in the form's order."""
        out = [("age", self.age)] if self.age else []
        out += [("type", v) for v in self.types]
        out += [("open", "1")] if self.open_now else []
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
        return (
            t("Filtres : {list}", list=" · ".join(parts))
            if parts
            else t("Sans filtre : tous les types, tous les âges.")
        )


def _line(f: dict[str, Any], t: Translator) -> dict[str, Any]:
    p = f["properties"]
    name = str(p.get("display_name") or p.get("name"))
    return {"name": name, "phone": _phone(p.get("phone"), t, name)}


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
        where = answer["query"].get("label") or q
        message = answer.get("message")
        found = {
            "status": t("{n} ressources trouvées près {place}", n=len(feats), place=t("de {place}", place=where)),
            "message": (
                (
                    message
                    if t.lang == "fr"
                    else t("Rien de ce type n'est connu près d'ici. Lignes nationales joignables :")
                )
                if message
                else None
            ),
            "results": [_result(f, t, explain=situation is not None) for f in feats],
            "lines": [_line(f, t) for f in answer.get("national_lines", [])],
            "made": t(
                "Liste établie le {date}",
                date=format_datetime(now or datetime.now(PARIS), "d MMMM y, HH:mm", locale=t.lang),
            ),
            "filters": filters.words(t, spoken),
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
