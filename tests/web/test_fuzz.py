"""Schemathesis against the running app (127.0.0.1 only, bounded count), with all its checks.

Every operation of ``/openapi.json``, in every phase (explicit examples, coverage of the schema's
edges, random fuzzing, and the stateful phase following the OpenAPI links: a resource id read in
``/api/resources`` is requested at ``/api/resources/{resource_id}`` and reported at
``…/reports``, a QPV code at ``/api/qpv/{code_qp}``, a territory at ``/api/export/hsds/{territory}``
and ``/guide/{territory}``): no server error, only documented status codes (the editors' routes
document their 401/403), documented content types, bodies valid against the response schemas,
required headers, ``Allow`` on every 405 listing every method of the path, and the other checks.

Two checks stay out, each for a documented reason (docs/reliability.md):

- ``positive_data_acceptance`` (every schema-valid request accepted): /api/nearest needs exactly
  one of lat+lon, commune or address, which OpenAPI query parameters cannot express; such
  requests get a documented 422 with a French message.
- ``negative_data_rejection`` (every schema-violating request rejected): FastAPI reads the last
  value of a repeated single-valued query parameter (``territory=a&territory=b``) and OGC API –
  Features requires a ``limit`` above the maximum to be clamped, not rejected; both are
  answered with data, which this check counts as a failure.

Response times are not judged (``--max-response-time`` is the request timeout): tests assert no
timings; benchmarks/load_mixed.py measures them.
"""

import subprocess
import sys
from pathlib import Path


def test_every_operation_answers_as_documented(server: str, tmp_path: Path) -> None:
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
            "10",
            "--seed",
            "20261122",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--no-color",
            # A guide PDF is rendered once per day and audience (a few seconds, more on a loaded machine).
            "--request-timeout",
            "120",
            # `--checks all` includes max_response_time (10 s by default): tests assert no timings,
            # the load benchmark measures them; only a request that never ends is a failure.
            "--max-response-time",
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
