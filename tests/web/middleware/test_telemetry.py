"""No request reaches an OpenTelemetry provider, even when the host configures one.

FastAPI (≥ 0.160) instruments every app with OpenTelemetry when a global provider is set (an agent,
auto-instrumentation): its spans carry ``url.query``, a resident's position at full precision, to a
third party's collector. ``create_app`` turns that off; a bare FastAPI app, for contrast, does send
the span (so this test fails if FastAPI's instrumentation came back on).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app


class _RecordingTracer(trace.Tracer):
    def __init__(self, spans: list[dict[str, Any]]) -> None:
        self.spans = spans

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        self.spans.append({"name": name, **dict(kwargs.get("attributes") or {})})
        return trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)

    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self, name: str, *args: Any, **kwargs: Any
    ) -> Iterator[trace.Span]:
        yield self.start_span(name, *args, **kwargs)


class _RecordingProvider(trace.TracerProvider):
    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _RecordingTracer(self.spans)


@pytest.fixture()
def provider(monkeypatch: pytest.MonkeyPatch) -> _RecordingProvider:
    recorder = _RecordingProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recorder)
    return recorder


def test_a_configured_provider_would_get_the_position(provider: _RecordingProvider) -> None:
    bare = FastAPI()

    @bare.get("/api/nearest")
    async def nearest(lat: float, lon: float) -> dict[str, float]:
        return {"lat": lat, "lon": lon}

    if not hasattr(bare, "_native_telemetry"):
        pytest.skip("this FastAPI has no native OpenTelemetry instrumentation")
    with TestClient(bare) as client:
        assert client.get("/api/nearest", params={"lat": 49.119731, "lon": 6.175614}).status_code == 200
    assert any("49.119731" in str(span.get("url.query")) for span in provider.spans)


def test_the_app_sends_no_span(provider: _RecordingProvider, engine: Engine, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url), engine=engine)
    with TestClient(app) as client:
        for path in ("/api/nearest?lat=49.119731&lon=6.175614", "/api/resources", "/healthz", "/"):
            assert client.get(path).status_code == 200, path
        assert client.get("/api/nearest", params={"lat": 99, "lon": 6.17}).status_code == 422
    assert provider.spans == []
