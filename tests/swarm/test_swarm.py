"""`%docker swarm ...` on the real two-node swarm, against the docker CLI: tokens, the CA, settings,
autolock, and a worker that leaves, makes a swarm of its own, leaves it and joins back.  The
default engine stays out of every swarm."""

from __future__ import annotations

import time

import pytest

from dockermagic.swarm.cluster import NotAManager, SwarmChange, SwarmInfo


def docker(ip, swarm, line, on="manager"):
    return ip.run_line_magic("docker", f"-H {swarm.manager if on == 'manager' else swarm.worker} {line}")


@pytest.mark.parametrize("args", ["worker", "manager", "-q worker", "-q manager"])
def test_join_token_is_the_clis(ip, swarm, args):
    assert docker(ip, swarm, f"swarm join-token {args}").text == swarm.cli("swarm", "join-token", *args.split()).stdout


def test_ca_and_inspect_agree_with_the_cli(ip, swarm):
    assert docker(ip, swarm, "swarm ca").text == swarm.cli("swarm", "ca").stdout
    info = docker(ip, swarm, "swarm inspect")
    assert isinstance(info, SwarmInfo) and info.nodes == 2 and info.managers == 1 and "JoinTokens" not in info.raw
    assert info.id == swarm.cli("info", "--format", "{{.Swarm.Cluster.ID}}").stdout.strip()
    assert docker(ip, swarm, "swarm inspect --format '{{.Spec.Orchestration.TaskHistoryRetentionLimit}}'").text == \
        swarm.cli("info", "--format", "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}}").stdout


def test_update_changes_what_the_cli_reads(ip, swarm):
    before = swarm.cli("info", "--format", "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}}").stdout.strip()
    try:
        assert repr(docker(ip, swarm, "swarm update --task-history-limit 7")) == "Swarm updated."
        assert swarm.cli("info", "--format", "{{.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit}}").stdout == "7\n"
    finally:
        swarm.cli("swarm", "update", "--task-history-limit", before)


def test_autolock_gives_the_key_the_cli_gives(ip, swarm):
    try:
        change = docker(ip, swarm, "swarm update --autolock=true")
        key = swarm.cli("swarm", "unlock-key", "-q").stdout.strip()
        assert key.startswith("SWMKEY-") and key in change.text
        assert docker(ip, swarm, "swarm unlock-key -q").text == key + "\n"
        assert docker(ip, swarm, "swarm unlock-key").text == swarm.cli("swarm", "unlock-key").stdout
    finally:
        swarm.cli("swarm", "update", "--autolock=false")
    with pytest.raises(Exception, match="no unlock key is set"):
        docker(ip, swarm, "swarm unlock-key")


def test_a_worker_cannot_hand_out_tokens(ip, swarm):
    with pytest.raises(NotAManager, match="is a swarm worker"):
        docker(ip, swarm, "swarm join-token worker", on="worker")


def _wait(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s")
        time.sleep(0.5)


def test_the_worker_leaves_makes_a_swarm_of_its_own_and_joins_back(ip, swarm, engine):
    old = swarm.node_id("worker")
    token = swarm.cli("swarm", "join-token", "-q", "worker").stdout.strip()
    try:
        assert repr(docker(ip, swarm, "swarm leave", on="worker")) == "Node left the swarm."
        with pytest.raises(NotAManager, match="is not in a swarm"):
            docker(ip, swarm, "swarm leave", on="worker")
        made = docker(ip, swarm, f"swarm init --advertise-addr {swarm.worker_addr} --listen-addr {swarm.worker_addr}:2377",
                      on="worker")
        assert isinstance(made, SwarmChange) and made.text.startswith(f"Swarm initialized: current node ({made.node_id})")
        assert "docker swarm join --token SWMTKN-1-" in made.text and f"{swarm.worker_addr}:2377" in made.text
        assert swarm.cli("node", "ls", "-q", on="worker").stdout.strip() == made.node_id
        assert repr(docker(ip, swarm, "swarm leave --force", on="worker")) == "Node left the swarm."
        joined = docker(ip, swarm, f"swarm join --token {token} --advertise-addr {swarm.worker_addr} "
                                   f"--listen-addr {swarm.worker_addr}:2377 {swarm.manager_addr}:2377", on="worker")
        assert repr(joined) == "This node joined a swarm as a worker."
    finally:
        if swarm.cli("info", "--format", "{{.Swarm.LocalNodeState}}", on="worker").stdout.strip() != "active" or \
                swarm.cli("info", "--format", "{{.Swarm.ControlAvailable}}", on="worker").stdout.strip() == "true":
            swarm.cli("swarm", "leave", "--force", on="worker", check=False)
            swarm.cli("swarm", "join", "--token", token, "--advertise-addr", swarm.worker_addr, "--listen-addr",
                      f"{swarm.worker_addr}:2377", f"{swarm.manager_addr}:2377", on="worker")
        _wait(lambda: swarm.cli("node", "inspect", "-f", "{{.Status.State}}", old, check=False).stdout.strip() == "down",
              "the old worker node shows down")
        removed = docker(ip, swarm, f"node rm {old}")
    assert repr(removed) == old
    new = swarm.node_id("worker")
    _wait(lambda: swarm.cli("node", "inspect", "-f", "{{.Status.State}}", new).stdout.strip() == "ready", "the worker is ready")
    assert sorted(swarm.cli("node", "ls", "--format", "{{.Hostname}}").stdout.split()) == ["swarm-manager", "swarm-worker"]
    assert engine.api.info()["Swarm"]["LocalNodeState"] == "inactive"  # the default engine: never in a swarm
