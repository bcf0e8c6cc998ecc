"""Files shipped inside the package (templates, static files, catalogues, migrations), found by
package name through :mod:`importlib.resources`: a module's place in the tree does not matter."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_dir(package: str) -> Path:
    """The folder of ``package`` (a dotted name, e.g. ``"geo_clsm.web"``; importing it if needed).

    geo_clsm is installed as plain files (wheel or editable install, never a zip), so the folder
    is a real path that Alembic, Starlette's ``StaticFiles`` and Jinja can read.
    """
    found = files(package)
    if not isinstance(found, Path):  # a zipped or namespace package: not how geo_clsm is installed
        raise RuntimeError(f"{package} n'est pas installé comme un dossier de fichiers : {found!r}")
    return found
