"""The region (name, as INSEE writes it since 2016) of a French commune, for HSDS's
``state_province``: by the commune's département (the first two characters of its INSEE code,
three overseas)."""

from __future__ import annotations

_REGIONS: dict[str, tuple[str, ...]] = {
    "Auvergne-Rhône-Alpes": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
    "Guadeloupe": ("971",),
    "Martinique": ("972",),
    "Guyane": ("973",),
    "La Réunion": ("974",),
    "Mayotte": ("976",),
}
REGION_OF_DEPARTMENT: dict[str, str] = {dep: region for region, deps in _REGIONS.items() for dep in deps}
"""Département code -> region name (the 101 départements)."""


def department_of(insee_com: str | None) -> str | None:
    """The département code of an INSEE commune code (``57463`` -> ``57``, ``97411`` -> ``974``)."""
    if not insee_com:
        return None
    return insee_com[:3] if insee_com.startswith("97") else insee_com[:2]


def region_of(insee_com: str | None) -> str | None:
    """The region name of an INSEE commune code, or None when unknown."""
    dep = department_of(insee_com)
    return None if dep is None else REGION_OF_DEPARTMENT.get(dep)
