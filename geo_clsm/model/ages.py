"""The age groups a resident can choose on the map: id, French label, and the age searched for."""

from __future__ import annotations

AGE_GROUPS = [
    ("", "Tous âges", None),
    ("enfant", "Enfant (moins de 12 ans)", 8),
    ("ado", "Adolescent (12-17 ans)", 15),
    ("jeune", "Jeune adulte (18-25 ans)", 21),
    ("adulte", "Adulte (26-59 ans)", 40),
    ("senior", "Personne âgée (60 ans et plus)", 70),
]
