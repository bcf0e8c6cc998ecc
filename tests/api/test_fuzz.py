"""Schemathesis with all its checks against the running app (127.0.0.1 only, bounded count).

Besides "no server error", every response must match the OpenAPI document: documented status
code, documented content type, body valid against the response schema, headers as documented.
Two exceptions, each for a documented reason:

- ``positive_data_acceptance`` (every schema-valid request accepted) is off everywhere:
  /api/nearest needs exactly one of lat+lon, commune or address, which OpenAPI query parameters
  cannot express; such requests get a documented 422 with a French message.
- ``negative_data_rejection`` is off for OGC items only: OGC API – Features
  (/req/core/fc-limit-response-1) requires a ``limit`` above the documented maximum to be
  clamped, not rejected.

The API declares no links between operations, so there is no stateful phase to run.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ITEMS = "/ogc/collections/{collectionId}/items"


@pytest.mark.parametrize(
    ("paths", "excluded"),
    [
        (["--exclude-path", ITEMS], "positive_data_acceptance"),
        (["--include-path", ITEMS], "positive_data_acceptance,negative_data_rejection"),
    ],
    ids=["all-operations", "ogc-items"],
)
def test_every_operation_conforms_to_its_documentation(
    server: str, tmp_path: Path, paths: list[str], excluded: str
) -> None:
    exe = Path(sys.executable).parent / "schemathesis"
    proc = subprocess.run(
        [
            str(exe),
            "run",
            f"{server}/openapi.json",
            *paths,
            "--checks",
            "all",
            "--exclude-checks",
            excluded,
            "--max-examples",
            "25",
            "--seed",
            "20261122",
            "--phases",
            "examples,coverage,fuzzing",
            "--no-color",
            # A guide PDF is rendered once per day and audience (a few seconds, more on a loaded machine).
            "--request-timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "passed" in proc.stdout
