"""One settings class; every setting can be given as an environment variable GEO_CLSM_<NAME>."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from geo_clsm.layers import DEFAULT_DATA_DIR


class Settings(BaseSettings):
    """Service settings (env prefix ``GEO_CLSM_``)."""

    model_config = SettingsConfigDict(env_prefix="GEO_CLSM_")

    data_dir: Path = DEFAULT_DATA_DIR
    """Folder holding ``manifest.toml`` and the layers."""
    territories: list[str] | None = None
    """Territory ids to load (default: every territory of the manifest)."""
    default_page_size: int = 500
    max_page_size: int = 5000
    geocoder: Literal["offline", "ban"] = "offline"
    """"offline" answers from the shipped layers; "ban" sends typed addresses to a BAN service."""
    ban_url: str = "https://api-adresse.data.gouv.fr"
    ban_timeout_s: float = 5.0
    tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Background tiles URL template; "none" draws no tiles (communes and QPV outlines remain)."""
    tiles_attribution: str = "© les contributeurs d'OpenStreetMap"
    near_limit_m: float = 50_000.0
    """Beyond this distance nothing is offered as "near": the answer says "Pas de … connu près d'ici"
    and lists the national lines instead (``GEO_CLSM_NEAR_LIMIT_M``)."""
