"""The "Que faire ?" orientation rules, read from ``orientation.toml`` (reviewed by a CLSM).

Situations map to resource types (by age), and each type has one plain French sentence
explaining it (:func:`explanation_fr`), reused by the map, ``/recherche`` and the guide.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from geo_clsm.model.resource_types import ResourceType
from geo_clsm.package_data import package_dir

RULES_FILE = package_dir("geo_clsm.i18n") / "orientation.toml"
ADULT_AGE = 18


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    age: int | None = None


@dataclass(frozen=True)
class Situation:
    id: str
    label: str
    types: tuple[ResourceType, ...]
    types_minor: tuple[ResourceType, ...]
    crisis: bool = False
    numbers: tuple[str, ...] = ()

    def types_for(self, age: int | None) -> tuple[ResourceType, ...]:
        """The types to look for, in order: ``types_minor`` under 18 when given."""
        return self.types_minor if age is not None and age < ADULT_AGE and self.types_minor else self.types


@dataclass(frozen=True)
class Rules:
    who: tuple[Choice, ...]
    ages: tuple[Choice, ...]
    situations: tuple[Situation, ...]
    explanations: dict[ResourceType, str]

    def situation(self, sid: str) -> Situation | None:
        return next((s for s in self.situations if s.id == sid), None)

    def as_config(self) -> dict[str, Any]:
        """The rules as the page script reads them (French msgids, translated by the script)."""
        return {
            "who": [{"id": c.id, "label": c.label} for c in self.who],
            "ages": [{"id": c.id, "label": c.label, "age": c.age} for c in self.ages],
            "situations": [
                {
                    "id": s.id,
                    "label": s.label,
                    "crisis": s.crisis,
                    "numbers": list(s.numbers),
                    "types": [t.value for t in s.types],
                    "typesMinor": [t.value for t in s.types_minor],
                }
                for s in self.situations
            ],
        }


def _types(values: list[str], where: str) -> tuple[ResourceType, ...]:
    try:
        return tuple(ResourceType(v) for v in values)
    except ValueError as exc:
        raise ValueError(f"{RULES_FILE.name}, {where} : type inconnu ({exc})") from exc


def parse_rules(doc: dict[str, Any]) -> Rules:
    """Check and build the rules; an unknown type code names its situation."""
    situations = tuple(
        Situation(
            id=s["id"],
            label=s["label"],
            types=_types(s["types"], s["id"]),
            types_minor=_types(s.get("types_minor", []), s["id"]),
            crisis=bool(s.get("crisis", False)),
            numbers=tuple(s.get("numbers", ())),
        )
        for s in doc["situations"]
    )
    explanations = {ResourceType(k): str(v) for k, v in doc["explanations"].items()}
    missing = [t.value for t in ResourceType if t not in explanations]
    if missing:
        raise ValueError(f"{RULES_FILE.name} : explication manquante pour {', '.join(missing)}")
    return Rules(
        who=tuple(Choice(c["id"], c["label"]) for c in doc["who"]),
        ages=tuple(Choice(c["id"], c["label"], int(c["age"])) for c in doc["ages"]),
        situations=situations,
        explanations=explanations,
    )


@cache
def rules() -> Rules:
    return parse_rules(tomllib.loads(RULES_FILE.read_text(encoding="utf-8")))


def explanation_fr(rtype: ResourceType) -> str:
    """One plain French sentence saying what a resource of this type is."""
    return rules().explanations[rtype]
