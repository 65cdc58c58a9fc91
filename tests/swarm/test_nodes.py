"""`%docker node ...` on the real two-node swarm, against the docker CLI on the same manager:
the CLI sees what the magics changed and the other way round; listings and `--format` agree."""

from __future__ import annotations

import json

import pytest

from dockermagic.swarm.cluster import NotAManager, SwarmError
from dockermagic.swarm.nodes import Cluster, NodeList
from dockermagic.swarm.tasks import TaskList
from dockermagic.views.formatters import bundle


def docker(ip, swarm, line, on="manager"):
    host = swarm.manager if on == "manager" else swarm.worker if on == "worker" else on
    return ip.run_line_magic("docker", f"-H {host} {line}")


@pytest.mark.parametrize("args", ["", "--format '{{json .}}'", "--format json", "-q", "--filter role=worker",
                                  "--format '{{.ID}}: {{.Hostname}} {{.TLSStatus}}'", "-f role=manager -q",
                                  "--format 'table {{.Hostname}}\\t{{.Status}}\\t{{.ManagerStatus}}'"])
def test_node_ls_prints_what_the_cli_prints(ip, swarm, args):
    import shlex

    mine = docker(ip, swarm, f"node ls {args}")
    text = bundle(mine)["text/plain"] if isinstance(mine, NodeList) else mine.text
    assert text.rstrip("\n") == swarm.cli("node", "ls", *shlex.split(args)).stdout.rstrip("\n")


def test_node_ls_is_a_table_and_a_cluster_picture(ip, swarm):
    listed = docker(ip, swarm, "node ls")
    assert isinstance(listed, NodeList) and sorted(listed.names) == ["swarm-manager", "swarm-worker"]
    html = bundle(listed)["text/html"]
    assert html.count('class="dm-node"') == 2 and "manager (Leader)" in html and "Ready" in html


@pytest.mark.parametrize("ref", ["self", "swarm-worker"])
def test_node_inspect_pretty_and_format_are_the_clis(ip, swarm, ref):
    assert docker(ip, swarm, f"node inspect --pretty {ref}").text == swarm.cli("node", "inspect", "--pretty", ref).stdout
    assert docker(ip, swarm, f"node inspect --format=pretty {ref}").text == swarm.cli("node", "inspect", "--pretty", ref).stdout
    template = "{{.Spec.Role}} {{.Status.Addr}} {{ .ManagerStatus }}"
    assert docker(ip, swarm, f"node inspect -f '{template}' {ref}").text == swarm.cli("node", "inspect", "-f", template, ref).stdout
    assert json.loads(docker(ip, swarm, f"node inspect --format json {ref}").text)[0]["ID"] == \
        json.loads(swarm.cli("node", "inspect", ref).stdout)[0]["ID"]


def test_labels_added_by_the_magic_are_the_clis_and_the_other_way_round(ip, swarm, swarm_made, unique):
    worker = swarm.node_id("worker")
    key = swarm_made.label(worker, f"dm-zone-{unique}")
    change = docker(ip, swarm, f"node update --label-add {key}=a swarm-worker")
    assert repr(change) == "swarm-worker"
    assert json.loads(swarm.cli("node", "inspect", "-f", "{{json .Spec.Labels}}", "swarm-worker").stdout)[key] == "a"
    assert docker(ip, swarm, f"node ls -q --filter node.label={key}=a").text == worker + "\n"
    other = swarm_made.label(worker, f"dm-cli-{unique}")
    swarm.cli("node", "update", "--label-add", f"{other}=b", "swarm-worker")
    assert docker(ip, swarm, "node inspect swarm-worker").labels[other] == "b"
    docker(ip, swarm, f"node update --label-rm {key} --label-rm {other} swarm-worker")
    assert key not in swarm.cli("node", "inspect", "-f", "{{json .Spec.Labels}}", "swarm-worker").stdout
    with pytest.raises(SwarmError, match=f"key {key} doesn't exist in node's labels"):
        docker(ip, swarm, f"node update --label-rm {key} swarm-worker")


def test_availability_drain_and_back_as_the_cli_sees_it(ip, swarm):
    try:
        docker(ip, swarm, "node update --availability drain swarm-worker")
        assert swarm.cli("node", "ls", "--filter", "name=swarm-worker", "--format", "{{.Availability}}").stdout == "Drain\n"
        assert "Drain" in bundle(docker(ip, swarm, "node ls"))["text/html"]
    finally:
        swarm.cli("node", "update", "--availability", "active", "swarm-worker")
    assert docker(ip, swarm, "node inspect swarm-worker").availability == "active"


def _demote(ip, swarm, timeout=30):
    """Demote the worker back; a manager just promoted is refused until it is in the raft (the CLI
    too).  With two managers the raft may also answer "update out of sequence" for a demotion it
    then makes: a retry that finds it done returns None."""
    import time

    deadline, refused = time.monotonic() + timeout, False
    while True:
        try:
            done = docker(ip, swarm, "node demote swarm-worker")
            return None if refused and repr(done).endswith("is already a worker.") else done
        except SwarmError:
            if time.monotonic() > deadline:
                raise
            refused = True
            time.sleep(0.5)


def test_promote_and_demote_say_what_the_cli_says(ip, swarm):
    worker = swarm.node_id("worker")
    try:
        assert repr(docker(ip, swarm, "node promote swarm-worker")) == "Node swarm-worker promoted to a manager in the swarm."
        assert swarm.cli("node", "inspect", "-f", "{{.Spec.Role}}", "swarm-worker").stdout == "manager\n"
        assert repr(docker(ip, swarm, "node promote swarm-worker")) == f"Node {worker} is already a manager."
    finally:
        demoted = _demote(ip, swarm)
    assert demoted is None or repr(demoted) == "Manager swarm-worker demoted in the swarm."
    assert swarm.cli("node", "inspect", "-f", "{{.Spec.Role}}", "swarm-worker").stdout == "worker\n"
    assert repr(docker(ip, swarm, "node demote swarm-worker")) == f"Node {worker} is already a worker."


def test_a_manager_command_sent_to_a_worker_or_a_lone_engine_says_which_and_what_to_do(ip, swarm, engine2_address):
    with pytest.raises(NotAManager) as err:
        docker(ip, swarm, "node ls", on="worker")
    assert swarm.worker in str(err.value) and "is a swarm worker" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(NotAManager) as err:
        docker(ip, swarm, "secret ls", on=engine2_address)
    assert f"{engine2_address} is not in a swarm" in str(err.value) and "swarm init" in str(err.value)


def test_an_unknown_node_is_one_line(ip, swarm):
    with pytest.raises(SwarmError) as err:
        docker(ip, swarm, "node inspect no-such-node")
    cli = swarm.cli("node", "inspect", "no-such-node", check=False).stderr.strip().removeprefix("Error response from daemon: ")
    assert str(err.value) == f"node inspect no-such-node: {cli}"


@pytest.fixture
def service_on_worker(swarm, unique):
    """A service (made with the CLI) whose two tasks run on the worker."""
    name = f"dm-nodeps-{unique}"
    swarm.cli("service", "create", "--detach", "--name", name, "--replicas", "2", "--constraint",
              "node.hostname==swarm-worker", "busybox:latest", "sleep", "600")
    yield name
    swarm.cli("service", "rm", name, check=False)


def _wait_running(swarm, name, count, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = swarm.cli("service", "ps", name, "--format", "{{.CurrentState}}").stdout.split("\n")
        if sum(s.startswith("Running") for s in states) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} did not run {count} tasks in {timeout}s")


def test_node_ps_lists_the_tasks_the_cli_lists_and_the_picture_draws_them(ip, swarm, service_on_worker):
    _wait_running(swarm, service_on_worker, 2)
    fmt = "{{.Name}} {{.Image}} {{.Node}} {{.DesiredState}} {{.Error}}"
    mine = docker(ip, swarm, f"node ps --format '{fmt}' swarm-worker").text
    assert mine == swarm.cli("node", "ps", "--format", fmt, "swarm-worker").stdout
    assert {f"{service_on_worker}.1", f"{service_on_worker}.2"} <= {line.split()[0] for line in mine.splitlines()}
    ids = docker(ip, swarm, f"node ps -q --filter name={service_on_worker} swarm-worker").text
    assert sorted(ids.split()) == sorted(swarm.cli("node", "ps", "-q", "--filter", f"name={service_on_worker}",
                                                   "swarm-worker").stdout.split())
    listed = docker(ip, swarm, "node ps swarm-worker")
    assert isinstance(listed, TaskList) and "Running" in bundle(listed)["text/plain"]
    from dockermagic.swarm.nodes import cluster

    picture = cluster(swarm.manager_engine)
    assert isinstance(picture, Cluster)
    worker = next(n for n in picture.nodes if n.hostname == "swarm-worker")
    assert {t.name for t in picture.on(worker)} >= {f"{service_on_worker}.1", f"{service_on_worker}.2"}
    text = bundle(picture)["text/plain"]
    assert f"  {service_on_worker}.1  " in text.split("swarm-worker", 1)[1]
