"""Start-up cache: layers parsed once, indicators computed once, per data version.

The *layers version* (:func:`layers_version`, a catalog's :func:`catalog_version`) is a hash of
the manifest, every layer file it names (their bytes), the territories asked for, and the source
of this package (so a change of importer or indicator code never serves a stale cache). It is the
catalog's part of the version of the data being served (:func:`geo_clsm.engine.build.data_version`). The parsed :class:`Catalog` and
the access indicators are pickled under ``cache_dir`` by that version; a restart with
unchanged data reads them back instead of parsing and computing again. A change of any
input gives a new version: only then are they rebuilt. Files are written atomically.

The cache holds only what the layers already hold (public data and the registry); it is a
local, git-ignored folder (``var/cache`` by default, setting ``GEO_CLSM_CACHE_DIR``).
Pickles are read only from that folder, which only this service writes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import struct
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from geo_clsm import __version__
from geo_clsm.access.params import AccessResult
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.compact import Blob
from geo_clsm.data.importers.resource_sharing import share_equal_parts
from geo_clsm.data.layers import load_catalog
from geo_clsm.data.manifest import DEFAULT_DATA_DIR, read_manifest, with_versions
from geo_clsm.engine.core import default_indicators
from geo_clsm.model.errors import LayerError
from geo_clsm.package_data import package_dir

log = logging.getLogger(__name__)

FORMAT = 3  # 3: AccessResult.sectors (indicators by sector)
PACKAGE_DIR = package_dir("geo_clsm")
DEFAULT_CACHE_DIR = DEFAULT_DATA_DIR.parent / "var" / "cache"

_versions: dict[int, tuple[weakref.ref[Catalog], str]] = {}  # by id(): a Catalog is not hashable
builds = 0
"""How many catalogs were parsed and indicator sets computed by this process (not read back)."""


def _hash_file(h: Any, path: Path) -> None:
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)


def code_fingerprint() -> str:
    """A hash of this package's Python source (the code that parses and computes)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}|{__version__}".encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def layers_version(
    data_dir: Path,
    territories: Iterable[str] | None = None,
    *,
    local_file: Path | None = None,
    versions_dir: Path | None = None,
) -> str | None:
    """The version of the layer files :func:`~geo_clsm.data.layers.load_catalog` would load with these arguments:
    the manifest, the local territories file, every layer file in service (shipped or a data
    update's version), the territories asked for, and the code. None when the manifest is invalid
    (then nothing is cached and the loader reports the problems)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(code_fingerprint().encode())
    h.update(repr(sorted(territories) if territories is not None else None).encode())
    try:
        layers, _ = read_manifest(data_dir, local_file=local_file)
        layers = with_versions(layers, versions_dir)
    except (LayerError, OSError, ValueError):
        return None
    for extra in (data_dir / "manifest.toml", local_file):
        if extra is not None and extra.is_file():
            h.update(str(extra).encode())
            _hash_file(h, extra)
    for layer in sorted(layers.values(), key=lambda lay: lay.id):
        path = data_dir / layer.path
        h.update(f"{layer!r}".encode())
        if path.is_file():
            _hash_file(h, path)
    return h.hexdigest()


def catalog_version(catalog: Catalog) -> str:
    """The data version of a catalog: the one it was loaded with, else a hash of its content."""
    entry = _versions.get(id(catalog))
    known = entry[1] if entry is not None and entry[0]() is catalog else None
    if known is None:
        h = hashlib.blake2b(digest_size=16)
        for r in catalog.resources:
            h.update(r.model_dump_json().encode())
        h.update(repr(catalog.qpv["code_qp"].tolist() if "code_qp" in catalog.qpv else []).encode())
        h.update(repr(sorted(catalog.territories)).encode())
        for sector in catalog.sectors:
            h.update(sector.model_dump_json().encode())
        known = h.hexdigest()
        set_catalog_version(catalog, known)
    return known


def set_catalog_version(catalog: Catalog, version: str) -> None:
    key = id(catalog)
    _versions[key] = (weakref.ref(catalog, lambda _: _versions.pop(key, None)), version)


def read(cache_dir: Path, name: str) -> Any | None:
    """A cached object, or None when absent or unreadable (then it is rebuilt)."""
    path = cache_dir / name
    if not path.is_file():
        return None
    try:
        return _load(path)
    except Exception as exc:  # a truncated or stale file: rebuild, never fail the start-up
        log.warning("cache %s unreadable (%s): rebuilding", path, type(exc).__name__)
        return None


def write(cache_dir: Path, name: str, obj: Any) -> None:
    """Store an object atomically (a reader never sees half a file); failures only warn."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as f:
            _dump(obj, f)
        os.replace(tmp, cache_dir / name)
    except OSError as exc:
        log.warning("cache %s not written: %s", cache_dir / name, exc)


# A cache file: MAGIC, the pickle's length and the number of large blobs, each blob's (offset,
# length), the pickle (protocol 5), then the blobs. A large :class:`~geo_clsm.data.compact.Blob`
# (the communes' WKB) is not in the pickle: it is read back as an open file, read when a
# polygon is needed (no memory for the tens of thousands of communes never asked for). Files
# are replaced whole, never rewritten in place.
MAGIC = b"geo_clsm cache\n\x02"
FILE_BLOB_MIN_BYTES = 1 << 20
_HEADER = struct.Struct("<QQ")


class _Pickler(pickle.Pickler):
    def __init__(self, f: IO[bytes]) -> None:
        super().__init__(f, protocol=5)
        self.blobs: list[Blob] = []

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is Blob and obj.nbytes >= FILE_BLOB_MIN_BYTES:
            self.blobs.append(obj)
            return len(self.blobs) - 1
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: IO[bytes], table: list[tuple[int, int]]) -> None:
        super().__init__(f)
        self.file, self.table = f, table

    def persistent_load(self, pid: Any) -> Any:
        at, n = self.table[int(pid)]
        return Blob.in_file(self.file.fileno(), start=at, nbytes=n)


def _dump(obj: Any, f: IO[bytes]) -> None:
    data = io.BytesIO()
    pickler = _Pickler(data)
    pickler.dump(obj)
    offset = len(MAGIC) + _HEADER.size * (1 + len(pickler.blobs)) + data.tell()
    f.write(MAGIC + _HEADER.pack(data.tell(), len(pickler.blobs)))
    for blob in pickler.blobs:
        f.write(_HEADER.pack(offset, blob.nbytes))
        offset += blob.nbytes
    f.write(data.getbuffer())
    for blob in pickler.blobs:
        f.write(blob.read(0, blob.nbytes))


def _load(path: Path) -> Any:
    with path.open("rb") as f:
        head = f.read(len(MAGIC) + _HEADER.size)
        if head[: len(MAGIC)] != MAGIC:
            raise ValueError("not a cache file of this format")
        size, count = _HEADER.unpack(head[len(MAGIC) :])
        table = [_HEADER.unpack(f.read(_HEADER.size)) for _ in range(count)]
        end = path.stat().st_size
        if f.tell() + size > end or any(at + n > end for at, n in table):
            raise ValueError("truncated cache file")
        return _Unpickler(f, table).load()  # read as it goes: no copy of the whole pickle in memory


def load_catalog_cached(
    data_dir: Path | str | None,
    *,
    territories: Iterable[str] | None = None,
    local_file: Path | None = None,
    versions_dir: Path | None = None,
    cache_dir: Path | None,
) -> Catalog:
    """:func:`~geo_clsm.data.layers.load_catalog`, read from ``cache_dir`` when the data did not change."""
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    wanted = list(territories) if territories is not None else None

    def load() -> Catalog:
        return load_catalog(data_dir, territories=wanted, local_file=local_file, versions_dir=versions_dir)

    version = (
        None
        if cache_dir is None
        else layers_version(data_dir, wanted, local_file=local_file, versions_dir=versions_dir)
    )
    if cache_dir is None or version is None:
        _built()
        return load()
    name = f"catalog-{version}.pickle"
    catalog = read(cache_dir, name)
    if not isinstance(catalog, Catalog):
        built = load()
        _built()
        share_equal_parts(built.resources)  # pickled once each, then shared when read back
        write(cache_dir, name, built)
        catalog = read(cache_dir, name)  # held as a restart holds it (the polygons stay in the file)
        if not isinstance(catalog, Catalog):  # not written (a read-only folder): the one built
            catalog = built
        del built
    else:
        share_equal_parts(catalog.resources)  # whatever wrote the file: one set of fields per model
    catalog.data_dir = data_dir
    set_catalog_version(catalog, version)
    return catalog


def access_for(catalog: Catalog, *, cache_dir: Path | None) -> dict[str, AccessResult]:
    """The access indicators an engine on ``catalog`` serves (:func:`~geo_clsm.engine.core.default_indicators`),
    computed once per data version, or read from ``cache_dir``."""
    name = f"access-{catalog_version(catalog)}.pickle"
    cached = read(cache_dir, name) if cache_dir is not None else None
    if isinstance(cached, dict):
        return cached
    _built()
    access = default_indicators(catalog)
    if cache_dir is not None:
        write(cache_dir, name, access)
    return access


def _built() -> None:
    global builds
    builds += 1
