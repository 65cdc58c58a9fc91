"""The docker CLI 28 is the oracle: for the same engine state, the objects dockermagic offers
after each subcommand are the names `docker __complete SUBCOMMAND ""` prints.

The test makes what it compares -- a running, a paused, an exited and a created container, an
image, a network and a volume, all named with its own prefix -- and compares only names with
that prefix (the engine is shared: other objects come and go while it runs).  The swarm's
nodes and services are compared with `-H <manager>` on both sides."""

from __future__ import annotations

import os
import subprocess

import pytest
from IPython.core.completer import provisionalcompleter

from dockermagic.completion.listings import LISTINGS

pytestmark = pytest.mark.engine

DOCKER = "/usr/local/bin/docker"
NOTHING = "nothing to complete"

CONTAINERS = ["stop", "kill", "top", "stats", "port", "wait", "commit", "diff", "logs", "rename", "restart", "export",
              "update", "rm", "start", "exec", "attach", "pause", "unpause", "container inspect", "container stop",
              "container rm", "container start", "container logs", "container restart", "container export"]
IMAGES = ["rmi", "history", "push", "save", "tag", "create", "run", "image rm", "image history", "image inspect",
          "image push", "image save", "image tag"]
OTHERS = ["network rm", "network inspect", "network connect", "network disconnect", "volume rm", "volume inspect",
          "inspect", "cp", "context use", "context inspect", "context rm"]


def cli(*words: str, host: str | None = None) -> set[str]:
    """The names `docker __complete WORDS ""` prints (each line's name before a tab; the `:N` directive left out)."""
    args = [DOCKER, *(["-H", host] if host else []), "__complete", *words, ""]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, env=dict(os.environ))
    names = {line.split("\t")[0] for line in proc.stdout.splitlines() if line and not line.startswith(":")}
    return {name for name in names if name != "<none>:<none>"}  # an untagged image has no name to type


def ours(ip, line: str) -> set[str]:
    with provisionalcompleter():
        found = list(ip.Completer.completions(line, len(line)))
    return {c.text for c in found if c.type != NOTHING}


@pytest.fixture(scope="module")
def state(engine):
    """Containers in each state, an image, a network and a volume, all named `dmcpl<unique>...`;
    made once for the module (four containers per comparison would be most of its time)."""
    import uuid

    import docker

    prefix = f"dmcpl{uuid.uuid4().hex[:8]}"
    api = engine.api
    containers = [f"{prefix}-{state_}" for state_ in ("running", "paused", "exited", "created")]
    network = volume = None
    try:
        api.tag("busybox:latest", f"{prefix}/img", "1")
        for name in containers:
            exits = name.endswith("exited")
            api.create_container("busybox:latest", ["true"] if exits else ["sleep", "600"], name=name)
            if not name.endswith("created"):
                api.start(name)
        api.pause(f"{prefix}-paused")
        api.wait(f"{prefix}-exited", timeout=30)
        network = api.create_network(f"{prefix}-net")["Id"]
        volume = api.create_volume(f"{prefix}-vol")["Name"]
        api.connect_container_to_network(f"{prefix}-running", network)
        LISTINGS.forget()
        for kind in ("containers", "images", "networks", "volumes"):
            LISTINGS.rows(kind, wait=30)
        yield prefix
    finally:
        for name in containers:
            try:
                api.remove_container(name, force=True, v=True)
            except docker.errors.NotFound:
                pass
        for remove, what in ((api.remove_network, network), (api.remove_volume, volume),
                             (api.remove_image, f"{prefix}/img:1")):
            if what:
                try:
                    remove(what)
                except docker.errors.NotFound:
                    pass
        LISTINGS.forget()


def _line(words: str) -> str:
    return f"%docker {words} "


@pytest.mark.parametrize("words", CONTAINERS + IMAGES + OTHERS)
def test_object_candidates_are_the_clis(ip, state, words):
    expected = {name for name in cli(*words.split()) if state in name}
    got = {name for name in ours(ip, _line(words)) if state in name}
    assert got == expected
    if words in CONTAINERS or words in IMAGES or words.startswith(("network", "volume")) and words != "network ls":
        assert expected or words in ("network connect",), f"the CLI offers none of this test's objects after {words!r}"


@pytest.mark.parametrize("words", ["network connect", "network disconnect"])
def test_containers_after_a_network_are_the_clis(ip, state, words):
    for network in ("bridge", f"{state}-net"):
        expected = {name for name in cli(*words.split(), network) if state in name}
        assert {name for name in ours(ip, f"%docker {words} {network} ") if state in name} == expected


def test_containers_in_each_state(ip, state):
    def names(words):
        return sorted(n.removeprefix(f"{state}-") for n in ours(ip, _line(words)) if n.startswith(state))

    assert names("stop") == ["paused", "running"]
    assert names("start") == ["created", "exited"]
    assert names("exec") == ["running"]
    assert names("unpause") == ["paused"]
    assert names("logs") == ["created", "exited", "paused", "running"]
    assert names("rm") == ["created", "exited"]
    assert names("rm -f") == ["created", "exited", "paused", "running"]


def test_option_values_are_the_clis(ip, state):
    for words in (["run", "--volumes-from"], ["run", "--network"], ["create", "--network"]):
        expected = {name for name in cli(*words) if state in name}
        assert {n for n in ours(ip, _line(" ".join(words))) if state in n} == expected
        assert expected
    assert set(cli("run", "--platform")) == ours(ip, "%docker run --platform ")
    assert set(cli("run", "--restart")) == ours(ip, "%docker run --restart ")
    assert set(cli("run", "--pull")) == ours(ip, "%docker run --pull ")
    assert set(cli("run", "--cap-add")) == ours(ip, "%docker run --cap-add ")
    assert set(cli("run", "--stop-signal")) == ours(ip, "%docker run --stop-signal ")
    assert set(cli("run", "--log-driver")) <= ours(ip, "%docker run --log-driver ")


def test_pull_offers_local_images_where_the_cli_offers_none(ip, state):
    """A deliberate difference: the CLI completes nothing after `pull`; a local image is the one
    most often pulled again (a newer version of what is here)."""
    assert cli("pull") == set()
    assert f"{state}/img:1" in ours(ip, "%docker pull ")


# -- the swarm, with -H on the line -----------------------------------------------------------
SWARM = ["node inspect", "node ps", "node rm", "node update", "node promote", "node demote", "service inspect",
         "service logs", "service ps", "service rm", "service update", "service rollback", "service scale",
         "stack ps", "stack rm", "stack services"]


@pytest.mark.parametrize("words", SWARM)
def test_swarm_candidates_from_the_manager_are_the_clis(ip, swarm, words):
    LISTINGS.forget()
    before = cli(*words.split(), host=swarm.manager)
    got = ours(ip, f"%docker -H {swarm.manager} {words} ")
    if not got and before:  # the first Tab may not wait for the listing: the next one has it
        LISTINGS.rows("nodes" if words.startswith("node") else "services", host=swarm.manager, wait=30)
        got = ours(ip, f"%docker -H {swarm.manager} {words} ")
    after = cli(*words.split(), host=swarm.manager)
    assert before & after <= got <= before | after  # services of other tests may come and go meanwhile
    if words.startswith("node"):
        assert {"self", "swarm-manager", "swarm-worker"} <= got


def test_the_default_engine_is_not_the_swarm(ip, swarm):
    """Without -H the listing is the default engine's, which is in no swarm: no nodes."""
    LISTINGS.forget()
    LISTINGS.rows("nodes", wait=30)
    assert ours(ip, "%docker node inspect ") == set()
    LISTINGS.rows("nodes", host=swarm.manager, wait=30)
    assert "swarm-worker" in ours(ip, f"%docker_node -H {swarm.manager} inspect ")


def test_local_images_in_dockerfile_and_compose_cells(ip, state):
    image = f"{state}/img:1"
    assert image in ours(ip, f"%%dockerfile\nFROM {state}")
    assert image in ours(ip, f"%%dockerfile\nFROM --platform=linux/amd64 {state}")
    assert "scratch" in ours(ip, "%%dockerfile\nFROM ")
    assert ours(ip, f"%%compose\nservices:\n  web:\n    image: {state}") == {image}
    expected = {name for name in cli("run") if name.startswith(state)}
    assert {name for name in ours(ip, "%%dockerfile\nFROM ") if name.startswith(state)} == expected == {image}
