"""Push and pull stream parsing, on streams recorded from the real engine and registry.

    python tests/test_registry_streams.py --record     # re-record (engine and the open registry up)

The one recording is what a live test cannot make happen on demand: a push whose `current`
overshoots `total`.  Mounted layers, a failure inside the HTTP 200 stream and a pull of layers
that are not local are made live by tests/test_registry.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dockermagic.registry.transfer import (
    LayerUpdated,
    PullError,
    PushError,
    Transfer,
    TransferNote,
    TransferStream,
    TransferSucceeded,
    explain,
)

STREAMS = Path(__file__).resolve().parents[1] / "streams"


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (STREAMS / name).read_text().splitlines() if line.strip()]


def feed_all(kind: str, name: str, error=None, image="127.0.0.1:5000/rec/app:1"):
    result = Transfer(kind, image)
    stream = TransferStream(result, error=error or (PushError if kind == "push" else PullError))
    events = []
    for record in records(name):
        for event in stream.feed(record):
            # layers change in place: keep the state each event announced
            events.append((event, event.layer.state if isinstance(event, LayerUpdated) else None))
    return result, events


def test_first_push_clamps_overshoot_and_counts_bytes():
    result, events = feed_all("push", "push_first.jsonl")
    overshoot = [r for r in records("push_first.jsonl")
                 if r.get("progressDetail", {}).get("current", 0) > r.get("progressDetail", {}).get("total", 1 << 62)]
    assert overshoot, "the recording should hold a current > total record"
    for layer in result.layers:
        assert 0.0 <= layer.fraction <= 1.0
        assert layer.total is None or layer.current <= layer.total
    pushed = [layer for layer in result.layers if layer.state == "Pushed"]
    assert pushed and all(layer.transferred == layer.total for layer in pushed)
    assert all(layer.done for layer in result.layers)  # the busybox layers: already there or mounted
    assert result.digest and result.digest.startswith("sha256:")
    assert result.bytes_transferred > 0
    assert result.summary().startswith("uploaded ")
    states = [state for e, state in events if isinstance(e, LayerUpdated) and e.state_changed]
    assert "Preparing" in states and "Pushing" in states and "Pushed" in states
    assert any(isinstance(e, TransferNote) and "digest:" in e.text for e, _ in events)


@pytest.mark.parametrize("message, expected", [
    ("denied: requested access to the resource is denied", "refused to let you push"),
    ('Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused', "is unreachable"),
    ("unauthorized: authentication required", "wants a login"),
    ("An image does not exist locally with the tag: 127.0.0.1:5000/rec/app", "no image"),
    ("http: server gave HTTP response to HTTPS client", "insecure-registries"),
])
def test_messages_say_what_to_do(message, expected):
    text = explain(message, Transfer("push", "127.0.0.1:5000/rec/app:1"))
    assert expected in text
    assert "\n" not in text


def test_pull_missing_message():
    text = explain("manifest for 127.0.0.1:5000/rec/app:9 not found: manifest unknown", Transfer("pull", "127.0.0.1:5000/rec/app:9"))
    assert "is not in 127.0.0.1:5000" in text and "check the name and tag" in text


def test_views_of_a_recorded_push_escape_and_clamp():
    from dockermagic.views.transfer import TransferView, text_bar

    result, _ = feed_all("push", "push_first.jsonl", image="127.0.0.1:5000/rec/app:1")
    result.layers[0].state = "<script>alert(1)</script>"
    result.error = "<img src=x onerror=alert(1)>"
    bundle = TransferView.snapshot(result)
    assert "<script>" not in bundle["text/html"] and "<img" not in bundle["text/html"]
    assert "&lt;script&gt;" in bundle["text/html"] and "&lt;img" in bundle["text/html"]
    assert "failed: <img src=x" in bundle["text/plain"]
    assert text_bar(1.7) == "[" + "=" * 24 + "]" and text_bar(-1) == "[" + " " * 24 + "]"
    assert 'width:100%' in TransferView(result, mode="none").bar_html(result.layers[-1])


def test_redraws_are_coalesced_for_a_20_layer_push(monkeypatch):
    """2,000 progress records for 20 layers arriving at once: a handful of redraws, not 2,000."""
    from dockermagic.views.transfer import TransferView

    result = Transfer("push", "127.0.0.1:5000/rec/many:1")
    stream = TransferStream(result, error=PushError)
    view = TransferView(result, mode="widget", interval=0.1)
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    view.start()
    ids = [f"{i:012x}" for i in range(20)]
    records = [{"status": "Preparing", "id": i, "progressDetail": {}} for i in ids]
    for step in range(1, 101):
        records += [{"status": "Pushing", "id": i, "progressDetail": {"current": step * 1000 + 7, "total": 100_000}} for i in ids]
    records += [{"status": "Pushed", "id": i, "progressDetail": {}} for i in ids]
    records.append({"aux": {"Tag": "1", "Digest": "sha256:" + "a" * 64, "Size": 1}})
    for record in records:
        for event in stream.feed(record):
            view.feed(event)
    view.feed(TransferSucceeded(result))
    view.finish()
    elapsed = view.ended - view.started
    assert view.redraws <= 3 + 10 * elapsed
    assert all(row[1].value == 1.0 for row in view._rows.values())
    assert len(view._layers.children) == 20


# -- recording ------------------------------------------------------------------------------
def record() -> None:  # pragma: no cover - run by hand against the real engine
    import io
    import uuid

    import docker

    from conftest import _env_file

    api = docker.APIClient(version="auto")
    base = f"{_env_file('registry.env')['DOCKERMAGIC_REGISTRY']}/rec-{uuid.uuid4().hex[:8]}/base"
    blob = uuid.uuid4().hex
    build = api.build(fileobj=io.BytesIO(f"FROM busybox\nRUN head -c 3000000 /dev/urandom > /blob-{blob}\n".encode()),
                      tag=f"{base}:1", rm=True, forcerm=True, decode=True)
    for _ in build:
        pass
    records = api.push(base, "1", stream=True, decode=True, auth_config={})
    (STREAMS / "push_first.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    api.remove_image(f"{base}:1")


if __name__ == "__main__":  # pragma: no cover
    if "--record" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        record()
