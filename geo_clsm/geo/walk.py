"""Walking-time estimates from straight-line distances (labelled as estimates everywhere)."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

DETOUR_FACTOR = 1.3
"""Street network length / straight-line length, a common urban average."""
WALK_SPEED_KMH = 4.5

T = TypeVar("T", float, np.ndarray)


def walk_minutes(distance_m: T, *, detour_factor: float = DETOUR_FACTOR, speed_kmh: float = WALK_SPEED_KMH) -> T:
    """Estimated walking minutes for a straight-line distance in metres."""
    return distance_m * detour_factor / (speed_kmh * 1000.0 / 60.0)
