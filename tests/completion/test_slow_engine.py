"""An engine that is slow or gone never makes Tab wait: completion answers within 200 ms with
what it has, and shows no error.  Tried for real: a unix socket this test makes, which accepts
connections and never answers, and an address where nothing listens any more."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from IPython.core.completer import provisionalcompleter

from dockermagic.completion.listings import LISTINGS

LIMIT = 0.2  # seconds a Tab may take, whatever the engine does


def tab(ip, line: str) -> tuple[float, dict]:
    start = time.perf_counter()
    with provisionalcompleter():
        found = {c.text: c.type for c in ip.Completer.completions(line, len(line))}
    return time.perf_counter() - start, found


@pytest.fixture
def silent_socket(tmp_path):
    """unix://PATH of a socket that accepts every connection and never says a word."""
    path = tmp_path / "silent.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"unix://{path}"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def gone_address():
    """tcp://127.0.0.1:PORT where a listener was and is no more."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"tcp://127.0.0.1:{port}"


@pytest.mark.parametrize("which", ["silent_socket", "gone_address"])
def test_tab_never_waits_on_a_slow_or_gone_engine(ip, request, capsys, which):
    address = request.getfixturevalue(which)
    LISTINGS.forget()
    for line in (f"%docker -H {address} stop ", f"%docker -H {address} stop ", f"%docker -H {address} run busy",
                 f"%docker -H {address} network rm ", f"%docker_node -H {address} inspect "):
        took, found = tab(ip, line)
        assert took < LIMIT, f"{line!r} took {took * 1000:.0f} ms"
        assert all(kind == "nothing to complete" for kind in found.values()), found
    # the words that need no engine still complete, at once
    took, found = tab(ip, f"%docker -H {address} run --rest")
    assert list(found) == ["--restart"] and took < LIMIT
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_a_silent_engine_is_asked_once_at_a_time(ip, silent_socket):
    def fetching():
        return {t for t in threading.enumerate() if t.name == "dm-complete"}

    LISTINGS.forget()
    before = fetching()
    took = [tab(ip, f"%docker -H {silent_socket} stop ")[0] for _ in range(5)]
    assert len(fetching() - before) == 1  # one fetch, still waiting on the silent socket
    assert max(took[1:]) < took[0]  # only the first Tab waited for it
