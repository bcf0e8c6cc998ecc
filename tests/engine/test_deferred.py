"""Objects built in a background thread: a caller waits for the value, or gets the build's error."""

from __future__ import annotations

import threading

import pytest

from geo_clsm.engine.deferred import Deferred, DeferredProxy


def test_attribute_access_waits_for_the_build() -> None:
    release = threading.Event()

    def build() -> dict[str, int]:
        release.wait(10)
        return {"a": 1}

    deferred = Deferred(build)
    proxy = DeferredProxy(deferred)
    assert not deferred.ready
    threading.Timer(0.05, release.set).start()
    assert proxy.get("a") == 1  # dict.get of the built object, reached through the proxy
    assert deferred.ready


def test_build_error_reaches_every_caller() -> None:
    def build() -> int:
        raise ValueError("couche illisible")

    deferred = Deferred(build)
    for _ in range(2):
        with pytest.raises(ValueError, match="couche illisible"):
            deferred.get()
