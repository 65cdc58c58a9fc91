"""Docker CLI spellings that reach an existing magic, or are refused with the reason, on the real engine."""

from __future__ import annotations

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.magics.checks import check
from dockermagic.magics.dispatch import resolve

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("line", ["remove --force c1", "container remove --force c1", "container rm c1", "rm c1"])
def test_remove_is_rm_as_in_cli_28(ip, line):
    assert resolve(ip, line)[0] == "docker_rm"
    assert check(ip, f"docker {line}").force is (("--force" in line) or False)


def test_docker_remove_removes(ip, engine, made, unique):
    name = made.container(f"dm-remove-{unique}")
    engine.api.create_container("busybox", "true", name=name)
    ip.run_line_magic("docker", f"remove --force {name}")
    assert not engine.api.containers(all=True, filters={"name": f"^/{name}$"})


def test_start_checkpoint_is_refused_with_its_reason(ip, engine, made, unique):
    name = made.container(f"dm-checkpoint-{unique}")
    engine.api.create_container("busybox", "true", name=name)
    assert check(ip, f"docker start --checkpoint checkpoint1 {name}") is not None
    with pytest.raises(InvalidInput, match="checkpoints are experimental CRIU"):
        ip.run_line_magic("docker", f"start --checkpoint checkpoint1 {name}")
    assert engine.api.inspect_container(name)["State"]["Status"] == "created"  # not started
