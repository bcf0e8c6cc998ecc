"""The public view's dated facts in the page's language: a notice running, the stated waiting time
(saying when it is older than three months), whether new requests are taken, and « à confirmer par
téléphone » for a record unconfirmed past its territory's threshold (:mod:`geo_clsm.model.freshness`).

Read from the public properties only; a place that stated nothing gets no words (no wait is guessed).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from geo_clsm.i18n import Translator


def _day(iso: str, t: Translator) -> str:
    return format_date(date.fromisoformat(iso[:10]), format="short", locale=t.lang)


def accepts_words(value: str | None, t: Translator) -> str | None:
    """Whether the place takes new requests, in words; None when it did not say."""
    words = {
        "oui": t("Accepte de nouvelles demandes"),
        "non": t("N'accepte pas de nouvelles demandes pour le moment"),
        "liste_attente": t("Nouvelles demandes sur liste d'attente"),
    }
    return words.get(value or "")


def wait_words(p: dict[str, Any], t: Translator) -> str | None:
    """« Premier rendez-vous : environ 21 jours (délai indiqué le 01/12/2026) »; None without a stated wait."""
    n = p.get("wait_days")
    if n is None or not p.get("wait_stated_on"):
        return None
    days = t("moins d'un jour") if n == 0 else (t("1 jour") if n == 1 else t("{n} jours", n=n))
    stated = _day(str(p["wait_stated_on"]), t)
    if p.get("wait_old"):
        return t(
            "Premier rendez-vous : environ {days} (délai indiqué le {date}, il y a plus de 3 mois)",
            days=days,
            date=stated,
        )
    return t("Premier rendez-vous : environ {days} (délai indiqué le {date})", days=days, date=stated)


def notice_words(p: dict[str, Any], t: Translator) -> str | None:
    """The notice running today, with its dates (its text is the place's own, in French)."""
    notice = p.get("notice")
    if not notice:
        return None
    return t(
        "Avis du {start} au {end} : {text}",
        start=_day(notice["start"], t),
        end=_day(notice["end"], t),
        text=notice["text"],
    )


def dated_words(p: dict[str, Any], t: Translator) -> dict[str, str | None]:
    """Every dated fact of a record in words (None for those it does not have)."""
    return {
        "notice": notice_words(p, t),
        "wait": wait_words(p, t),
        "accepts_new": accepts_words(p.get("accepts_new"), t),
        "to_confirm": t("à confirmer par téléphone") if p.get("to_confirm") else None,
    }
