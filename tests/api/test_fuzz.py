"""Schemathesis with all its checks against the running app (127.0.0.1 only, bounded count).

Besides "no server error", every response must match the OpenAPI document: documented status
code, documented content type, body valid against the response schema, headers as documented.
Two checks are left out, each for a documented reason:

- ``positive_data_acceptance`` (every schema-valid request accepted): /api/nearest needs exactly
  one of lat+lon, commune or address, which OpenAPI query parameters cannot express; such
  requests get a documented 422 with a French message.
- ``negative_data_rejection`` (every schema-violating request rejected): FastAPI reads the last
  value of a repeated single-valued query parameter (``territory=a&territory=b``) and OGC API –
  Features requires a ``limit`` above the maximum to be clamped, not rejected; both are
  answered with data, which this check counts as a failure.

The API declares no links between operations, so there is no stateful phase to run.
"""

import subprocess
import sys
from pathlib import Path


def test_every_operation_conforms_to_its_documentation(server: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "schemathesis"
    proc = subprocess.run(
        [
            str(exe),
            "run",
            f"{server}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,negative_data_rejection",
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
