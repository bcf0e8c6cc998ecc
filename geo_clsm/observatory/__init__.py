"""The observatory: the indicators of every territory kept at each data version, their time
series, and what changed since a date (resources opened, closed, moved; each indicator).

:mod:`.snapshots` (build, store and read snapshots), :mod:`.recorder` (off the request path),
:mod:`.evolution` (changes since a date, series), :mod:`.charts` (matplotlib, PNG).
"""

from geo_clsm.observatory.evolution import INDICATORS, Evolution, evolution, series, snapshot_info
from geo_clsm.observatory.recorder import SnapshotRecorder
from geo_clsm.observatory.snapshots import Snapshot, build_snapshot, engine_snapshots, record

__all__ = [
    "INDICATORS",
    "Evolution",
    "Snapshot",
    "SnapshotRecorder",
    "build_snapshot",
    "engine_snapshots",
    "evolution",
    "record",
    "series",
    "snapshot_info",
]
