"""The one module that reaches past docker-py's public API: its requests on the real engine,
its streams closed when their consumer stops, and the engine's error as one line."""

import json
import time

import docker
import pytest

from dockermagic.engine import adapter
from dockermagic.errors import EngineError


class Said(Exception):
    def __init__(self, explanation):
        super().__init__("wrapper text")
        self.explanation = explanation


@pytest.mark.parametrize("exc, line", [
    (Said(b"conflict: the name is in use\ndetails"), "conflict: the name is in use"),
    (Said("  padded  "), "padded"),
    (Said(None), "wrapper text"),
    (OSError(""), "OSError"),
])
def test_explanation_is_one_line(exc, line):
    assert adapter.explanation(exc) == line
    err = adapter.error(exc, "docker rm x")
    assert isinstance(err, EngineError) and str(err) == f"docker rm x: {line}"


@pytest.mark.engine
def test_call_url_and_a_refusal_from_the_engine(engine):
    api = engine.api
    assert adapter.url(api, "/containers/{0}/json", "a b").endswith("/containers/a%20b/json")
    assert adapter.api_version(api) == engine.version["ApiVersion"]
    assert adapter.call(api, "GET", "/version")["ApiVersion"] == engine.version["ApiVersion"]
    with pytest.raises(docker.errors.NotFound) as info:
        adapter.call(api, "GET", "/containers/{0}/json", "dm-no-such-container")
    assert "dm-no-such-container" in adapter.explanation(info.value)


@pytest.mark.engine
def test_records_close_when_the_consumer_stops(engine):
    """An /events stream never ends by itself: closing the generator must close the connection."""
    name = f"dm-adapter-{time.time_ns()}"
    since = int(time.time()) - 1
    engine.api.create_volume(name)
    try:
        stream = adapter.records(engine.api, "GET", "/events",
                                 params={"since": since, "filters": json.dumps({"type": ["volume"], "volume": [name]})})
        first = next(stream)
        assert first["Actor"]["ID"] == name and first["Action"] == "create"
        began = time.monotonic()
        stream.close()
        assert time.monotonic() - began < 5
        with pytest.raises(StopIteration):
            next(stream)
    finally:
        engine.api.remove_volume(name)
