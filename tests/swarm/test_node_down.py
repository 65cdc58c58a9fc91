"""A node that goes away while the notebook watches, on real engines: a third node of the test's
own (`lost_node`: tests/support/swarm_fixtures.py) joins the shared swarm, runs a task of a
service, and is killed with SIGKILL; the live view of `service scale` says the node is down and
which slots the scheduler moved, and waits until the service converges on the nodes still up.
The shared manager and worker are never touched."""

from __future__ import annotations

import time
import uuid

import pytest

from dockermagic.views.formatters import bundle

IMAGE = "busybox:latest"


@pytest.fixture
def service_name(swarm):
    name = f"dmt-lost-{uuid.uuid4().hex[:6]}"
    yield name
    swarm.cli("service", "rm", name, check=False)


def _placed(swarm, name: str) -> dict[str, str]:
    """task name -> node, of the tasks running now (as the CLI lists them)."""
    listed = swarm.cli("service", "ps", name, "--filter", "desired-state=running",
                       "--format", "{{.Name}} {{.Node}} {{.CurrentState}}").stdout
    return {w[0]: w[1] for w in (line.split() for line in listed.splitlines()) if w[2:3] == ["Running"]}


def _wait_placed(swarm, name: str, count: int, timeout: float = 20) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while len(placed := _placed(swarm, name)) < count:
        assert time.monotonic() < deadline, f"{name}: {count} tasks not running in {timeout}s: {placed}"
        time.sleep(0.3)
    return placed


def test_a_node_killed_while_the_view_watches_is_said_down_and_the_service_converges_without_it(
        ip, swarm, lost_node, service_name, capsys):
    started = time.monotonic()
    # three replicas on three nodes: the scheduler spreads a service's tasks, one on each
    swarm.cli("service", "create", "-d", "-q", "--name", service_name, "--replicas", "3", "--update-monitor", "1s",
              "--restart-delay", "0s", "--no-resolve-image", IMAGE, "sleep", "600")
    placed = _wait_placed(swarm, service_name, 3)
    assert "swarm-lost" in placed.values(), placed

    # the picture before: three boxes, a task in the lost node's
    listed = ip.run_line_magic("docker", f"-H {swarm.manager} node ls")
    lost = next(n for n in listed.cluster.nodes if n.hostname == "swarm-lost")
    assert {t.name for t in listed.cluster.on(lost)} & set(placed), listed.cluster
    html = bundle(listed)["text/html"]
    assert html.count('class="dm-node"') == 3 and "swarm-lost" in html

    lost_node.kill()  # the machine goes away: the manager only learns it when the heartbeats stop
    killed = time.monotonic()
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    # scaled while the manager still thinks it ready: one of the new tasks goes to it too, so the
    # service cannot converge before the manager marks it down and the scheduler moves its tasks
    service = ip.run_line_magic("docker", f"-H {swarm.manager} service scale --timeout 45 {service_name}=6")
    waited = time.monotonic() - killed
    out = capsys.readouterr().out

    c = service.convergence
    assert c.outcome == "converged" and (c.running, c.desired) == (6, 6), out
    assert "node swarm-lost is down" in out, out  # the live line, as it happened
    assert "swarm-lost" in c.nodes_down
    assert c.moved and all(m.source == "swarm-lost" and m.target in ("swarm-manager", "swarm-worker") for m in c.moved), c.moved
    assert all(f"{m.name} moved from swarm-lost to {m.target}" in out for m in c.moved), out
    assert {s.node for s in c.slots.values()} <= {"swarm-manager", "swarm-worker"}
    # the CLI sees the same: six running, none on the lost node
    after = _placed(swarm, service_name)
    assert len(after) == 6 and "swarm-lost" not in after.values(), after

    # the saved view: the line, the moves, and the picture with the lost node down and empty
    shown = bundle(service)
    assert "node swarm-lost is down: " in shown["text/plain"] and "the scheduler moves its tasks" in shown["text/plain"]
    html = shown["text/html"]
    assert 'class="dm-cluster"' in html and html.count('class="dm-node"') == 3 and "Down" in html
    lost_box = html.split("<b>swarm-lost</b>", 1)[1].split('class="dm-node"', 1)[0]
    assert "no tasks" in lost_box
    assert waited < 45 and time.monotonic() - started < 60, (waited, time.monotonic() - started)
