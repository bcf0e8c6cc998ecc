"""Dated data versions of the official sources, kept on disk, and which one is in service.

Layout under the versions folder (``var/data`` by default, beside the database)::

    versions/<id>/           one published update: the downloaded file, meta.json, changes.csv, review.csv
    current.json             {"finess": "<id>", "qpv": "<id>"}: the version in service per source

A source absent from ``current.json`` is served from the shipped layers. Publishing and
rollback rewrite ``current.json`` atomically (write then rename), so a reader sees the old or
the new state, never a mix; the running service watches its modification (see ``geo_clsm/web/reload.py``).

Before a change is written, the command that makes it prepares the service's start-up cache for
the data it puts in service, reading the versions as they will be through :func:`pending` (this
process only): the running service then reads the cache instead of parsing the layers.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo_clsm.model.errors import NotFoundError

DEFAULT_VERSIONS_DIR = Path("var") / "data"
SHIPPED = "shipped"
_PENDING: contextvars.ContextVar[dict[Path, dict[str, str]] | None] = contextvars.ContextVar(
    "pending_versions", default=None
)


@contextlib.contextmanager
def pending(root: Path, current: dict[str, str]) -> Iterator[None]:
    """In this context (this thread, this process), a :class:`VersionStore` at ``root`` reads
    ``current`` as the versions in service, before it is written: to prepare what serves them."""
    token = _PENDING.set({**(_PENDING.get() or {}), root.resolve(): dict(current)})
    try:
        yield
    finally:
        _PENDING.reset(token)


@dataclass(frozen=True, slots=True)
class Version:
    """One published update of a source."""

    id: str
    source: str
    created: datetime
    url: str
    file: Path
    sha256: str
    counts: dict[str, int]

    def age_days(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.created).total_seconds() / 86_400


class VersionStore:
    """The versions folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions_dir = root / "versions"
        self.current_file = root / "current.json"

    def current(self) -> dict[str, str]:
        staged = _PENDING.get()
        if staged is not None and self.root.resolve() in staged:
            return dict(staged[self.root.resolve()])
        if not self.current_file.is_file():
            return {}
        data = json.loads(self.current_file.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def token(self) -> str:
        """Changes whenever the versions in service change (for the running service's reload)."""
        return self.current_file.read_text(encoding="utf-8") if self.current_file.is_file() else ""

    def get(self, version_id: str) -> Version:
        meta = self.versions_dir / version_id / "meta.json"
        if not meta.is_file():
            known = ", ".join(v.id for v in self.list()) or "aucune"
            raise NotFoundError(f"version « {version_id} » inconnue (versions : {known})")
        m = json.loads(meta.read_text(encoding="utf-8"))
        return Version(
            id=m["id"],
            source=m["source"],
            created=datetime.fromisoformat(m["created"]),
            url=m["url"],
            file=self.versions_dir / version_id / m["file"],
            sha256=m["sha256"],
            counts={str(k): int(v) for k, v in m.get("counts", {}).items()},
        )

    def list(self) -> list[Version]:
        if not self.versions_dir.is_dir():
            return []
        ids = sorted(p.name for p in self.versions_dir.iterdir() if (p / "meta.json").is_file())
        return [self.get(i) for i in ids]

    def in_service(self) -> dict[str, Version]:
        """The version in service per source (sources served from the shipped layers are absent)."""
        return {src: self.get(vid) for src, vid in self.current().items()}

    def create(
        self, *, source: str, created: datetime, url: str, file: Path, sha256: str, counts: dict[str, int]
    ) -> tuple[Version, Path]:
        """Move a downloaded file into a new version folder (not yet in service)."""
        vid = f"{created.strftime('%Y%m%dT%H%M%S')}-{source}"
        folder = self.versions_dir / vid
        n = 1
        while folder.exists():
            n += 1
            folder = self.versions_dir / f"{vid}-{n}"
        folder.mkdir(parents=True)
        target = folder / f"{source}{file.suffix}"
        shutil.move(str(file), target)
        meta: dict[str, Any] = {
            "id": folder.name,
            "source": source,
            "created": created.isoformat(),
            "url": url,
            "file": target.name,
            "sha256": sha256,
            "counts": counts,
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return self.get(folder.name), folder

    def published(self, version_id: str) -> dict[str, str]:
        """The versions in service once ``version_id`` is published (nothing written)."""
        v = self.get(version_id)
        return {**self.current(), v.source: v.id}

    def publish(self, version_id: str) -> None:
        """Put a version in service for its source."""
        self._write_current(self.published(version_id))

    def rolled_back(self, version_id: str, *, source: str | None = None) -> dict[str, str]:
        """The versions in service after :meth:`rollback` (nothing written)."""
        cur = self.current()
        if version_id == SHIPPED:
            for src in [source] if source else list(cur):
                cur.pop(src, None)
        else:
            cur[self.get(version_id).source] = version_id
        return cur

    def rollback(self, version_id: str, *, source: str | None = None) -> None:
        """Return a source to an earlier version, or (``shipped``) to the shipped layers."""
        self._write_current(self.rolled_back(version_id, source=source))

    def _write_current(self, cur: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.current_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cur, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.current_file)
