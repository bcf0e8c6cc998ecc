"""Objects built in a background thread at start-up, waited for on first use.

The service answers ``/healthz`` and the nearest search as soon as the engine is ready;
what only some requests need (the gazetteer behind ``commune=`` and ``address=``, about a
second to build from the layers) is built meanwhile in a thread. A request that needs it
before it is ready waits for it; an error while building is raised to that request (and
to every later one), never swallowed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Deferred(Generic[T]):
    """``build()`` runs in a daemon thread from construction; :meth:`get` waits for its result."""

    def __init__(self, build: Callable[[], T], *, name: str = "deferred-build") -> None:
        self._build: Callable[[], T] | None = build
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        build, self._build = self._build, None  # what it holds (e.g. a catalog) is not kept by the result
        try:
            assert build is not None
            self._value = build()
        except BaseException as exc:  # kept for the callers of get(), which re-raise it
            self._error = exc
        finally:
            del build
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def get(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class DeferredProxy(Generic[T]):
    """Stands for the object a :class:`Deferred` builds: attribute access waits for it."""

    def __init__(self, deferred: Deferred[T]) -> None:
        object.__setattr__(self, "_deferred", deferred)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._deferred.get(), name)
