"""Query parameters shared by several endpoints, each with its description and example."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from geo_clsm.model import ResourceType

TypeFilter = Annotated[
    list[ResourceType] | None,
    Query(description="Type de ressource (répétable). CMP couvre CMP adultes et enfants.", examples=["CMP"]),
]
AgeFilter = Annotated[
    int | None,
    Query(ge=0, le=120, description="Âge de la personne : garde les ressources qui l'accueillent", examples=[15]),
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
