"""``geo-clsm`` command line, thin: parse, call the core, print.

Each sub-command lives in its own module with a ``register(sub)`` function that adds its parser
and sets ``run`` (the function called with the parsed arguments). ``serve`` imports the web app
inside the function, so the core library never imports FastAPI at module level.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from geo_clsm.cli import (
    campaign,
    documents,
    gaps,
    imports,
    nearest,
    observatory,
    report,
    sectors,
    serve,
    suggest,
    territory,
)
from geo_clsm.model.errors import GeoClsmError

REGISTRARS: tuple[Callable[[Any], None], ...] = (
    serve.register,
    nearest.register,
    imports.register,
    territory.register,
    gaps.register,
    suggest.register,
    documents.register,
    report.register,
    observatory.register,
    sectors.register,
    campaign.register,
)


def _store_commands(sub: Any) -> None:
    from geo_clsm.store.commands import add_parsers, run_db, run_user

    add_parsers(sub)
    sub.choices["db"].set_defaults(run=run_db)
    sub.choices["user"].set_defaults(run=run_user)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="geo-clsm", description="Ressources en santé mentale, QPV et accès.")
    sub = p.add_subparsers(dest="command", required=True)
    for register in REGISTRARS:
        register(sub)
    _store_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except GeoClsmError as exc:
        print(f"erreur : {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
