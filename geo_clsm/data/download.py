"""Downloads of official files: a timeout, a size limit, truncation detected, data.gouv.fr datasets resolved.

A source URL is either the file itself, or a data.gouv.fr dataset API URL
(``…/api/1/datasets/<slug>/``) whose resources are searched for the one whose title matches a
pattern: the dataset page is stable while the file's own URL changes with each release.
Only ``http`` and ``https`` are followed: the source URL (a setting), the file the catalogue
answer names and every redirect (urllib alone would read ``file:`` and ``ftp:`` URLs too).
Nothing here knows HTTP frameworks; errors are :class:`DownloadError` with a French message.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo_clsm.model.errors import GeoClsmError

CHUNK = 1 << 16
Progress = Callable[[int, int | None], None]


class DownloadError(GeoClsmError):
    """A download failed, was truncated or too large: nothing was changed."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path
    url: str
    size_bytes: int
    sha256: str


def check_url(url: str, *, what: str = "adresse de la source") -> str:
    """``url`` when it is an http(s) URL with a host; DownloadError (French) otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"{what} refusée : seules les adresses http:// ou https:// sont suivies, lu « {url} »")
    return url


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another http(s) URL."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        check_url(newurl, what="redirection")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


def _open(url: str, timeout_s: float) -> Any:
    check_url(url)
    try:
        return _OPENER.open(url, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"téléchargement refusé par le serveur (HTTP {exc.code}) : {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"serveur injoignable ou trop lent ({reason}) : {url}") from None


def resolve(url: str, *, title_pattern: str | None, timeout_s: float) -> str:
    """The file URL: ``url`` itself, or the matching resource of a data.gouv.fr dataset API answer."""
    if "/api/1/datasets/" not in url or title_pattern is None:
        return url
    with _open(url, timeout_s) as resp:
        try:
            doc = json.loads(resp.read(10 << 20).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, TimeoutError, OSError):
            raise DownloadError(f"réponse illisible du catalogue de données : {url}") from None
    pattern = re.compile(title_pattern, re.IGNORECASE)
    for res in doc.get("resources", []) if isinstance(doc, dict) else []:
        if isinstance(res, dict) and pattern.search(str(res.get("title", ""))) and res.get("url"):
            return check_url(str(res["url"]), what="adresse du fichier donnée par le catalogue")
    raise DownloadError(f"aucun fichier « {title_pattern} » dans le jeu de données {url}")


def download(
    url: str,
    dest: Path,
    *,
    timeout_s: float,
    max_bytes: int,
    progress: Progress | None = None,
) -> Downloaded:
    """Stream ``url`` into ``dest``; refuse a file larger than ``max_bytes`` or shorter than announced.

    Raises
    ------
    DownloadError
        HTTP error, timeout, truncated body (fewer bytes than Content-Length), size over the limit.
        ``dest`` is removed in every case.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with _open(url, timeout_s) as resp, dest.open("wb") as out:
            announced = resp.headers.get("Content-Length")
            expected = int(announced) if announced and announced.isdigit() else None
            if expected is not None and expected > max_bytes:
                raise DownloadError(f"fichier trop gros ({expected} octets, limite {max_bytes}) : {url}")
            while True:
                try:
                    chunk = resp.read(CHUNK)
                except (TimeoutError, OSError) as exc:
                    raise DownloadError(f"téléchargement interrompu ({exc.__class__.__name__}) : {url}") from None
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadError(f"fichier trop gros (plus de {max_bytes} octets) : {url}")
                digest.update(chunk)
                out.write(chunk)
                if progress:
                    progress(size, expected)
            if expected is not None and size != expected:
                raise DownloadError(f"téléchargement tronqué ({size} octets reçus sur {expected}) : {url}")
    except DownloadError:
        dest.unlink(missing_ok=True)
        raise
    except Exception as exc:  # http.client.IncompleteRead and the like
        dest.unlink(missing_ok=True)
        raise DownloadError(f"téléchargement interrompu ({exc.__class__.__name__}) : {url}") from None
    if size == 0:
        dest.unlink(missing_ok=True)
        raise DownloadError(f"fichier vide : {url}")
    return Downloaded(dest, url, size, digest.hexdigest())
