"""`up` on the real engine, as Compose v2 converges: one changed service recreated alone (and
v2 agreeing nothing is left to do), scale up and down, orphans, dependency conditions and the
one-line failure of a dependency, the foreground `up` with `--exit-code-from`."""

from __future__ import annotations

import pytest

from dockermagic.compose.down import down
from dockermagic.compose.results import ComposeProject, LogLine
from dockermagic.compose.up import UpOptions, up
from dockermagic.errors import ComposeError

TWO = """
services:
  a:
    image: busybox:latest
    command: sleep 3600
  b:
    image: busybox:latest
    command: sleep 3600
"""


def _up(engine, stack, result=None, **options):
    return list(up(engine, stack.project(), result, UpOptions(**options)))


def _ids(stack) -> dict:
    return {c["Names"][0].lstrip("/"): c["Id"] for c in stack.containers()}


def test_a_changed_service_is_recreated_alone_and_v2_agrees(engine, stacks):  # noqa: F811
    stack = stacks(TWO)
    _up(engine, stack)
    before = _ids(stack)
    stack.write(TWO.replace("sleep 3600\n  b", "sleep 3601\n  b"))
    events = _up(engine, stack)
    assert [(e.name, e.state) for e in events if e.state in ("Recreate", "Recreated")] == \
        [(f"{stack.name}-a-1", "Recreate"), (f"{stack.name}-a-1", "Recreated")]
    after = _ids(stack)
    assert after[f"{stack.name}-b-1"] == before[f"{stack.name}-b-1"]
    assert after[f"{stack.name}-a-1"] != before[f"{stack.name}-a-1"]
    labels = stack.inspect(f"{stack.name}-a-1")["Config"]["Labels"]
    assert labels["com.docker.compose.replace"] == "a-1"    # as v2 writes it
    assert stack.inspect(f"{stack.name}-a-1")["State"]["Running"]
    out = stack.v2("up", "-d").stderr
    assert "Recreate" not in out, out
    assert _ids(stack) == after


def test_force_and_no_recreate(engine, stacks):  # noqa: F811
    stack = stacks(TWO)
    _up(engine, stack)
    before = _ids(stack)
    stack.write(TWO.replace("3600", "3602"))
    _up(engine, stack, no_recreate=True)
    assert _ids(stack) == before
    _up(engine, stack, force_recreate=True, services=["b"], no_deps=True)
    after = _ids(stack)
    assert after[f"{stack.name}-a-1"] == before[f"{stack.name}-a-1"]
    assert after[f"{stack.name}-b-1"] != before[f"{stack.name}-b-1"]


def test_scale_up_then_down_removes_highest_numbers(engine, stacks):  # noqa: F811
    stack = stacks(TWO)
    _up(engine, stack, scale={"a": 3})
    names = sorted(_ids(stack))
    assert names == [f"{stack.name}-a-{n}" for n in (1, 2, 3)] + [f"{stack.name}-b-1"]
    listed = stack.v2("ps", "--services").stdout.split()
    assert sorted(listed) == ["a", "b"]
    events = _up(engine, stack, scale={"a": 1}, timeout=0)
    assert [e.name for e in events if e.state == "Removed"] == [f"{stack.name}-a-3", f"{stack.name}-a-2"]
    assert sorted(_ids(stack)) == [f"{stack.name}-a-1", f"{stack.name}-b-1"]


def test_orphans_warned_then_removed(engine, stacks):  # noqa: F811
    stack = stacks(TWO)
    _up(engine, stack)
    stack.write(TWO.split("  b:")[0])
    events = _up(engine, stack)
    warning = [e.text for e in events if e.state == "Warning"]
    assert warning and f"[{stack.name}-b-1]" in warning[0] and "--remove-orphans" in warning[0]
    assert f"{stack.name}-b-1" in _ids(stack)
    _up(engine, stack, remove_orphans=True, timeout=0)
    assert sorted(_ids(stack)) == [f"{stack.name}-a-1"]


HEALTH = """
services:
  db:
    image: busybox:latest
    command: sleep 3600
    healthcheck:
      test: ["CMD-SHELL", "%s"]
      interval: 1s
      retries: 2
  init:
    image: busybox:latest
    command: sh -c "exit %d"
  web:
    image: busybox:latest
    command: sleep 3600
    depends_on:
      db:
        condition: service_healthy
      init:
        condition: service_completed_successfully
"""


def test_service_healthy_and_completed_successfully(engine, stacks):  # noqa: F811
    stack = stacks(HEALTH % ("true", 0))
    events = _up(engine, stack)
    seen = [(e.name.rsplit("-", 2)[-2], e.state) for e in events if e.kind == "container"]
    assert seen.index(("db", "Healthy")) < seen.index(("web", "Started"))
    assert seen.index(("init", "Exited")) < seen.index(("web", "Started"))


def test_a_failing_dependency_ends_up_in_one_line(engine, stacks):  # noqa: F811
    stack = stacks(HEALTH % ("echo not ready yet; exit 1", 0))
    with pytest.raises(ComposeError) as failure:
        _up(engine, stack)
    text = str(failure.value)
    assert "\n" not in text
    assert f"{stack.name}-db-1" in text and "unhealthy" in text and "not ready yet" in text
    assert "Started" not in stack.inspect(f"{stack.name}-web-1")["State"]["Status"]
    assert stack.inspect(f"{stack.name}-web-1")["State"]["Status"] == "created"   # kept, as v2 keeps it


def test_a_dependency_that_exits_badly(engine, stacks):  # noqa: F811
    stack = stacks(HEALTH % ("true", 3))
    with pytest.raises(ComposeError, match="'init' didn't complete successfully: exit 3"):
        _up(engine, stack)


def test_foreground_up_streams_logs_and_gives_the_exit_code(engine, stacks):  # noqa: F811
    stack = stacks("""
services:
  job:
    image: busybox:latest
    command: sh -c "echo one; echo two >&2; exit 3"
  idle:
    image: busybox:latest
    command: sleep 3600
""")
    result = ComposeProject(stack.name)
    events = _up(engine, stack, result, detach=False, exit_code_from="job", timeout=0)
    lines = [(e.service, e.text, e.stream) for e in events if isinstance(e, LogLine)]
    assert ("job", "one", "stdout") in lines and ("job", "two", "stderr") in lines
    assert result.exit_code == 3
    assert [e.name for e in events if getattr(e, "state", "") == "Stopped"] == [f"{stack.name}-idle-1"]


def test_down_of_a_scaled_project_and_no_start(engine, stacks):  # noqa: F811
    stack = stacks(TWO)
    _up(engine, stack, no_start=True)
    assert {stack.inspect(i)["State"]["Status"] for i in _ids(stack).values()} == {"created"}
    list(down(engine, stack.name, stack.project(), timeout=0))
    assert stack.containers() == []


def test_restart_true_restarts_a_dependent_of_a_recreated_service(engine, stacks):  # noqa: F811
    text = """
services:
  a:
    image: busybox:latest
    command: sleep 3600
    init: true
  b:
    image: busybox:latest
    command: sleep 3600
    init: true
    depends_on:
      a: {condition: service_started, restart: true}
"""
    stack = stacks(text)
    _up(engine, stack)
    b_before = _ids(stack)[f"{stack.name}-b-1"]
    stack.write(text.replace("sleep 3600\n    init: true\n  b", "sleep 3601\n    init: true\n  b"))
    events = _up(engine, stack, timeout=0)
    seen = [(e.name, e.state) for e in events if e.kind == "container"]
    assert seen.index((f"{stack.name}-a-1", "Recreated")) < seen.index((f"{stack.name}-b-1", "Restarted"))
    assert _ids(stack)[f"{stack.name}-b-1"] == b_before        # restarted, not recreated
