"""Static files with their content hash in the URL, cached for a year, sent precompressed.

Each mount of ``static/`` (``/static/app``, ``/static/vendor``, ``/static/admin``) is an
:class:`AssetMount` serving :class:`AssetFiles`. When the app starts, every file of the folder is
read once and hashed (:class:`AssetTable`); from then on ``path_for("app-static", path="map.js")``
(the pages' one way to name a static file, ``app.url_path_for``) gives ``/static/app/map.<hash>.js``,
so every template, page and the manifest get fingerprinted URLs without knowing it.

- ``map.<hash>.js`` with the current hash: the file, ``Cache-Control: public, max-age=31536000,
  immutable``, gzip or brotli when the request accepts it (compressed once per file, in a worker
  thread, then kept: never on the event loop).
- ``map.<hash>.js`` with an old or unknown hash (a page cached before a deployment): the current
  file, ``Cache-Control: no-cache`` (the page works; nothing stale is kept for a year).
- ``map.js`` (no hash: the service worker's shell list, links from elsewhere): Starlette's
  ``StaticFiles`` as before (ETag, ``Last-Modified``, ``304``).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import brotli
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_LEN = 10
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".webmanifest", ".html", ".txt", ".md")
_FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LEN}}})(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Asset:
    """One static file: its bytes, hash and media type, and its compressed bodies once made."""

    body: bytes
    digest: str
    media_type: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def compressed(self, encoding: str) -> bytes:
        """The body in ``encoding`` ("br" or "gzip"), made on first use (CPU: call it in a thread)."""
        hit = self.encoded.get(encoding)
        if hit is None:
            if encoding == "br":
                hit = brotli.compress(self.body, quality=11)
            else:
                hit = gzip.compress(self.body, compresslevel=9, mtime=0)
            self.encoded[encoding] = hit
        return hit


class AssetTable:
    """The files of one static folder, read and hashed once (when the app is built)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.assets: dict[str, Asset] = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            body = path.read_bytes()
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith(("javascript", "json", "+xml")):
                media_type += "; charset=utf-8"
            self.assets[path.relative_to(directory).as_posix()] = Asset(
                body, hashlib.sha256(body).hexdigest()[:HASH_LEN], media_type
            )

    def url_name(self, path: str) -> str:
        """``path`` with its content hash before the extension (``map.js`` → ``map.<hash>.js``);
        unchanged for a file the folder does not have."""
        asset = self.assets.get(path)
        if asset is None:
            return path
        head, dot, ext = path.rpartition(".")
        return f"{head}.{asset.digest}.{ext}" if dot and "/" not in ext else f"{path}.{asset.digest}"

    def resolve(self, path: str) -> tuple[Asset, bool] | None:
        """For a fingerprinted name, the file it names and whether the hash is the current one;
        None for a name without a hash (or a file the folder does not have)."""
        if path in self.assets:
            return None
        m = _FINGERPRINTED.match(path)
        if m is None:
            return None
        asset = self.assets.get(m["stem"] + m["ext"])
        if asset is None:
            return None
        return asset, m["hash"] == asset.digest


def accepted_encoding(headers: Headers) -> str | None:
    """ "br" or "gzip" when the request accepts it (brotli first; ``q=0`` refuses), else None."""
    accepted: set[str] = set()
    for part in headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        q = params.strip().removeprefix("q=")
        if not (q and q.strip("0.") == ""):  # "q=0", "q=0.0", "q=0.000": refused
            accepted.add(name.strip())
    return next((e for e in ("br", "gzip") if e in accepted), None)


class AssetFiles(StaticFiles):
    """Starlette's ``StaticFiles`` that also answers fingerprinted names (see the module's docstring)."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.table = AssetTable(directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        found = self.table.resolve(path)
        if found is None or scope["method"] not in ("GET", "HEAD"):
            return await super().get_response(path, scope)
        asset, current = found
        headers = {"Cache-Control": IMMUTABLE if current else "no-cache", "Vary": "Accept-Encoding"}
        body = asset.body
        encoding = accepted_encoding(Headers(scope=scope))
        if encoding is not None and path.endswith(COMPRESSIBLE):
            body = await anyio.to_thread.run_sync(asset.compressed, encoding)
            headers["Content-Encoding"] = encoding
        return Response(body, media_type=asset.media_type, headers=headers)


class AssetMount(Mount):
    """A mount of :class:`AssetFiles` whose ``url_path_for(name, path=…)`` gives the fingerprinted URL."""

    def __init__(self, path: str, *, directory: Path, name: str) -> None:
        self.files = AssetFiles(directory=directory)
        super().__init__(path, app=self.files, name=name)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        if name == self.name and isinstance(path_params.get("path"), str):
            path_params["path"] = self.files.table.url_name(path_params["path"])
        return super().url_path_for(name, **path_params)
