"""The labels of a resource's fields, as a person reads them (French msgids, translated by the pages).

The editor form, its errors and the history name a field by its label: « Téléphone », not ``phone``.
"""

from __future__ import annotations

FIELD_LABELS: dict[str, str] = {
    "id": "Identifiant",
    "type": "Type",
    "services": "Autres services",
    "name": "Nom",
    "street": "Adresse (numéro et rue)",
    "postcode": "Code postal",
    "commune": "Commune",
    "insee_com": "Code INSEE de la commune",
    "phone": "Téléphone",
    "email": "E-mail",
    "website": "Site web",
    "audience": "Publics (séparés par ;)",
    "age_min": "Âge minimum",
    "age_max": "Âge maximum",
    "opening_hours": "Horaires",
    "languages": "Langues parlées",
    "wheelchair": "Accessible en fauteuil",
    "appointment_required": "Sur rendez-vous",
    "free_of_charge": "Gratuit",
    "capacity": "Capacité",
    "lon": "Longitude (WGS84)",
    "lat": "Latitude (WGS84)",
    "position_precision": "Précision de la position",
    "position_source": "Source de la position",
    "confidential_address": "Adresse confidentielle",
    "service_area_wkt": "Zone d'intervention (WKT)",
    "service_area_communes": "Zone d'intervention : communes (codes INSEE séparés par ;)",
    "service_area_qpv": "Zone d'intervention : QPV (codes séparés par ;)",
    "finess_et": "Numéro FINESS",
    "territory": "Territoire",
    "source": "Source de la fiche",
    "last_verified": "Vérifiée le",
    "source_date": "Date de la source",
    "notes": "Notes internes (jamais publiées)",
    "public_info": "Information publique (affichée au public)",
    "display_name": "Nom affiché (lisible, sinon le nom)",
    "display_street": "Adresse affichée (lisible, sinon l'adresse)",
    "verified_by_person": "Vérifiée par une personne",
    "to_verify": "À vérifier avant de s'y fier",
    "status": "État",
}
"""Each column of the project's CSV schema (and the history's ``status``) → its label."""
