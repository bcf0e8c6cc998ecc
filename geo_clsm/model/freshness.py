"""What the public is told about how current a record is, and how long its wait is.

Who confirmed it and when (« confirmé par le lieu le … », « vérifié par l'équipe du CLSM le … »),
or where it comes from when nobody did (« issu de FINESS (mars 2020), non confirmé »); whether it
has waited for a confirmation longer than its territory allows (« à confirmer par téléphone »);
the stated waiting time and whether it is older than three months. Dates are read from
:mod:`geo_clsm.model.clock`, so that the words change by themselves with the days.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from geo_clsm.model.notice import Notice

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

VerifiedBy = Literal["structure", "clsm"]
AcceptsNew = Literal["oui", "non", "liste_attente"]
ACCEPTS_NEW_FR: dict[str, str] = {
    "oui": "accepte de nouvelles demandes",
    "non": "n'accepte pas de nouvelles demandes pour le moment",
    "liste_attente": "nouvelles demandes sur liste d'attente",
}
WAIT_OLD_MONTHS = 3
"""A stated waiting time older than this many months says so."""
CONFIRM_AFTER_MONTHS = 12
"""Default: a record unconfirmed longer than this is « à confirmer par téléphone »."""
FRESH_MONTHS = 12
"""The freshness figure counts records confirmed within this many months."""


class Dated(Protocol):
    """What these rules read of a record (:class:`geo_clsm.model.resource.Resource`)."""

    @property
    def source(self) -> str: ...
    @property
    def source_date(self) -> date | None: ...
    @property
    def last_verified(self) -> date: ...
    @property
    def verified_by(self) -> VerifiedBy | None: ...
    @property
    def to_verify(self) -> bool: ...
    @property
    def territory(self) -> str | None: ...
    @property
    def wait_days(self) -> int | None: ...
    @property
    def wait_stated_on(self) -> date | None: ...
    @property
    def accepts_new(self) -> AcceptsNew | None: ...
    @property
    def notice(self) -> Notice | None: ...


def source_short(source: str) -> str:
    """A short public name for a source: 'FINESS' for FINESS-derived records, else the web site."""
    if "FINESS" in source.upper() or "eurostat/basic-services" in source:
        return "FINESS"
    m = re.match(r"^https?://(?:www\.|m\.)?([^/]+)", source)
    return m.group(1) if m else source[:60]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it has fewer)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def day_fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class ConfirmPolicy:
    """After how many months without a confirmation a record is « à confirmer », per territory."""

    default_months: int = CONFIRM_AFTER_MONTHS
    by_territory: Mapping[str, int] = field(default_factory=dict)

    def months(self, territory: str | None) -> int:
        return self.by_territory.get(territory or "", self.default_months)


_policy: list[ConfirmPolicy] = [ConfirmPolicy()]


def confirm_policy() -> ConfirmPolicy:
    """The policy in force (set once at start-up from the settings)."""
    return _policy[-1]


def set_confirm_policy(policy: ConfirmPolicy) -> None:
    """Install the policy read from the settings (``confirm_after_months`` …)."""
    _policy[-1] = policy


def confirmed_on(r: Dated) -> date | None:
    """The day a person (of the place or of the CLSM) last confirmed the record; None if never."""
    return r.last_verified if r.verified_by is not None else None


def to_confirm(r: Dated, today: date, policy: ConfirmPolicy | None = None) -> bool:
    """Whether the record has waited for a confirmation longer than its territory allows
    (since its confirmation, else since its source's date, else since it was last checked)."""
    policy = policy or confirm_policy()
    since = confirmed_on(r) or r.source_date or r.last_verified
    return since < months_before(today, policy.months(r.territory))


def provenance_fr(r: Dated) -> str:
    """Who confirmed the record and when, or where it comes from when nobody did."""
    if r.verified_by == "structure":
        return f"confirmé par le lieu le {day_fr(r.last_verified)}"
    if r.verified_by == "clsm":
        return f"vérifié par l'équipe du CLSM le {day_fr(r.last_verified)}"
    when = r.source_date
    dated = f"{MONTHS_FR[when.month - 1]} {when.year}" if when else "date non indiquée"
    return f"issu de {source_short(r.source)} ({dated}), non confirmé" + (" — à vérifier" if r.to_verify else "")


def wait_old(r: Dated, today: date) -> bool:
    """Whether the stated waiting time was stated more than three months ago."""
    return r.wait_stated_on is not None and r.wait_stated_on < months_before(today, WAIT_OLD_MONTHS)


def wait_fr(r: Dated, today: date) -> str | None:
    """The stated waiting time in words, with the day it was stated; None when none was stated."""
    if r.wait_days is None:
        return None
    days = "moins d'un jour" if r.wait_days == 0 else ("1 jour" if r.wait_days == 1 else f"{r.wait_days} jours")
    text = f"premier rendez-vous : environ {days}"
    if r.wait_stated_on is None:
        return text
    old = ", il y a plus de 3 mois" if wait_old(r, today) else ""
    return f"{text} (délai indiqué le {day_fr(r.wait_stated_on)}{old})"


def public_freshness(r: Dated, today: date, policy: ConfirmPolicy | None = None) -> dict[str, Any]:
    """The dated members of the public view: waiting time, new requests, notice, confirmation."""
    confirmed = confirmed_on(r)
    return {
        "wait_days": r.wait_days,
        "wait_stated_on": r.wait_stated_on.isoformat() if r.wait_stated_on else None,
        "wait_old": wait_old(r, today),
        "wait_fr": wait_fr(r, today),
        "accepts_new": r.accepts_new,
        "accepts_new_fr": ACCEPTS_NEW_FR[r.accepts_new] if r.accepts_new else None,
        "notice": r.notice.public(today) if r.notice else None,
        "verified_by": r.verified_by,
        "source_short": source_short(r.source),
        "confirmed_on": confirmed.isoformat() if confirmed else None,
        "to_confirm": to_confirm(r, today, policy),
    }


def fresh_share(resources: Iterable[Dated], today: date) -> dict[str, Any]:
    """The freshness figure: how many records were confirmed in the last 12 months, of how many."""
    since = months_before(today, FRESH_MONTHS)
    n = fresh = 0
    for r in resources:
        n += 1
        c = confirmed_on(r)
        fresh += c is not None and c >= since
    return {"records": n, "confirmed_12_months": fresh, "share": round(fresh / n, 3) if n else None}
