"""The cluster picture: a box per node (hostname, role with the leader marked, availability,
status) with the tasks placed on it, as static HTML a saved notebook keeps (no script, no
<svg>) and as text; under `node ls`, `node ps` and `service ps`, and in a service's live view
once a node goes down.  Hostile names stay text.  The last test draws the shared swarm."""

from __future__ import annotations

import time
import uuid
from html.parser import HTMLParser

import pytest

from dockermagic.swarm import convergence, nodes, services, tasks
from dockermagic.views.formatters import bundle

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&amp;</div></td>\x1b[31mred\x1b]0;t\x07'
IMAGE = "busybox:latest"


def _node(name, role="worker", availability="active", state="ready", leader=False, message="", node_id=None):
    raw = {"ID": node_id or f"id-{name}", "Spec": {"Role": role, "Availability": availability},
           "Status": {"State": state, "Addr": "169.254.0.9", "Message": message},
           "Description": {"Hostname": name, "Engine": {"EngineVersion": "28.0"}}}
    if role == "manager":
        raw["ManagerStatus"] = {"Leader": leader, "Reachability": "reachable"}
    return nodes.from_raw(raw)


def _task(service, slot, node_id, state="running", desired="running", error=""):
    raw = {"ID": f"t-{service}-{slot}-{node_id}", "ServiceID": "s", "Slot": slot, "NodeID": node_id,
           "DesiredState": desired, "Spec": {"ContainerSpec": {"Image": IMAGE}},
           "Status": {"State": state, "Timestamp": "2026-01-01T00:00:00Z", "Err": error}}
    return tasks.from_raw(raw, {"s": service}, {})


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_one_box_per_node_with_its_role_availability_status_and_tasks():
    cluster = nodes.Cluster(
        [_node("mgr", "manager", leader=True), _node("w1", availability="drain"),
         _node("w2", state="down", message="heartbeat failure")],
        [_task("hello", 1, "id-mgr"), _task("hello", 2, "id-w1", state="starting"), _task("agent", 0, "id-mgr"),
         _task("hello", 3, "", state="pending", error="no suitable node")], "swarm")
    page = _read(bundle(cluster)["text/html"])
    text = " ".join(page.text)
    assert page.tags.count("div") and [v for a, v in page.attrs if a == "class"].count("dm-node") == 3
    assert not {"script", "svg", "img", "style"} & set(page.tags)  # static HTML: what a saved notebook keeps
    assert "★ manager (Leader)" in text and "Drain" in text and "Down" in text and "heartbeat failure" in text
    mgr, w1, w2 = (text.split(n, 1)[1] for n in ("mgr", "w1", "w2"))
    assert "hello.1" in mgr.split("w1")[0] and "agent" in mgr.split("w1")[0]  # a global task: its service's name
    assert "hello.2" in w1.split("w2")[0] and "Starting" in w1.split("w2")[0]
    assert "no tasks" in w2.split("not placed")[0] and "hello.3" in text.split("not placed", 1)[1]
    plain = bundle(cluster)["text/plain"].splitlines()
    assert plain[0] == "mgr  manager (Leader)  Active  Ready" and plain[1:3] == ["  hello.1  Running", "  agent  Running"]
    assert "w2  worker  Active  Down (heartbeat failure)" in plain and plain[-2:] == ["not placed:", '  hello.3  Pending  "no suitable node"']


def test_a_busy_node_says_how_many_more_it_runs():
    busy = nodes.Cluster([_node("n")], [_task("web", i, "id-n") for i in range(1, 21)])
    text = bundle(busy)["text/plain"]
    assert "web.12" in text and "web.13" not in text and "… 8 more" in text
    assert "… 8 more" in bundle(busy)["text/html"]


@pytest.mark.parametrize("where", ["hostname", "task", "message"])
def test_hostile_names_stay_text(where):
    node = _node(HOSTILE if where == "hostname" else "n", state="down", message=HOSTILE if where == "message" else "x",
                 node_id=HOSTILE)
    task = _task(HOSTILE if where == "task" else "web", 1, HOSTILE, error=HOSTILE)
    for html in (bundle(nodes.Cluster([node], [task], HOSTILE))["text/html"],
                 bundle(nodes.NodeList([node], [nodes.NodeRow(node, {})], HOSTILE, [task]))["text/html"],
                 bundle(nodes.placed(tasks.TaskList([task], HOSTILE, node_raws=[node.raw])))["text/html"]):
        page = _read(html)
        assert not {"script", "img", "svg"} & set(page.tags), html[:300]
        assert not [a for a, _ in page.attrs if a.startswith("on")] and "\x1b" not in html and "\x07" not in html
        assert "<script>alert(1)</script>" in "".join(page.text)  # shown as typed, not run
    assert "\x1b]" not in bundle(nodes.Cluster([node], [task]))["text/plain"]


def test_a_task_list_draws_the_nodes_its_tasks_run_on():
    w1, w2 = _node("w1"), _node("w2")
    listing = tasks.TaskList([_task("web", 1, "id-w1"), _task("web", 1, "id-w2", state="shutdown", desired="shutdown")],
                             "swarm", command="service ps", node_raws=[w1.raw, w2.raw])
    cluster = nodes.placed(listing).cluster
    assert [n.hostname for n in cluster.nodes] == ["w1", "w2"] and [t.name for t in cluster.on(cluster.nodes[0])] == ["web.1"]
    assert cluster.on(cluster.nodes[1]) == []  # what no longer runs is the table's, not the picture's
    assert 'class="dm-cluster"' in bundle(listing)["text/html"]
    assert "dm-cluster" not in bundle(tasks.TaskList([], "swarm"))["text/html"]  # --no-resolve: no nodes, no picture


def test_the_live_view_draws_the_picture_once_a_node_is_down():
    from dockermagic.views.swarm.service import ConvergenceView

    c = convergence.Convergence("web", nodes=[_node("a"), _node("b", state="down", message="heartbeat failure")])
    c.slots = {"1/2": convergence.Slot("1/2", "t1", "a", "running", "running", node_id="id-a", name="web.1"),
               "2/2": convergence.Slot("2/2", "t3", "a", "running", "running", node_id="id-a", name="web.2")}
    c.running = c.desired = 2
    service = services.Service("s1", "web", "replicated", 2, IMAGE, "", convergence=c)
    assert "dm-cluster" not in ConvergenceView.snapshot(service)["text/html"]  # nothing went down: no picture
    c.nodes_down = {"b": "heartbeat failure"}
    c.moved = [convergence.TaskMoved("web.2", "b", "a")]
    shown = ConvergenceView.snapshot(service)
    assert "node b is down: heartbeat failure -- the scheduler moves its tasks" in shown["text/plain"]
    assert "web.2 moved from b to a" in shown["text/plain"]
    html = shown["text/html"]
    assert 'class="dm-cluster"' in html and "web.2 moved from b to a" in html
    box_b = html.split("<b>b</b>", 1)[1]
    assert "no tasks" in box_b and "web.1" in html.split("<b>a</b>", 1)[1].split("<b>b</b>")[0]


# -- the shared swarm ----------------------------------------------------------------------------
@pytest.fixture
def spread_service(swarm):
    name = f"dmt-pic-{uuid.uuid4().hex[:6]}"
    swarm.cli("service", "create", "-d", "-q", "--name", name, "--replicas", "2", "--no-resolve-image", IMAGE, "sleep", "300")
    yield name
    swarm.cli("service", "rm", name, check=False)


def _running(swarm, name, count, timeout=30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        listed = swarm.cli("service", "ps", name, "--filter", "desired-state=running",
                           "--format", "{{.Name}} {{.Node}} {{.CurrentState}}").stdout
        placed = {w[0]: w[1] for w in (line.split() for line in listed.splitlines()) if w[2:3] == ["Running"]}
        if len(placed) >= count:
            return placed
        assert time.monotonic() < deadline, f"{name}: {placed}"
        time.sleep(0.3)


def test_node_ls_and_service_ps_draw_the_shared_swarm_with_the_tasks_where_they_run(ip, swarm, spread_service):
    placed = _running(swarm, spread_service, 2)
    for line in ("node ls", f"service ps {spread_service}"):
        listed = ip.run_line_magic("docker", f"-H {swarm.manager} {line}")
        cluster = listed.cluster
        names = {n.hostname for n in cluster.nodes}
        assert {"swarm-manager", "swarm-worker"} <= names, line
        for task, node in placed.items():  # each of ours in the box of the node the CLI names
            box = next(n for n in cluster.nodes if n.hostname == node)
            assert task in {t.name for t in cluster.on(box)}, (line, task, node)
        html = bundle(listed)["text/html"]
        assert html.count('class="dm-node"') == len(cluster.nodes) and "★ manager (Leader)" in html, line
        for task, node in placed.items():
            assert task in html.split(f"<b>{node}</b>", 1)[1].split('class="dm-node"', 1)[0], (line, task)
    # the text of node ls stays the CLI's table; the picture's text is the Cluster's
    listed = ip.run_line_magic("docker", f"-H {swarm.manager} node ls")
    assert bundle(listed)["text/plain"] == swarm.cli("node", "ls").stdout.rstrip("\n")
    text = bundle(listed.cluster)["text/plain"]
    for task, node in placed.items():
        assert f"  {task}  Running" in text.split(node, 1)[1].split("\nswarm-", 1)[0]
    # -q and --format print only what the CLI prints
    assert ip.run_line_magic("docker", f"-H {swarm.manager} node ls -q").text == swarm.cli("node", "ls", "-q").stdout


def test_a_large_swarm_draws_only_the_nodes_that_matter():
    many = [_node(f"n{i}") for i in range(nodes.PICTURE_NODES + 8)] + [_node("gone", state="down")]
    c = convergence.Convergence("web", nodes=many)
    c.slots = {"1/1": convergence.Slot("1/1", "t", "n3", "running", "running", node_id="id-n3", name="web.1")}
    assert [n.hostname for n in c.cluster.nodes] == ["n3", "gone"]
    listing = tasks.TaskList([_task("web", 1, "id-n5")], "swarm", node_raws=[n.raw for n in many])
    assert [n.hostname for n in nodes.placed(listing).cluster.nodes] == ["n5"]
