"""Uploaded import files waiting for "Appliquer": kept under a random token, for a limited time.

The files wait in a temporary folder shared by the workers. A preview never applied is deleted
once older than ``GEO_CLSM_IMPORT_PREVIEW_TTL_S`` (an hour by default): every preview and every
apply sweeps the folder, and an expired preview is refused even before it is swept. The clock is
injected (tests move it forward).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SUFFIXES = (".csv", ".geojson", ".json")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / "geo_clsm_imports"


class PreviewStore:
    """Pending import files in ``folder``, each living ``ttl_s`` seconds by ``clock`` (wall clock)."""

    def __init__(self, folder: Path, *, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.ttl_s = ttl_s
        self.clock = clock

    def _dir(self) -> Path:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.folder

    def save(self, content: bytes, suffix: str) -> str:
        """Keep ``content`` (a ``.csv``/``.geojson``/``.json`` file); returns its token."""
        self.sweep()
        token = secrets.token_urlsafe(24)
        path = self._dir() / f"{token}{suffix}"
        path.write_bytes(content)
        now = self.clock()
        os.utime(path, (now, now))  # born now by the store's clock
        return token

    def _expired(self, path: Path) -> bool:
        try:
            return self.clock() - path.stat().st_mtime > self.ttl_s
        except FileNotFoundError:
            return True

    def pending(self, token: str) -> Path | None:
        """The file of ``token``, or None when unknown or expired."""
        self.sweep()
        if not _TOKEN.match(token):
            return None
        return next(
            (p for p in (self._dir() / f"{token}{s}" for s in SUFFIXES) if p.is_file() and not self._expired(p)), None
        )

    def sweep(self) -> int:
        """Delete the previews older than the lifetime; returns how many."""
        removed = 0
        for path in self._dir().iterdir():
            if path.suffix in SUFFIXES and path.is_file() and self._expired(path):
                path.unlink(missing_ok=True)
                removed += 1
        return removed
