"""Tutorial command lines through `%docker`, parsed and not run: ../shared/corpus/cli_corpus.tsv
holds 2,324 `docker ...` lines from the shell blocks of public tutorials and of the docker CLI's
own reference.  Every in-scope line should parse as the magic it reaches parses it (nothing is
sent to an engine); the share that does is measured here, with what is still missing."""

from __future__ import annotations

import collections
import csv
import re
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from dockermagic.errors import DockerMagicError, InvalidInput
from dockermagic.magics.checks import UNSUPPORTED, check
from dockermagic.magics.run_args import IT_IN_NOTEBOOK

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cli_corpus.tsv"

# out of scope: swarm-only subcommands, plugins, Docker Scout, manifests, trust, checkpoints,
# Desktop's init and debug, Hub search, compose, buildx other than `buildx build`, and lines
# that need a shell (pipes, command substitution, &&)
OUT_OF_SCOPE = {"node", "secret", "config", "service", "stack", "swarm", "plugin", "scout", "manifest", "trust",
                "checkpoint", "init", "debug", "search", "compose"}
NEEDS_A_SHELL = re.compile(r"\||\$\(|`|&&")
# `docker run -it IMAGE sh` / `docker exec -it C bash`: a shell waiting for a person at a terminal,
# which a cell cannot be; refused on purpose, with the advice of what works instead
SHELL_REFUSED = "interactive shell (refused on purpose)"
FLOOR = 92.0  # measured: raise it as subcommands and options come
GOAL = 97.0


def in_scope_lines() -> list[tuple[str, str]]:
    if not CORPUS.exists():
        pytest.skip(f"no corpus at {CORPUS}")
    with CORPUS.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    lines = []
    for row in rows:
        line = row["line"]
        words = line.split()
        first = words[1] if len(words) > 1 else ""
        if NEEDS_A_SHELL.search(line) or first in OUT_OF_SCOPE:
            continue
        if first == "buildx" and (len(words) < 3 or words[2] != "build"):
            continue
        lines.append((row["subcommand"], line))
    return lines


def measure(shell):
    lines = in_scope_lines()
    missing: collections.Counter = collections.Counter()
    example: dict[str, str] = {}
    parsed = 0
    for sub, line in lines:
        try:
            check(shell, line)
            parsed += 1
        except (UsageError, DockerMagicError) as exc:
            key = SHELL_REFUSED if str(exc) == IT_IN_NOTEBOOK else sub
            missing[key] += 1
            example.setdefault(key, f"{line}  ->  {str(exc).splitlines()[0][:90]}")
    return len(lines), parsed, missing, example


@pytest.fixture(scope="module")
def measured(shell):
    return measure(shell)


def _report(measured) -> str:
    total, parsed, missing, example = measured
    top = "\n".join(f"  {count:4d} {sub}: {example[sub]}" for sub, count in missing.most_common(25))
    return f"{parsed}/{total} in-scope lines parse ({100 * parsed / total:.1f}%); missing, by lines blocked:\n{top}"


def test_in_scope_lines_parse_at_least_as_well_as_before(measured):
    total, parsed, _, _ = measured
    assert total > 1900, "the corpus or the scope rules changed"
    assert 100 * parsed / total >= FLOOR, _report(measured)
    print(_report(measured))


@pytest.mark.xfail(reason="about 5 % of the lines open an interactive shell (run -it IMAGE sh), which a cell "
                          "refuses on purpose; BuildKit-only build options and --platform on a 1.41 engine", strict=True)
def test_in_scope_lines_parse_as_the_goal_says(measured):
    total, parsed, _, _ = measured
    assert 100 * parsed / total >= GOAL, _report(measured)


def test_lines_a_notebook_can_serve_parse_as_the_goal_says(measured):
    """Every line but the interactive shells: at least GOAL % parse."""
    total, parsed, missing, _ = measured
    servable = total - missing[SHELL_REFUSED]
    assert missing[SHELL_REFUSED] < 0.06 * total, "more shell lines refused than an interactive shell accounts for"
    assert 100 * parsed / servable >= GOAL, _report(measured)


@pytest.mark.parametrize("line", [
    "docker network create -d bridge --subnet 192.168.1.0/24 --ip-range 192.168.1.0/28 --gateway 192.168.1.100 "
    "--aux-address DefaultGatewayIPv4=192.168.1.1 -o com.docker.network.bridge.name=brnet brnet",
    "docker network create -d overlay --opt encrypted net2",
    "docker network ls --format 'table {{.Name}}\\t{{.Driver}}'",
    "docker network inspect -f '{{range .Containers}}{{.IPv4Address}}{{end}}' mynet",
    "docker network connect --alias db --ip 10.1.1.5 mynet web",
    "docker system prune -a --volumes -f",
    "docker image prune -a --filter until=24h",
    "docker events --since 10m --until 0s --filter type=container --format '{{json .}}'",
    "docker -H tcp://127.0.0.1:2376 system df",
])
def test_lines_of_the_new_areas_parse(shell, line):
    check(shell, line)


@pytest.mark.parametrize("sub", sorted(UNSUPPORTED))
def test_out_of_scope_subcommands_say_why_in_one_line(shell, sub):
    with pytest.raises(InvalidInput) as err:
        check(shell, f"docker {sub} ls")
    message = str(err.value)
    assert message.startswith(f"'docker {sub}' is not supported here: it ") and "\n" not in message
    with pytest.raises(InvalidInput, match="not supported here"):
        shell.run_line_magic("docker", f"{sub} ls")


def test_checking_sends_nothing(shell, monkeypatch):
    import dockermagic.engine as engine

    monkeypatch.setattr(engine, "connect", lambda *a, **k: pytest.fail("check() reached for an engine"))
    check(shell, "docker network rm a b c")
    check(shell, "docker system prune -f")
    with pytest.raises(UsageError):
        check(shell, "docker network create")
