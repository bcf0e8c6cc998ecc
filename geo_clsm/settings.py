"""One settings class; every setting can be given as an environment variable GEO_CLSM_<NAME>."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from geo_clsm.access.national_io import DEFAULT_NATIONAL_DIR
from geo_clsm.data.cache import DEFAULT_CACHE_DIR
from geo_clsm.data.manifest import DEFAULT_DATA_DIR
from geo_clsm.data.territories import DEFAULT_LOCAL_FILE
from geo_clsm.data.versions import DEFAULT_VERSIONS_DIR
from geo_clsm.store.db import DEFAULT_DATABASE_URL

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.*-]+(:[0-9]+)?|'self'")


class Settings(BaseSettings):
    """Service settings (env prefix ``GEO_CLSM_``)."""

    model_config = SettingsConfigDict(env_prefix="GEO_CLSM_")

    data_dir: Path = DEFAULT_DATA_DIR
    """Folder holding ``manifest.toml`` and the layers."""
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    """Parsed layers and indicators, by data version (git-ignored folder; "none" for no cache)."""
    territories: list[str] | None = None
    """Territory ids to load (default: every territory of the manifest and of the local file)."""
    local_territories_file: Path = DEFAULT_LOCAL_FILE
    """Territories added with ``geo-clsm territory add`` (relative to the working directory)."""
    versions_dir: Path = DEFAULT_VERSIONS_DIR
    """Versions of the official sources published by ``geo-clsm data update``."""
    national_gaps_dir: Path = DEFAULT_NATIONAL_DIR
    """Output of ``geo-clsm gaps --all`` served by ``/api/gaps?scope=communes`` and /planning/france."""
    source_finess_url: str = "https://www.data.gouv.fr/api/1/datasets/finess-extraction-du-fichier-des-etablissements/"
    """FINESS etalab export (a data.gouv.fr dataset API URL: its geolocated file is picked, or a file URL)."""
    source_qpv_url: str = (
        "https://www.data.gouv.fr/api/1/datasets/quartier-prioritaire-de-la-politique-de-la-ville-qpv-2024/"
    )
    """ANCT national QPV 2024 file (dataset API URL: its GeoJSON is picked, or a file URL)."""
    source_communes_url: str | None = None
    """A commune layer in the shipped layer's schema (e.g. rebuilt by scripts/build_national_layers.py)."""
    download_timeout_s: float = 120.0
    download_max_mb: int = 500
    source_max_age_days: int = 45
    """/healthz warns when a source in service is older than this."""
    confirm_after_months: int = Field(default=12, ge=1, le=120)
    """A record nobody confirmed for longer than this (months) shows « à confirmer par téléphone » and
    comes first in the review queue (:mod:`geo_clsm.model.freshness`)."""
    confirm_after_months_by_territory: dict[str, int] = {}
    """The same threshold for some territories, as JSON: ``GEO_CLSM_CONFIRM_AFTER_MONTHS_BY_TERRITORY='{"metz": 6}'``."""
    reload_interval_s: float = 2.0
    """How often the service checks for a new data version (no restart needed)."""
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
    public_url: str | None = None
    """Public address of the service (e.g. https://sante-mentale.example.fr): the guide's QR code
    points at its map, ``<public_url>/?territory=ID``. Unset: the guide has no link nor QR code (never
    one built from the request's Host header, which a client chooses), and a warning is logged."""
    guide_contact: str | None = None
    """Who to tell about an error in the guide (e.g. an e-mail address); by default the CLSM's coordination."""
    # Database of record and editors (issue 8).
    database_url: str = DEFAULT_DATABASE_URL
    """``sqlite:///var/geo_clsm.db`` (relative to the working directory) or ``postgresql://…``."""
    cookie_secure: bool = True
    """Session cookie sent over HTTPS only (browsers accept it on http://localhost as well)."""
    query_backend: Literal["memory", "postgis"] = "memory"
    """Who answers nearest, bounding-box, locate and indicator queries: the in-memory engine, or
    PostGIS on the database of record (needs ``database_url=postgresql://…``; see docs/deploy.md)."""
    data_poll_interval_s: float = 1.0
    """How often each worker checks the data version for changes made by other workers."""
    keep_alive_s: int = Field(default=75, ge=1)
    """How long ``geo-clsm serve`` keeps an idle HTTP connection open (uvicorn's 5 s by default). Longer
    than the idle timeout of every client pool or reverse proxy in front (nginx 60 s, httpx 5 s), so
    that the client, not the server, closes an idle connection: when the server closes it just as the
    client sends a request on it (a rebuild starving the event loop makes this likely), the request
    fails with a reset connection."""

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _no_cache(cls, v: object) -> object:
        return None if isinstance(v, str) and v.strip().lower() in ("", "none") else v

    # --- security (geo_clsm/web/middleware/security.py) ---
    frame_ancestors: Annotated[list[str], NoDecode] = []
    """Origins allowed to embed the pages in a frame (a CLSM's website), comma-separated:
    ``GEO_CLSM_FRAME_ANCESTORS="https://clsm-metz.fr,https://www.grandangouleme.fr"``. Empty: none."""
    logo_max_bytes: int = 200_000
    """Largest CLSM logo accepted (PNG, JPEG or WebP) on a territory's presence screen."""
    cors_origins: Annotated[list[str], NoDecode] = []
    """Origins whose scripts may call the API from a browser (CORS), comma-separated. Empty: none."""
    max_query_bytes: int = 4096
    """Longer query strings get a 414."""
    max_body_bytes: int = 25 * 1024 * 1024
    """Larger request bodies get a 413 (above the editors' 20 MB import upload cap)."""
    rate_limits: dict[str, float] = {}
    """Per-client requests per minute by limit name, overriding the route's default, as JSON:
    ``GEO_CLSM_RATE_LIMITS='{"scenarios": 20}'``; 0 turns a limit off. Names: ``scenarios`` (10),
    ``batch`` (nearest in batch, 30), ``login`` (20, API and editor screen), ``reports`` (public error
    reports, API and form: 5 at once, then one every 12 minutes, 0.083)."""
    # --- heavy work (geo_clsm/web/heavy.py): batches, import previews, documents ---
    heavy_workers: int = Field(default=2, ge=1)
    """Threads working on heavy requests (batches, import previews, guide and report rendering)."""
    heavy_queue: int = Field(default=4, ge=0)
    """Heavy requests admitted beyond those being worked on; more at once get a 429 with ``Retry-After``."""
    background_jobs_max: int = Field(default=4, ge=1)
    """Background jobs (large site suggestions, geo_clsm/web/jobs.py) waiting or running at once; more get a 429."""
    batch_max_answers: int = Field(default=50_000, ge=1)
    """Work of one ``POST /api/nearest/batch``: points × k at most (10,000 points with k=5); more gets a 413."""
    import_preview_ttl_s: float = Field(default=3600.0, gt=0)
    """An import preview never applied is deleted after this many seconds (the editor sends the file again)."""
    # --- confirmation campaigns (issue 30; geo_clsm/campaigns/) ---
    smtp_url: str | None = None
    """The SMTP server campaign messages leave through: ``smtps://host:465`` (SSL), ``smtp://host:587``
    (STARTTLS, required) or ``smtp://localhost:25?tls=none`` (a local relay); ``?cafile=`` trusts a
    private authority. Unset: campaigns queue their messages, nothing is sent (``geo-clsm campaign send``
    sends them once it is set)."""
    smtp_user: str | None = None
    """SMTP user name (or in the URL, ``smtp://user:password@host``)."""
    smtp_password: SecretStr | None = None
    """SMTP password, from the environment only (never logged)."""
    smtp_from: str | None = None
    """The sender of campaign messages, e.g. ``CLSM de Metz <clsm@metz.fr>``; required to send."""
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    """Timeout of each exchange with the SMTP server."""
    campaign_link_days: int = Field(default=60, ge=1, le=366)
    """A campaign's personal links expire this many days after it starts."""
    campaign_reminder_days: int = Field(default=14, ge=0, le=365)
    """Places that have not answered get one reminder this many days after the start (0: none)."""
    outbox_poll_s: float = Field(default=30.0, gt=0)
    """How often the service's sender looks at the outbox (a new campaign wakes it at once)."""
    outbox_lease_s: float = Field(default=600.0, gt=0)
    """A message claimed by a sender of another machine that has not moved on for this long is taken
    back (claimed: queued again; being transmitted: ``uncertain``, never resent by itself)."""

    trusted_proxies: Annotated[list[str], NoDecode] = []
    """Reverse proxies whose ``X-Forwarded-For`` gives the client's address (rate limits, sign-in
    throttling), comma-separated IP addresses or networks: ``GEO_CLSM_TRUSTED_PROXIES="127.0.0.1"``
    for nginx on the same machine. Empty (the default): the header is ignored and the client is the
    direct peer. ``geo-clsm serve`` passes the list to uvicorn's ``forwarded_allow_ips``."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.replace(" ", ",").split(",") if v.strip()]
        for proxy in value if isinstance(value, list) else []:
            try:
                ipaddress.ip_network(str(proxy), strict=False)
            except ValueError:
                raise ValueError(
                    f"mandataire invalide « {proxy} » : une adresse IP ou un réseau, par exemple 127.0.0.1 ou 10.0.0.0/8"
                ) from None
        return value

    @field_validator("frame_ancestors", "cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            value = [v.strip() for v in text.replace(" ", ",").split(",") if v.strip()]
        for origin in value if isinstance(value, list) else []:
            if not _ORIGIN.fullmatch(str(origin)):
                raise ValueError(f"origine invalide « {origin} » : écrire par exemple https://www.clsm-metz.fr")
        return value
