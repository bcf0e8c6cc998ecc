"""The vocabulary of the project's resource schema: its columns and the words its cells may hold.

Shared by the row-by-row rules (:mod:`~geo_clsm.data.importers.resource_rows`), the column-wise
rules (:mod:`~geo_clsm.data.importers.resource_columns`, :mod:`~geo_clsm.data.importers.resource_table`),
the CSV readers (:mod:`~geo_clsm.data.importers.resource_csv`) and the writer
(:mod:`~geo_clsm.data.importers.resource_write`), so that each reads the same words.
"""

from __future__ import annotations

from geo_clsm.model.position import PositionPrecision

COLUMNS = [
    "id",
    "type",
    "services",
    "name",
    "street",
    "postcode",
    "commune",
    "insee_com",
    "phone",
    "email",
    "website",
    "audience",
    "age_min",
    "age_max",
    "opening_hours",
    "languages",
    "wheelchair",
    "appointment_required",
    "free_of_charge",
    "capacity",
    "lon",
    "lat",
    "position_precision",
    "position_source",
    "confidential_address",
    "service_area_wkt",
    "service_area_communes",
    "service_area_qpv",
    "finess_et",
    "territory",
    "source",
    "last_verified",
    "source_date",
    "notes",
    "public_info",
    "display_name",
    "display_street",
    "verified_by_person",
    "to_verify",
    "verified_by",
    "wait_days",
    "wait_stated_on",
    "accepts_new",
    "notice_text",
    "notice_start",
    "notice_end",
    "notice_closed",
]
"""The columns of the project's CSV schema, in the order the writer gives them.

A team's intervention zone is ``service_area_wkt`` (a drawn polygon, WGS84 WKT),
``service_area_communes`` (INSEE codes) and ``service_area_qpv`` (QPV codes), lists separated by
``;``: together one :class:`~geo_clsm.model.sector.Extent`."""

RETIRED_COLUMNS = {
    "sector": (
        "colonne retirée : les secteurs de psychiatrie sont des données à part (geo-clsm sectors import) ; "
        "vider la colonne ou porter la valeur dans notes"
    ),
}
"""Columns older files may hold: empty, they are ignored; filled, the row is refused with this reason."""

DATED_COLUMNS = (
    "verified_by",
    "wait_days",
    "wait_stated_on",
    "accepts_new",
    "notice_text",
    "notice_start",
    "notice_end",
)
"""Columns of the directory's dated facts (issue 30): a row giving one is validated row by row."""

REQUIRED = ("id", "type", "name", "source", "last_verified")
"""Columns a file's header must have (and a row a value in)."""

BOOL_COLUMNS = (
    "confidential_address",
    "wheelchair",
    "appointment_required",
    "free_of_charge",
    "verified_by_person",
    "to_verify",
    "notice_closed",
)
"""Columns holding yes/no (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`, or empty: unknown)."""

TEXT_COLUMNS = (
    "id",
    "type",
    "name",
    "street",
    "postcode",
    "commune",
    "insee_com",
    "phone",
    "email",
    "website",
    "opening_hours",
    "finess_et",
    "source",
    "last_verified",
    "source_date",
    "notes",
    "public_info",
    "display_name",
    "display_street",
)
"""Columns the model takes as the (stripped) text of the cell."""

TRUE_WORDS = frozenset({"1", "true", "oui", "yes", "vrai", "o", "y"})
"""A yes, lower-cased."""

FALSE_WORDS = frozenset({"0", "false", "non", "no", "faux", "n"})
"""A no, lower-cased."""

BOOL_WORDS: dict[str, bool] = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
"""Each yes/no word (lower-cased) and the value it stands for."""

PRECISIONS = {p.value: p for p in PositionPrecision if p is not PositionPrecision.NONE}
"""The ``position_precision`` a row with coordinates may give, by its word."""
