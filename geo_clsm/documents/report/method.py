"""The report's sources, vintages, method and limits, in French."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.report.supply import DIRECTORY

if TYPE_CHECKING:
    from geo_clsm.access.params import AccessResult
    from geo_clsm.documents.report.national import National

USED_FOR_FR = {
    "qpv": "périmètres des QPV",
    "communes": "communes du territoire et leur population",
    "mairies": "position des lieux connus seulement à la commune",
    "resources": "lieux du territoire (annuaire)",
    "population": "population carroyée (pondération des indicateurs d'accès)",
}


def sources_for(
    catalog: Catalog, *, territory: str, national: National | None, indicators: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per source the report relies on: layer id, what it gives, source, licence, vintage."""
    out: list[dict[str, Any]] = []
    for ref in catalog.territories[territory].layers:
        lay = catalog.layers[ref]
        out.append(_layer(lay.id, USED_FOR_FR.get(lay.kind, lay.kind), lay.source, lay.licence, lay.vintage))
    out.append(
        _layer(
            DIRECTORY,
            "lignes « annuaire » : les lieux en service dans geo_clsm (registre du territoire, couche nationale, "
            "fiches ajoutées ou corrigées par les coordinateurs)",
            "base de données de geo_clsm",
            "voir les couches ci-dessus",
            "à la date du rapport",
        )
    )
    if national is not None:
        lay = national.layer
        out.append(
            _layer(
                lay.id,
                "lignes de comparaison (territoire, département, France) : la même couche nationale partout",
                lay.source,
                lay.licence,
                lay.vintage,
            )
        )
        communes = next((c for c in catalog.layers.values() if c.kind == "communes" and c.id.endswith("france")), None)
        if communes is not None:
            out.append(
                _layer(
                    communes.id,
                    "population des départements et de la France",
                    communes.source,
                    communes.licence,
                    communes.vintage,
                )
            )
    seen: set[tuple[str, str]] = set()
    for ind in indicators:
        key = (str(ind["name"]), str(ind["source"]))
        if key not in seen:
            seen.add(key)
            out.append(
                _layer(
                    f"indicateur : {ind['name']}",
                    "indicateur choisi avec les partenaires (importé, non calculé par geo_clsm)",
                    str(ind["source"]),
                    "selon la source",
                    f"importé le {ind['imported_on']}",
                )
            )
    return out


def _layer(layer: str, used_for: str, source: str, licence: str, vintage: str) -> dict[str, Any]:
    return {"layer": layer, "used_for": used_for, "source": source, "licence": licence, "vintage": vintage}


def method_notes(access: AccessResult | None, *, national: National | None, has_qpv: bool) -> list[str]:
    """Method and limits, one French sentence each (the access engine's own notes included)."""
    notes = [
        "Offre : un lieu compte pour chaque type qu'il propose (son type ou un service : un CMP qui "
        "héberge un CATTP compte comme CMP et comme CATTP) ; « CMP » regroupe CMP adultes, enfants et "
        "public non précisé. Les lignes d'écoute nationales ne sont pas des lieux et ne sont pas comptées.",
        "Un lieu appartient à une commune par son code INSEE et à un QPV quand sa position publique est dans "
        "le périmètre : un lieu à adresse confidentielle est compté à la mairie de sa commune.",
        "Taux pour 10 000 habitants = nombre de lieux / population municipale (INSEE) × 10 000, à trois "
        "chiffres significatifs. La population des QPV n'est pas fournie par les couches chargées : pas de taux "
        "par QPV, et la part de la population vivant en QPV n'est pas connue.",
    ]
    if national is not None:
        notes.append(
            "Comparaison avec le département et la France : pour comparer ce qui est comparable, les trois "
            f"niveaux comptent la même couche nationale ({national.layer.id}, {national.layer.vintage}), "
            "établissements FINESS de santé mentale typés de la même façon. L'annuaire du territoire est plus "
            "riche (GEM, MDA, PAEJ, associations, lieux vérifiés par les coordinateurs) : ses chiffres "
            "(lignes « annuaire ») ne se comparent pas directement aux taux nationaux."
        )
    else:
        notes.append("Pas de couche nationale chargée : pas de comparaison avec le département ni la France.")
    notes.append(
        "Limites : distances à vol d'oiseau (pas le réseau de rues ni les transports) ; temps de marche "
        "estimés (distance × 1,3 à 4,5 km/h) ; horaires souvent inconnus ; des lieux ne sont positionnés "
        "qu'à la commune ; un lieu ouvert en 2020 dans FINESS peut avoir fermé depuis."
    )
    if access is not None:
        notes.append(
            "Accès : indicateurs du moteur d'accès de geo_clsm (grille de points dans chaque QPV, distance au "
            "lieu le plus proche, zone blanche = aucun lieu du type à moins de 1 km du QPV, rang 1 = QPV le "
            "plus éloigné, ratio d'équité = distance moyenne du QPV / celle du reste du territoire, score "
            "2SFCA = lieux pour 10 000 habitants à portée, pondérés par la distance)."
        )
        notes.extend(f"Accès : {n}." for n in access.notes)
    elif has_qpv:
        notes.append("Indicateurs d'accès non disponibles pour ce territoire.")
    else:
        notes.append("Le territoire n'a pas de QPV chargé : pas d'indicateurs d'accès par quartier.")
    return notes
