"""scipy's k-d tree (``cKDTree``) without the rest of ``scipy.spatial``.

``import scipy.spatial`` runs the package's ``__init__``, which loads Delaunay/Voronoi (qhull),
distances, rotations, and with them ``scipy.linalg`` and ``scipy.special``: some 15 MiB and
0.15 s of the service's start-up, for one class. The compiled k-d tree module
(``scipy.spatial._ckdtree``) is loaded here on its own, under its own name, so that a later
``import scipy.spatial`` (a planner's computation) finds it and uses the same class.
If scipy's layout ever differs, the ordinary import is used instead.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

_NAME = "scipy.spatial._ckdtree"


def _ckdtree_module() -> object:
    if "scipy.spatial" in sys.modules or _NAME in sys.modules:
        import scipy.spatial._ckdtree

        return scipy.spatial._ckdtree
    try:
        import scipy

        spec = importlib.machinery.PathFinder.find_spec(_NAME, [str(Path(p) / "spatial") for p in scipy.__path__])
        if spec is None or spec.loader is None:
            raise ImportError(_NAME)
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
        return module
    except Exception:  # another layout: the ordinary (larger) import
        sys.modules.pop(_NAME, None)
        import scipy.spatial._ckdtree

        return scipy.spatial._ckdtree


if TYPE_CHECKING:
    from scipy.spatial import cKDTree
else:
    cKDTree = _ckdtree_module().cKDTree

__all__ = ["cKDTree"]
