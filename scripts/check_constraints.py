"""Fail when a dependency of pyproject.toml is missing from constraints.txt (run `make lock`).

A constraints file pins the versions of what it lists and lets anything else install at its
latest version, so a dependency added without re-locking would silently float.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def missing(pyproject: Path, constraints: Path) -> list[str]:
    """Dependencies (runtime and every extra) of ``pyproject`` that ``constraints`` does not pin."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    pinned = {
        _name(line) for line in constraints.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"
    }
    return sorted({_name(r) for r in wanted} - pinned)


def main() -> int:
    gaps = missing(ROOT / "pyproject.toml", ROOT / "constraints.txt")
    if gaps:
        print(
            f"constraints.txt does not pin {', '.join(gaps)} (declared in pyproject.toml): "
            "run `make lock` and commit constraints.txt",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
