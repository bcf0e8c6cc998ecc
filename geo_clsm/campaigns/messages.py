"""The messages of a campaign: plain French text with the record's public details and ``{lien}``,
the place of the personal link (made when the message is sent: see :mod:`geo_clsm.campaigns.sender`)."""

from __future__ import annotations

from datetime import date

from geo_clsm.model.resource import Resource

LINK = "{lien}"


def public_details(r: Resource) -> list[str]:
    """The record as the public sees it (its public view), one line per known detail."""
    p = r.public_properties()
    lines = [f"Nom : {p['display_name']}", f"Type : {p['type_label']}"]
    address = ", ".join(str(v) for v in (p["display_street"], p["postcode"], p["commune"]) if v)
    if address:
        lines.append(f"Adresse : {address}")
    for key, label in (("phone", "Téléphone"), ("email", "E-mail"), ("website", "Site")):
        if p[key]:
            lines.append(f"{label} : {p[key]}")
    if p["opening_hours_fr"] or p["opening_hours"]:
        lines.append(f"Horaires : {p['opening_hours_fr'] or p['opening_hours']}")
    aud = p["audience"]
    if aud["age_min"] is not None or aud["age_max"] is not None:
        lo, hi = aud["age_min"], aud["age_max"]
        ages = (
            f"de {lo} à {hi} ans"
            if lo is not None and hi is not None
            else (f"dès {lo} ans" if lo is not None else f"jusqu'à {hi} ans")
        )
        lines.append(f"Âges : {ages}")
    if aud["groups"]:
        lines.append(f"Public : {', '.join(aud['groups'])}")
    if p.get("wait_fr"):
        lines.append(f"Délai : {p['wait_fr']}")
    if p.get("accepts_new_fr"):
        lines.append(f"Nouvelles demandes : {p['accepts_new_fr']}")
    if p.get("notice"):
        n = p["notice"]
        lines.append(f"Avis : {n['text']} (du {n['start']} au {n['end']})")
    if p["public_info"]:
        lines.append(f"Informations : {p['public_info']}")
    lines.append(f"Fraîcheur : {p['provenance_fr']}")
    return lines


def subject(r: Resource, *, reminder: bool = False) -> str:
    head = "Rappel : " if reminder else ""
    return f"{head}votre fiche dans l'annuaire en santé mentale — {r.display_name or r.name}"


def body(r: Resource, *, expires: date, territory_name: str, reminder: bool = False) -> str:
    """The message, with ``{lien}`` where the personal link goes."""
    opening = (
        "Nous vous avons écrit il y a quelques jours : sans réponse de votre part, nous nous permettons ce rappel."
        if reminder
        else f"Le Conseil local de santé mentale ({territory_name}) tient à jour l'annuaire des lieux d'aide "
        "en santé mentale, consulté par les habitants et les professionnels."
    )
    return "\n".join(
        [
            "Bonjour,",
            "",
            opening,
            "Voici ce que l'annuaire indique aujourd'hui sur votre structure :",
            "",
            *(f"  {line}" for line in public_details(r)),
            "",
            "Merci de nous dire si ces informations sont exactes, ou de les corriger, à cette adresse :",
            "",
            f"  {LINK}",
            "",
            "Un bouton « Tout est exact » suffit si rien n'a changé. Le lien est personnel : il ne sert qu'à "
            f"cette fiche, sans compte ni mot de passe, jusqu'au {expires.strftime('%d/%m/%Y')}.",
            "Les corrections sont relues par l'équipe du CLSM avant d'être publiées.",
            "",
            "Merci pour votre aide,",
            f"L'équipe du CLSM — {territory_name}",
            "",
            "Vous recevez ce message parce que cette adresse figure sur la fiche de votre structure.",
        ]
    )
