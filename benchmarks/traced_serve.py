"""``geo-clsm serve`` with two diagnostic traces on stderr, for the load benchmark (``--trace-server``).

Not for production (it patches uvicorn): each line starts with ``TRACE`` and the CLOCK_MONOTONIC
time (shared by every process of the machine, so the load benchmark can place its own failures
against it):

- ``TRACE <t> keepalive-close``: uvicorn's keep-alive timer closed an idle connection (a client
  that sends a request on that connection at the same moment gets a reset: httpx ``ReadError``);
- ``TRACE <t> loop-lag <s>``: the event loop ran a 0.1 s timer more than 0.5 s late (it was blocked
  or starved: no request was read or answered meanwhile);
- ``TRACE <t> mem …`` every ``TRACE_MEMORY_S`` seconds when that variable is set (from a daemon
  thread): resident memory split into anonymous and file-backed (``/proc/self/smaps_rollup``),
  glibc's arenas (``mallinfo2``: their size, the part in use, the part free but kept), whether
  pyogrio (GDAL) was imported, and pyarrow's memory pool (bytes allocated, its peak), in MB.

    python benchmarks/traced_serve.py serve --host 127.0.0.1 --port 8000
    TRACE_MEMORY_S=2 python benchmarks/traced_serve.py serve --port 8000   # with the memory lines
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from uvicorn.protocols.http import h11_impl, httptools_impl

from geo_clsm.cli import main

LAG_TICK_S = 0.1
LAG_REPORT_S = 0.5
_monitored: set[int] = set()
_tasks: list[asyncio.Task[None]] = []


def _trace(what: str) -> None:
    print(f"TRACE {time.monotonic():.3f} {what}", file=sys.stderr, flush=True)


async def _lag_monitor() -> None:
    while True:
        before = time.monotonic()
        await asyncio.sleep(LAG_TICK_S)
        late = time.monotonic() - before - LAG_TICK_S
        if late > LAG_REPORT_S:
            _trace(f"loop-lag {late:.2f}")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ]


def memory_line() -> str:
    """This process's memory, in MB (see the module's docstring)."""
    kb = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    out = f"rss={kb['Rss'] >> 10} anon={kb['Anonymous'] >> 10} file={(kb['Rss'] - kb['Anonymous']) >> 10}"
    try:
        info = ctypes.CDLL("libc.so.6").mallinfo2
        info.restype = _MallInfo2
        m = info()
        out += f" arena={m.arena >> 20} in_use={m.uordblks >> 20} free_kept={m.fordblks >> 20}"
    except (OSError, AttributeError):  # not glibc >= 2.33
        pass
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pool = pa.default_memory_pool()
        out += f" arrow={pool.bytes_allocated() >> 20}/{pool.max_memory() >> 20}"
    return out + f" pyogrio={int('pyogrio' in sys.modules)}"


def _memory_probe(every_s: float) -> None:
    while True:
        _trace("mem " + memory_line())
        time.sleep(every_s)


def _patch(cls: Any) -> None:
    close = cls.timeout_keep_alive_handler
    made = cls.connection_made

    def timeout_keep_alive_handler(self: Any) -> None:
        if not self.transport.is_closing():
            _trace("keepalive-close")
        close(self)

    def connection_made(self: Any, transport: Any) -> None:
        loop = asyncio.get_running_loop()
        if id(loop) not in _monitored:
            _monitored.add(id(loop))
            _tasks.append(loop.create_task(_lag_monitor()))
        made(self, transport)

    cls.timeout_keep_alive_handler = timeout_keep_alive_handler
    cls.connection_made = connection_made


def explain_failures(failures: list[tuple[float, float, str, str]], *, start: float, server_log: Path) -> str:
    """Each failed request (monotonic start, duration, path, error) with the server's traced events
    from 1 s before it was sent to 1 s after it failed; then the server's warnings and errors."""
    events: list[tuple[float, str]] = []
    problems: list[str] = []
    for line in server_log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("TRACE "):
            _, at, what = line.split(" ", 2)
            events.append((float(at), what))
        elif any(level in line for level in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")):
            problems.append(line)
    out = []
    for sent, took_s, path, error in sorted(failures):
        near = [f"{what} at {at - start:.2f}" for at, what in events if sent - 1 <= at <= sent + took_s + 1]
        out.append(f"  {sent - start:8.2f} s (+{took_s:.2f} s)  {path}  {error}  [{'; '.join(near) or 'no event'}]")
    closes = sum(what == "keepalive-close" for _, what in events)
    lags = [float(what.split()[1]) for _, what in events if what.startswith("loop-lag")]
    out.append(
        f"  server: {closes} keep-alive closes, {len(lags)} event-loop lags over {LAG_REPORT_S} s"
        + (f" (longest {max(lags):.2f} s)" if lags else "")
        + f", {len(problems)} warning/error lines"
    )
    out.extend("  " + line for line in problems[:10])
    return "\n".join(out)


if __name__ == "__main__":
    _patch(httptools_impl.HttpToolsProtocol)
    _patch(h11_impl.H11Protocol)
    if os.environ.get("TRACE_MEMORY_S"):
        threading.Thread(target=_memory_probe, args=(float(os.environ["TRACE_MEMORY_S"]),), daemon=True).start()
    sys.exit(main(sys.argv[1:]))
