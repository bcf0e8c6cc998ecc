"""Tables planners open in a spreadsheet: French column labels with units, XLSX, and the CSV
of French spreadsheets beside the standard one.

Every table download (``/api/gaps``, ``/api/resources``, the observatory's series, the
report's figures) goes through :func:`write_table`:

- ``csv``: the standard CSV (comma, dot decimals, the code names of the columns), unchanged;
- ``csv-fr``: the French spreadsheet dialect: ``;`` separator, decimal comma, UTF-8 with a
  byte-order mark (so that a French spreadsheet opens it in columns, accents intact), CRLF,
  French column labels with their unit ("Distance moyenne (m)"), shares in percent,
  yes/no in words;
- ``xlsx``: the same French table in a workbook (openpyxl): a "Données" sheet (header row
  frozen, filters on) and an "À lire" sheet (title, notes, sources, and each column's code,
  label and unit).

Only what the caller passes is written: callers pass the public view of a resource
(:meth:`geo_clsm.model.resource.Resource.public_properties`), never a confidential address or a note.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo_clsm.access.present import rule
from geo_clsm.exports.sheet_safety import neutralise_frame, xlsx_cell, xlsx_value
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource

TableFormat = Literal["csv", "csv-fr", "xlsx"]
TABLE_FORMATS: tuple[str, ...] = ("csv", "csv-fr", "xlsx")
PARIS = ZoneInfo("Europe/Paris")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"

# French label of each column; the unit (appended in parentheses) comes from UNITS or the rounding rule.
LABELS: dict[str, str] = {
    # access indicators (/api/gaps, observatory)
    "code_qp": "Code QPV",
    "lib_qp": "QPV",
    "territory": "Territoire",
    "resource_type": "Type de ressource (code)",
    "type_label": "Type de ressource",
    "zone": "Zone",
    "mean_m": "Distance moyenne à la ressource la plus proche",
    "p50_m": "Distance médiane",
    "p90_m": "Distance au 90e centile",
    "max_m": "Distance maximale",
    "walk_minutes_mean": "Temps de marche moyen estimé",
    "sfca": "Score 2SFCA (ressources par habitant)",
    "sfca_per_10k": "Offre pour 10 000 habitants (2SFCA)",
    "catchment_m": "Rayon de recours 2SFCA",
    "n_sample_points": "Points d'échantillon",
    "n_resources": "Ressources dans le rayon de recours",
    "n_resources_relied": "Ressources prises en compte",
    "n_unknown_audience": "Dont au public non précisé",
    "commune_precision_share": "Part des positions connues à la commune seulement",
    "note": "Note de fiabilité",
    "fragile": "Valeur fragile (moins de 3 ressources à portée)",
    "equity_ratio_mean": "Ratio distance QPV / reste du territoire",
    "zone_blanche": "Zone blanche (aucune ressource du type à moins de 1 km)",
    "gap_rank": "Rang de l'écart (1 = le plus éloigné)",
    # indicators by psychiatric sector (CMP-like types)
    "sector_public": "Secteur (public)",
    "sector_ids": "Secteur(s) de psychiatrie",
    "sectorisation": "Sectorisation",
    "sector_covered_share": "Part de la population au secteur connu",
    "sector_referent_mean_m": "Distance moyenne au référent du secteur",
    "sector_referent_p90_m": "Distance au référent du secteur, 90e centile",
    "sector_nearest_mean_m": "Distance moyenne au plus proche (population au secteur connu)",
    "sector_nearest_p90_m": "Distance au plus proche, 90e centile (population au secteur connu)",
    "sector_nearest_other_share": "Part dont le plus proche n'est pas le référent du secteur",
    "population": "Population",
    "insee_com": "Code commune (INSEE)",
    "nom": "Nom",
    # France-wide indicators (/api/gaps?scope=communes|departements)
    "dep": "Département (code)",
    "population_measured": "Population des communes mesurées",
    "n_communes": "Communes mesurées",
    "population_covered": "Population des communes où le type est recensé",
    "coverage_share": "Part de la population où le type est recensé",
    "covered": "Type recensé partout dans la zone",
    "coverage": "Couverture des données",
    "n_resources_zone": "Ressources du type dans la zone de calcul",
    "zone_crs": "Projection de calcul (code EPSG)",
    "n_cells": "Carreaux de population",
    # resources (/api/resources)
    "id": "Identifiant",
    "type": "Type (code)",
    "name": "Nom",
    "street": "Adresse",
    "postcode": "Code postal",
    "commune": "Commune",
    "phone": "Téléphone",
    "email": "Courriel",
    "website": "Site internet",
    "opening_hours": "Horaires (format OpenStreetMap)",
    "position_precision": "Précision de la position",
    "source": "Source",
    "last_verified": "Date de vérification",
    "verified_by": "Confirmée par (lieu, équipe du CLSM)",
    "wait_days": "Délai d'attente indiqué",
    "wait_stated_on": "Délai indiqué le",
    "accepts_new": "Accepte de nouvelles demandes",
    "notice": "Avis en cours",
    "lon": "Longitude",
    "lat": "Latitude",
    # observatory
    "taken_at": "Date de l'instantané",
    "snapshot_id": "Instantané (numéro)",
    "data_version": "Version des données",
    "indicator": "Indicateur (code)",
    "indicator_label": "Indicateur",
    "before": "Avant",
    "after": "Après",
    "diff": "Évolution",
    "change": "Changement",
    "moved_m": "Déplacement",
    # report figures
    "scope": "Échelle",
    "code": "Code",
    "count": "Nombre",
    "per_10k": "Pour 10 000 habitants",
    "layer": "Couche (source)",
}
UNITS: dict[str, str] = {
    "lon": "degrés WGS84",
    "lat": "degrés WGS84",
    "population": "habitants",
    "population_measured": "habitants",
    "population_covered": "habitants",
    "sfca_per_10k": "pour 10 000 hab.",
    "per_10k": "pour 10 000 hab.",
    "count": "nombre",
    "last_verified": "date",
    "wait_days": "jours",
    "wait_stated_on": "date",
    "taken_at": "date et heure, Paris",
}
RULE_UNITS = {"metres": "m", "share": "%", "minutes": "min", "count": "nombre"}
_WITHIN = re.compile(r"^within_(\d+)m_share$")
_COUNT_WITHIN = re.compile(r"^count_within_(\d+)m$")


def _distance_fr(metres: str) -> str:
    m = int(metres)
    return f"{m // 1000} km" if m % 1000 == 0 else f"{m} m"


_WHEN = {"_before": "avant", "_after": "après", "_diff": "écart"}


def base_label(col: str) -> str:
    """The French label of a column, without its unit (the code itself when unknown); a what-if's
    ``mean_m_before`` / ``_after`` / ``_diff`` is its indicator's label with « avant », « après », « écart »."""
    if col in LABELS:
        return LABELS[col]
    for suffix, word in _WHEN.items():
        if col.endswith(suffix) and (stem := col.removesuffix(suffix)) and base_label(stem) != stem:
            return f"{base_label(stem)} — {word}"
    if m := _WITHIN.match(col):
        return f"Part du quartier à moins de {_distance_fr(m.group(1))}"
    if m := _COUNT_WITHIN.match(col):
        return f"Ressources à moins de {_distance_fr(m.group(1))}"
    return col


def unit(col: str) -> str | None:
    """The unit of a column as shown in French exports (shares are in percent there)."""
    if col in UNITS:
        return UNITS[col]
    for suffix in _WHEN:
        if col.endswith(suffix) and col.removesuffix(suffix) in UNITS:
            return UNITS[col.removesuffix(suffix)]
    kind = rule(col)
    return RULE_UNITS.get(kind) if kind else None


def label(col: str) -> str:
    """ "Distance moyenne à la ressource la plus proche (m)": the French header of a column."""
    u = unit(col)
    return f"{base_label(col)} ({u})" if u else base_label(col)


def _cell_fr(v: Any) -> Any:
    if v is None or (not isinstance(v, str | bytes) and np.ndim(v) == 0 and pd.isna(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return "oui" if v else "non"
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, datetime) and v.tzinfo is not None:
        return v.astimezone(PARIS).replace(tzinfo=None, microsecond=0)
    if isinstance(v, np.generic):
        return v.item()
    return v


def french_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The table as French exports show it: shares in percent, yes/no in words, local dates,
    columns renamed to their French labels with units."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if rule(str(col)) == "share":
            s = (pd.to_numeric(s, errors="coerce") * 100).round(0).astype("Int64")
        elif s.dtype == bool or s.dtype == object or str(s.dtype).startswith("datetime"):
            s = s.map(_cell_fr).astype(object)
        elif _whole(s):  # 340.0 m, 12.0 places: written « 340 », never « 340,0 »
            s = s.round(0).astype("Int64")
        out[label(str(col))] = s
    return out


def _whole(s: pd.Series) -> bool:
    """A float column whose every value is a whole number (missing values aside)."""
    if not pd.api.types.is_float_dtype(s.dtype):
        return False
    values = s.dropna().to_numpy(dtype=float)
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def csv_standard(df: pd.DataFrame) -> bytes:
    """The standard CSV (comma, dot decimals, code names of the columns), UTF-8 without BOM."""
    buf = io.StringIO()
    neutralise_frame(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def csv_french(df: pd.DataFrame) -> bytes:
    """The French spreadsheet dialect: ``;``, decimal comma, UTF-8 with BOM, CRLF, French labels."""
    buf = io.StringIO()
    fr = neutralise_frame(french_frame(df))  # texts first: the numbers written below stay numbers
    for col in fr.columns:  # decimal comma, and a whole number without « ,0 » even among decimals (0, not 0,0)
        if pd.api.types.is_float_dtype(fr[col].dtype):
            fr[col] = fr[col].map(_number_fr).astype(object)
    fr.to_csv(buf, index=False, sep=";", decimal=",", lineterminator="\r\n")
    return (BOM + buf.getvalue()).encode("utf-8")


def _number_fr(v: float) -> str | None:
    """A float as a French spreadsheet reads it: « 0,906 », « 12 » (never « 12,0 »), empty when missing."""
    if pd.isna(v):
        return None
    if float(v).is_integer():
        return str(int(v))
    return np.format_float_positional(float(v), trim="-").replace(".", ",")


def xlsx(df: pd.DataFrame, *, title: str, notes: Sequence[str] = ()) -> bytes:
    """A workbook: "Données" (French labels with units, frozen header, filters) and "À lire".

    Written in openpyxl's write-only mode (rows streamed): thousands of rows in well under a second.
    Every text goes through :func:`geo_clsm.exports.sheet_safety.xlsx_value`: no cell is written as a formula.
    """
    from openpyxl import Workbook  # here: only downloads need it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Données")
    fr = french_frame(df)
    bold = Font(bold=True)
    for i, col in enumerate(fr.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(45, max(10, len(str(col)) * 0.9))
    ws.freeze_panes = "A2"
    if len(fr.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(fr.columns))}{max(1, len(fr) + 1)}"

    def header(values: Sequence[str]) -> list[WriteOnlyCell]:
        cells = []
        for v in values:
            c = xlsx_cell(ws, v)
            c.font = bold
            cells.append(c)
        return cells

    ws.append(header([str(c) for c in fr.columns]))
    for row in fr.itertuples(index=False):
        ws.append([xlsx_value(ws, _cell_fr(v)) for v in row])
    about = wb.create_sheet("À lire")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 60
    title_cell = xlsx_cell(about, title)
    title_cell.font = Font(bold=True, size=13)
    about.append([title_cell])
    for note in notes:
        about.append([xlsx_value(about, note)])
    about.append([])
    about.append(header(["Colonne (code)", "Libellé", "Unité"]))
    for col in df.columns:
        about.append([xlsx_value(about, v) for v in (str(col), base_label(str(col)), unit(str(col)) or "")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class TableFile:
    """A table written in one of :data:`TABLE_FORMATS`, ready to download."""

    content: bytes
    media_type: str
    filename: str


def write_table(df: pd.DataFrame, *, fmt: str, name: str, title: str, notes: Sequence[str] = ()) -> TableFile:
    """``df`` as ``csv``, ``csv-fr`` or ``xlsx``; ``name`` is the file name without extension."""
    if fmt == "csv":
        return TableFile(csv_standard(df), "text/csv; charset=utf-8", f"{name}.csv")
    if fmt == "csv-fr":
        return TableFile(csv_french(df), "text/csv; charset=utf-8", f"{name}_fr.csv")
    if fmt == "xlsx":
        return TableFile(xlsx(df, title=title, notes=notes), XLSX_MEDIA_TYPE, f"{name}.xlsx")
    raise InvalidInputError(f"format « {fmt} » inconnu : choisir parmi {', '.join(TABLE_FORMATS)}")


RESOURCE_COLUMNS = (
    "id",
    "type",
    "type_label",
    "name",
    "street",
    "postcode",
    "commune",
    "insee_com",
    "phone",
    "email",
    "website",
    "opening_hours",
    "position_precision",
    "source",
    "last_verified",
    "verified_by",
    "wait_days",
    "wait_stated_on",
    "accepts_new",
)


def resources_frame(resources: Iterable[Resource], *, qpv_of: Mapping[str, tuple[str, str] | None]) -> pd.DataFrame:
    """One row per resource, from its public view only (:meth:`Resource.public_properties`,
    :meth:`Resource.public_position`): a confidential resource has no street and its commune's
    position. ``qpv_of``: resource id -> (code_qp, lib_qp) of the QPV it lies in."""
    rows = []
    for r in resources:
        p = r.public_properties()
        pos = r.public_position()
        q = qpv_of.get(r.id)
        rows.append(
            {
                **{k: p[k] for k in RESOURCE_COLUMNS},
                # A date only when the place or the CLSM confirmed the record; the source's date is in « source ».
                "last_verified": p["confirmed_on"],
                # The notice running on the day of the export, with its dates (none before or after it).
                "notice": f"{p['notice']['text']} ({p['notice']['start']} – {p['notice']['end']})"
                if p["notice"]
                else None,
                "code_qp": q[0] if q else None,
                "lon": round(pos.lon, 6) if pos else None,
                "lat": round(pos.lat, 6) if pos else None,
            }
        )
    df = pd.DataFrame(rows, columns=[*RESOURCE_COLUMNS, "notice", "code_qp", "lon", "lat"])
    df["wait_days"] = df["wait_days"].astype("Int64")  # whole days (« 40 », never « 40.0 »), empty when none stated
    return df
