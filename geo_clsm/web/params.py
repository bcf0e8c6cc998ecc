"""Query parameters shared by several endpoints, each with its description and example."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, get_type_hints

from fastapi import Query
from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from geo_clsm.model.ages import AGE_BANDS, AGE_MAX, AGE_MIN, AgeError, parse_age
from geo_clsm.model.resource_types import ResourceType

T = TypeVar("T")

TypeFilter = Annotated[
    list[ResourceType] | None,
    Query(description="Type de ressource (répétable). CMP couvre CMP adultes et enfants.", examples=["CMP"]),
]


def _age(value: object) -> int | None:
    """:func:`geo_clsm.model.ages.parse_age` as a validator: its French message, no exception object
    in the error (two parses of one query string give equal errors)."""
    try:
        return parse_age(value)
    except AgeError as exc:
        raise PydanticCustomError("age_invalid", str(exc)) from None


AgeFilter = Annotated[
    int | None,
    BeforeValidator(_age),  # the one age vocabulary: years 0-120 or a named group
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": AGE_MIN, "maximum": AGE_MAX},
                {"type": "string", "enum": list(AGE_BANDS)},
            ],
            "examples": [15, "ado"],
        }
    ),
    Query(
        description="Âge de la personne, en années (0 à 120) ou tranche d'âge "
        f"({', '.join(f'{k} = {v} ans' for k, v in AGE_BANDS.items())}) : garde les ressources qui l'accueillent",
        examples=[15, "ado"],
    ),
]
LangSpokenFilter = Annotated[
    list[Annotated[str, StringConstraints(pattern="^[A-Za-z]{2,3}$")]] | None,
    Query(
        description="Langue parlée sur place (code ISO 639-1, répétable) : « ar », « en ». "
        "Sans langue indiquée, un lieu compte comme francophone.",
        examples=["ar"],
    ),
]
TerritoryFilter = Annotated[str | None, Query(description="Identifiant de territoire", examples=["metz"])]
KnownAudienceFilter = Annotated[
    bool,
    Query(
        description=(
            "Public connu seulement : écarter les ressources gardées parce que leur public n'est pas précisé "
            "(par exemple un CMP au public non précisé pour « CMP adultes »)"
        ),
        examples=[False],
    ),
]


def async_dependency(cls: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``Depends(async_dependency(SomeDataclass))``: the same parameters, built without the thread pool.

    FastAPI runs a class dependency (``Depends()`` on a dataclass) in the thread pool on every
    request; this async factory has the class's signature (annotations resolved) instead.
    """
    hints = get_type_hints(cls, include_extras=True)
    sig = inspect.signature(cls)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()]

    async def build(**kwargs: Any) -> T:
        return cls(**kwargs)

    build.__signature__ = sig.replace(parameters=params, return_annotation=cls)  # type: ignore[attr-defined]
    return build
