"""``geo-clsm serve``: load and check the layers, prepare the database, then start uvicorn.

A start-up failure is one French line on stderr (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import copy
import gc
import logging
import multiprocessing
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_clsm.data.importers.report import ImportReport
from geo_clsm.model.errors import GeoClsmError, LayerError

if TYPE_CHECKING:
    from geo_clsm.engine.core import Engine


def register(sub: Any) -> None:
    s = sub.add_parser("serve", help="démarrer le service web (carte et API)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    s.add_argument("--workers", type=int, default=1, help="processus servant les requêtes (défaut 1)")
    s.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    """Load the data first: a start-up failure is one French line on stderr (exit 2), no traceback."""
    # No cyclic garbage collection while modules, layers and indexes are loaded (about a sixth of
    # the start-up went into collections finding next to nothing to free). `prepare` collects once
    # when it parsed layers or computed indicators (a cold start leaves some 30 MB of garbage); the
    # app's lifespan freezes what start-up built and turns the collector back on. On every other
    # way out (a start-up failure, the server stopped), it is back on too.
    gc.disable()
    # Arrow's default allocator (mimalloc) reserves some megabytes of its own on first use and
    # keeps them; the service's Arrow work (string columns, a CSV import) is small: the C
    # library's allocator is enough. Read when pyarrow first allocates; workers inherit it.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        return _start(args)
    finally:
        gc.enable()


def _start(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from geo_clsm.settings import Settings

    if args.workers < 1:
        print("erreur : --workers doit valoir 1 ou plus", file=sys.stderr)
        return 2
    if args.data is not None:
        os.environ["GEO_CLSM_DATA_DIR"] = str(args.data.resolve())  # read by every worker's Settings()
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"erreur au démarrage : {settings_error_line(exc)}", file=sys.stderr)
        return 2
    quiet_startup_logging()
    if args.workers == 1:
        try:
            app = _prepared_app(settings)  # layers read and database opened before the port is opened
        except (GeoClsmError, OSError) as exc:
            print(f"erreur au démarrage : {startup_error_line(exc, data_dir=settings.data_dir)}", file=sys.stderr)
            return 2
        uvicorn.run(app, host=args.host, port=args.port, **uvicorn_options(settings))
        return 0
    # Several workers, each building its own app (settings from the environment). Check the layers,
    # prepare the database and fill the start-up cache once, in a child process (this supervising
    # process stays small), so that every worker reads the same parsed layers and indicators.
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_prepare_or_exit, args=(settings,))
    child.start()
    child.join()
    if child.exitcode != 0:
        return 2
    uvicorn.run(
        "geo_clsm.web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        **uvicorn_options(settings),
    )
    return 0


def _prepared_app(settings: Any) -> Any:
    """The app serving the engine :func:`prepare` built (the layers are read once). The engine is
    not kept in a frame that lives as long as the server: the first change must be able to free it."""
    from geo_clsm.web.app import create_app

    return create_app(settings, engine=prepare(settings))


def _prepare_or_exit(settings: Any) -> None:
    """:func:`prepare` in a child process: a failure is the same French line, and exit code 2."""
    try:
        prepare(settings)
    except (GeoClsmError, OSError) as exc:
        print(f"erreur au démarrage : {startup_error_line(exc, data_dir=settings.data_dir)}", file=sys.stderr)
        sys.exit(2)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_UVICORN_CHATTER = (
    "Started server process",
    "Waiting for application startup",
    "Application startup complete",
    "Waiting for application shutdown",
    "Application shutdown complete",
)


class QuietStartup(logging.Filter):
    """Drops uvicorn's start-up chatter: « Uvicorn running on … » says the server is up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_UVICORN_CHATTER)


def quiet_startup_logging() -> None:
    """One line per meaningful event at start-up: Alembic's plugin and per-migration lines are
    silenced (the store says in one line that it created the database)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`QuietStartup` on its ``uvicorn.error`` logger."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["quiet_startup"] = {"()": f"{__name__}.QuietStartup"}
    config["handlers"]["default"].setdefault("filters", []).append("quiet_startup")
    return config


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """uvicorn's keyword arguments from the settings.

    ``X-Forwarded-For`` is honoured only from ``GEO_CLSM_TRUSTED_PROXIES`` (uvicorn's
    ProxyHeadersMiddleware, the only place that reads it): with the default empty list the
    middleware is off, whereas uvicorn alone would trust any local process (127.0.0.1)."""
    proxies = list(settings.trusted_proxies)
    return {
        "log_config": uvicorn_log_config(),
        "access_log": False,  # the access log would write the query string (a resident's position)
        "server_header": False,  # "server: uvicorn" on every answer: bytes that say nothing to a client (issue 33)
        "timeout_keep_alive": settings.keep_alive_s,  # the client closes idle connections first (docs/reliability.md)
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies),
    }


def check_layers_readable(reports: dict[str, ImportReport[Any]]) -> None:
    """Raise if a layer file could not be read at all (a rejection of row 0, the whole file).

    A layer with some bad rows loads, and its report lists them; an unreadable file stops the service.
    """
    problems = [
        f"couche {key} ({rep.source}) : {rej.reason}"
        for key, rep in reports.items()
        for rej in rep.rejected
        if rej.row == 0
    ]
    if problems:
        raise LayerError("couches illisibles", sorted(set(problems)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def startup_error_line(exc: Exception, *, data_dir: Path) -> str:
    """What failed and how to fix it, on one line (the problems of a LayerError joined by « ; »)."""
    where = f"corriger puis relancer (dossier des couches : {data_dir}, option --data ou GEO_CLSM_DATA_DIR)"
    if isinstance(exc, GeoClsmError):
        first, *_ = exc.message.split("\n", 1)
        problems = getattr(exc, "problems", [])
        detail = _one_line(first) + (" : " + " ; ".join(_one_line(p) for p in problems[:5]) if problems else "")
        if len(problems) > 5:
            detail += f" ; et {len(problems) - 5} autre(s)"
        return f"{detail} — {where}"
    filename = getattr(exc, "filename", None)
    reason = _one_line(getattr(exc, "strerror", None) or str(exc))
    return f"fichier illisible {filename or ''} ({reason}) — {where}"


def settings_error_line(exc: Any) -> str:
    """A pydantic-settings ValidationError as one line naming the environment variables to fix."""
    parts = []
    for err in exc.errors():
        name = "GEO_CLSM_" + "_".join(str(p) for p in err.get("loc", ())[:1]).upper()
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"réglage {name} invalide : {_one_line(msg)}")
    return " ; ".join(parts) + " — corriger la variable d'environnement puis relancer"


def prepare(settings: Any) -> Engine:
    """Everything before the port opens: the layers (parsed once per data version, see
    :mod:`geo_clsm.data.cache`), a check that each is readable, the database (created and seeded
    when new, seeded again only when the layers changed; a schema that is behind is refused),
    PostGIS's layer tables with ``query_backend=postgis``, and the engine with its access
    indicators (cached by data version too)."""
    from geo_clsm.data import cache
    from geo_clsm.data.cache import catalog_version
    from geo_clsm.engine.build import build_engine, load_served_catalog
    from geo_clsm.store.startup import open_store

    builds = cache.builds
    catalog = load_served_catalog(settings)
    check_layers_readable(catalog.reports)  # some bad rows load with their report; an unreadable file stops
    db = open_store(
        settings.database_url,
        shipped=lambda: catalog.resources,
        territories=list(catalog.territories),
        shipped_version=catalog_version(catalog),
    )
    try:
        if settings.query_backend == "postgis":
            from geo_clsm.engine.backend import backend_factory
            from geo_clsm.store.layer_tables import sync_layers

            backend_factory("postgis", db=db)  # a French error when the database is not PostgreSQL
            sync_layers(db, catalog)  # the layer tables once, before the workers start
    finally:
        db.dispose()
    engine = build_engine(settings, catalog=catalog)
    if cache.builds != builds:  # layers parsed or indicators computed: their garbage goes before the freeze
        gc.collect()
    return engine
