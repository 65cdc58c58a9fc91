"""Sizes (`--memory`, `--shm-size`, `--keep-storage`, the device rates) read as the docker CLI
reads them, with go-units' RAMInBytes: the same numbers for what it takes, a one-line error
naming the option for what it refuses (no engine needed)."""

import os
import shutil
import subprocess

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.opts.run_values import to_bytes

MIB, GIB = 1024 ** 2, 1024 ** 3

# what the CLI 28 takes, and the number RAMInBytes makes of it
TAKEN = {
    "512m": 512 * MIB, "512MiB": 512 * MIB, "512MB": 512 * MIB, "512 m": 512 * MIB, "1.5g": int(1.5 * GIB),
    "2p": 2 * 1024 ** 5, "2P": 2 * 1024 ** 5, "512kb": 512 * 1024, "512kib": 512 * 1024, "5 b": 5, "5.b": 5,
    "512": 512, "512 ": 512, "0": 0, "-0": 0, "0.5": 0, "1.9": 1, "+5": 5, ".5g": 512 * MIB, "5.": 5,
    "1e3k": 1024000, "1_000": 1000, "1e1_0": 10 ** 10, "0x1p4": 16, "0x_1p4": 16, "0x1.8p1k": 3 * 1024,
    "1.5 GiB": int(1.5 * GIB),
}
# what it refuses: a unit of two letters but `b`/`ib`, spaces around, a sign, not a Go float
REFUSED = ["512mi", "512i", "512ib", "512bb", "2e", "2x", "-1", " 512m", "512m ", "512  m", "1k5", "1.2.3", "1__0",
           "_1", "0x1", ".", "", " ", "abc", "1e400"]


@pytest.mark.parametrize("text, size", TAKEN.items())
def test_sizes_are_the_clis_numbers(text, size):
    assert to_bytes(text, "--memory") == size


@pytest.mark.parametrize("text", REFUSED)
def test_sizes_the_cli_refuses_are_one_line_errors_naming_the_option(text):
    with pytest.raises(InvalidInput) as info:
        to_bytes(text, "--keep-storage")
    assert str(info.value).startswith(f"--keep-storage {text!r}: ") and "\n" not in str(info.value)


def test_a_size_past_what_the_engine_takes_is_refused():
    # the CLI turns 1e30 into whatever int64(1e30) gives on the machine; refused here
    with pytest.raises(InvalidInput, match="--memory '1e30': "):
        to_bytes("1e30", "--memory")
    assert to_bytes("8191p", "--memory") == 8191 * 1024 ** 5


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI on PATH to compare with")
def test_the_cli_takes_and_refuses_the_same_sizes():
    # an engine address that answers nothing: the flag is read before any connection is tried
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")

    def refused(text: str) -> bool:
        proc = subprocess.run(["docker", "builder", "prune", "-f", "--keep-storage", text],
                              capture_output=True, text=True, env=env, timeout=30)
        return "invalid argument" in proc.stderr

    assert [t for t in TAKEN if refused(t)] == []
    assert [t for t in REFUSED if not refused(t)] == []
