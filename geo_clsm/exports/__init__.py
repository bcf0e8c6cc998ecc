"""Writing access indicators to files planners open: GeoPackage, GeoJSON, CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo_clsm.access import present
from geo_clsm.access.params import AccessResult
from geo_clsm.exports.sheet_safety import neutralise_frame
from geo_clsm.model.errors import InvalidInputError
