"""The two-node swarm `scripts/engine up swarm` gives the tests: a manager and a worker that
reach each other, a registry both pull from, and the default engine left out of it."""

import pytest


def test_the_swarm_has_a_manager_and_a_worker_and_the_default_engine_stays_out(swarm, engine):
    nodes = {n["Description"]["Hostname"]: n for n in swarm.manager_engine.api.nodes()}
    assert set(nodes) == {"swarm-manager", "swarm-worker"}
    assert nodes["swarm-manager"]["Spec"]["Role"] == "manager"
    assert nodes["swarm-worker"]["Spec"]["Role"] == "worker"
    assert all(n["Status"]["State"] == "ready" for n in nodes.values())
    assert engine.api.info()["Swarm"]["LocalNodeState"] == "inactive"


@pytest.mark.parametrize("on", ["manager", "worker"])
def test_both_nodes_have_busybox_and_reach_the_registry(swarm, on):
    assert swarm.cli("image", "inspect", "busybox:latest", "--format", "{{.Id}}", on=on).stdout.startswith("sha256:")
    assert swarm.registry in swarm.cli("info", "--format", "{{json .RegistryConfig.IndexConfigs}}", on=on).stdout
