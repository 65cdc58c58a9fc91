"""The doors to Compose: `%docker compose`, `%docker_compose` and `%docker-compose` reach the
same subcommands; what stays out is refused in one line saying why; Compose's global flags are
read before the subcommand.  Nothing here needs an engine."""

from __future__ import annotations

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.magics.checks import check
from dockermagic.magics.compose.base import REFUSED, split_global


@pytest.mark.parametrize("name", ["watch", "alpha", "bridge", "publish"])
def test_what_stays_out_is_refused_in_one_line_saying_why(ip, name):
    with pytest.raises(InvalidInput) as caught:
        ip.run_line_magic("docker", f"compose {name}")
    message = str(caught.value)
    assert "\n" not in message and f"'docker compose {name}' is not supported here: it " in message
    assert REFUSED[name] in message


@pytest.mark.parametrize("magic, line", [("docker", "compose frobnicate"), ("docker_compose", "frobnicate"),
                                         ("docker-compose", "frobnicate")])
def test_every_door_reaches_the_same_subcommands(ip, magic, line):
    with pytest.raises(InvalidInput, match="'docker compose frobnicate' is not a compose subcommand; supported: "):
        ip.run_line_magic(magic, line)


def test_compose_alone_lists_the_subcommands_and_global_flags(ip, capsys):
    assert ip.run_line_magic("docker", "compose") is None
    out = capsys.readouterr().out
    assert out.startswith("usage: %docker compose [GLOBAL FLAGS] SUBCOMMAND")
    assert "--project-directory" in out


def test_global_flags_are_read_before_the_subcommand():
    flags, words = split_global(["-f", "a.yaml", "--file=b.yaml", "-p", "demo", "--env-file", ".env.test",
                                 "--profile", "debug", "--project-directory", "app", "--parallel", "2",
                                 "up", "-d", "-f"])
    assert flags.files == ["a.yaml", "b.yaml"] and flags.project_name == "demo"
    assert flags.env_files == [".env.test"] and flags.profiles == ["debug"] and flags.project_directory == "app"
    assert words == ["up", "-d", "-f"]


@pytest.mark.parametrize("words, message", [
    (["--verbose", "up"], "unknown flag '--verbose' for docker compose"),
    (["-p"], "flag -p needs an argument"),
    (["--parallel", "many", "up"], "--parallel takes a number"),
])
def test_bad_global_flags_are_one_line(words, message):
    with pytest.raises(InvalidInput, match=message):
        split_global(words)


def test_a_compose_line_is_checked_without_running(shell):
    with pytest.raises(InvalidInput, match="not supported here"):
        check(shell, "docker compose watch")
