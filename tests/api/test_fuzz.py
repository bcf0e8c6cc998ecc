"""Schemathesis against the running app (127.0.0.1 only, bounded count): no generated request
yields a server error.

The full set of checks (documented status codes, content types, response schemas, headers) is the
aim of issue 14; it does not pass yet: the editors' routes answer 401/403 to anonymous requests and
HEAD answers change the Allow header of some 405s (schemathesis ST205). When it does, two checks
stay out, each for a documented reason:

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


def test_no_server_error_on_generated_requests(server: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "schemathesis"
    proc = subprocess.run(
        [
            str(exe),
            "run",
            f"{server}/openapi.json",
            "--checks",
            "not_a_server_error",
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
