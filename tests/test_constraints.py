"""The constraints file pins every dependency pyproject.toml declares (`make lock` writes it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_constraints", ROOT / "scripts" / "check_constraints.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_declared_dependency_is_pinned() -> None:
    assert _checker().missing(ROOT / "pyproject.toml", ROOT / "constraints.txt") == []
    pins = [ln for ln in (ROOT / "constraints.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert pins and all("==" in ln for ln in pins)


def test_a_dependency_added_without_relocking_is_reported(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n    "Some_New.Package[extra]>=1",\n', 1))
    assert _checker().missing(pyproject, ROOT / "constraints.txt") == ["some-new-package"]
