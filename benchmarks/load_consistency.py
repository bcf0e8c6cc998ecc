"""The load benchmark's consistency check (see ``load_mixed.py``): every answer names its data
version (``X-Data-Version``); all the answers to one request under one version must be identical."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

RENAMED_SUFFIX = " (version de test)"
VOLATILE = {"open_now", "open_status"}  # depend on the clock, not on the data


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _digest(r: httpx.Response) -> str | None:
    """A digest of the answer's data (None for HTML pages: they carry a fresh CSP nonce)."""
    ctype = r.headers.get("content-type", "")
    if ctype.startswith("text/csv"):
        return hashlib.blake2b(r.content, digest_size=12).hexdigest()
    if "json" in ctype:
        return hashlib.blake2b(json.dumps(_strip(r.json()), sort_keys=True).encode(), digest_size=12).hexdigest()
    return None


@dataclass
class Observed:
    samples: list[tuple[float, float, bool]] = field(default_factory=list)
    digests: dict[tuple[str, str], str] = field(default_factory=dict)
    inconsistent: list[str] = field(default_factory=list)
    versions: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    qpv_names: dict[str, set[str]] = field(default_factory=dict)  # data version -> renamed QPV names seen
    phones: dict[str, set[str]] = field(default_factory=dict)  # data version -> phones of the edited CMP
    failures: list[tuple[float, float, str, str]] = field(default_factory=list)  # monotonic start, s, path, error
    edited_id: str = ""
    renamed_qp: str = ""

    def renamed_served(self) -> bool:
        return any(n.endswith(RENAMED_SUFFIX) for names in self.qpv_names.values() for n in names)

    def check(self, path: str, r: httpx.Response) -> None:
        version = r.headers.get("x-data-version")
        if version is None:
            return
        self.versions[version] += 1
        digest = _digest(r)
        if digest is None:
            return
        known = self.digests.setdefault((version, path), digest)
        if known != digest:
            self.inconsistent.append(f"{path} (version {version})")
        if path == "/api/qpv?territory=metz" and self.renamed_qp:
            names = {f["properties"].get("lib_qp") for f in r.json()["features"] if f["id"] == self.renamed_qp}
            self.qpv_names.setdefault(version, set()).update(str(n) for n in names)
        if path == "/api/resources?territory=metz" and self.edited_id:
            phones = {f["properties"].get("phone") for f in r.json()["features"] if f["id"] == self.edited_id}
            self.phones.setdefault(version, set()).update(str(p) for p in phones)
