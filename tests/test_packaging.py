"""What `make run` installs and how the package declares itself: serving needs no test tool, and
the metadata is what current setuptools reads without a deprecation warning (PEP 639)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
TEST_TOOLS = ("playwright", "mypy", "jupyter", "ipykernel", "nbclient", "nbformat", "schemathesis", "pytest", "ruff")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _target(makefile: str, name: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines."""
    lines = makefile.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{name}:"):
            recipe = []
            for nxt in lines[i + 1 :]:
                if not nxt.startswith("\t"):
                    break
                recipe.append(nxt.strip())
            return line.split(":", 1)[1].replace("|", " ").split(), recipe
    raise AssertionError(f"no target {name} in the Makefile")


def test_serving_dependencies_hold_no_test_tool() -> None:
    serving = {_name(r) for r in PROJECT["dependencies"]}
    assert not {t for t in TEST_TOOLS if any(s.startswith(t) for s in serving)}
    dev = {_name(r) for r in PROJECT["optional-dependencies"]["dev"]}
    assert {"playwright", "mypy", "schemathesis", "nbclient", "pytest"} <= dev


def test_make_run_installs_the_serving_dependencies_only() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_prereqs, _ = _target(makefile, "run")
    assert "install" not in run_prereqs  # `install` is the dev extra (make test's)
    installers = [p for p in run_prereqs if p.startswith("install")]
    assert installers == ["install-serve"]
    _, recipe = _target(makefile, "$(VENV)/.installed-serve")
    assert re.search(r"^PIP_INSTALL := .*pip install .*-c constraints\.txt", makefile, re.M)  # pinned versions
    pip = [ln for ln in recipe if "pip install" in ln or "$(PIP_INSTALL)" in ln or "install_pinned" in ln]
    assert pip and all("[" not in ln for ln in pip), pip  # no extra
    _, dev_recipe = _target(makefile, "$(VENV)/.installed")
    assert any(".[dev]" in ln for ln in dev_recipe)
    for target in ("test", "pytest", "lint", "typecheck"):
        prereqs, _ = _target(makefile, target)
        assert "install" in prereqs or "lint" in prereqs, target


def test_license_is_an_spdx_expression_with_its_file() -> None:
    assert isinstance(PROJECT["license"], str) and PROJECT["license"] == "MIT"
    files = PROJECT["license-files"]
    assert files and all(list(ROOT.glob(pattern)) for pattern in files)
    assert not any("License ::" in c for c in PROJECT.get("classifiers", []))  # PEP 639: not both


def test_make_run_writes_the_byte_code_of_what_the_server_imports() -> None:
    """pip installs without byte-compiling (``--no-compile``): the server's Python must write the
    byte-code of what it imports, even where the environment sets PYTHONDONTWRITEBYTECODE (else
    every start compiles some 1,600 modules again). The recipe's prefix, run as it is, gives a
    Python that writes byte-code."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    _, recipe = _target(makefile, "run")
    (serve,) = [ln for ln in recipe if "geo-clsm serve" in ln]
    prefix = serve.split("$(BIN)/geo-clsm", 1)[0].split()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    probe = [*prefix, sys.executable, "-c", "import sys; print(sys.dont_write_bytecode)"]
    assert subprocess.run(probe, env=env, capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_pip_installs_the_same_pins_when_uv_fails(tmp_path: Path) -> None:
    """The install line of `make run` (as make expands it) with a uv that fails: pip installs the
    same requirement with the same constraints."""
    venv = tmp_path / "venv"
    expanded = subprocess.run(
        ["make", "-s", "-n", "-B", "install-serve", f"VENV={venv}", "UV=false", "PIP_INSTALL=echo pip install -c pins"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    (line,) = [ln for ln in expanded if "pip install --python" in ln]
    ran = subprocess.run(["sh", "-c", line], capture_output=True, text=True, check=True).stdout.splitlines()
    assert ran[-1] == "pip install -c pins -e ."
