"""Tutorial command lines through `%docker`, parsed and not run: ../shared/corpus/cli_corpus.tsv
holds 2,324 `docker ...` lines from the shell blocks of public tutorials and of the docker CLI's
own reference.  Every in-scope line should parse as the magic it reaches parses it (nothing is
sent to an engine); the share that does is measured here, with what is still missing.  Lines
are read as sh reads them (`$(...)`, pipes, `&&`, redirections): the 131 that need a shell are
measured on their own too (issue 23)."""

from __future__ import annotations

import collections
import csv
import os
import re
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from dockermagic.errors import DockerMagicError, InvalidInput
from dockermagic.magics.checks import ASSUMED, check
from dockermagic.magics.dispatch import UNSUPPORTED
from dockermagic.magics.run_args import IT_IN_NOTEBOOK
from dockermagic.magics.shell.reader import Sub, parse

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "cli_corpus.tsv"

# out of scope: swarm-only subcommands, plugins, Docker Scout, manifests, trust, checkpoints,
# Desktop's init and debug, Hub search, buildx other than `buildx build`
OUT_OF_SCOPE = {"node", "secret", "config", "service", "stack", "swarm", "plugin", "scout", "manifest", "trust",
                "checkpoint", "init", "debug", "search"}
FLOOR = 99.0  # measured 99.2 % (2103 of 2121, shell lines included): raise it as subcommands and options come
GOAL = 97.0
SHELL_GOAL = 95.0  # measured 95.4 % (125 of 131): the 6 left are swarm (5) and a `&` (refused: a cell waits)


def rows() -> list[dict]:
    if not CORPUS.exists():
        pytest.skip(f"no corpus at {CORPUS}")
    with CORPUS.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def needs_a_shell(line: str) -> bool:
    """A pipe, a sequence, a redirection, a `&` or a command substitution: what sh, not the CLI, reads."""
    try:
        program = parse(line)
    except InvalidInput:
        return True
    return program.simple() is None or any(isinstance(part, Sub) for _, pipeline in program.steps
                                           for command in pipeline for word in command.words for part in word.parts)


def in_scope_lines() -> list[tuple[str, str]]:
    lines = []
    for row in rows():
        line = row["line"]
        words = line.split()
        first = words[1] if len(words) > 1 else ""
        if first in OUT_OF_SCOPE:
            continue
        if first == "buildx" and (len(words) < 3 or words[2] != "build"):
            continue
        lines.append((row["subcommand"], line))
    return lines


def shell_lines() -> list[tuple[str, str]]:
    return [(row["subcommand"], row["line"]) for row in rows() if needs_a_shell(row["line"])]


def measure(shell, lines=None):
    lines = in_scope_lines() if lines is None else lines
    missing: collections.Counter = collections.Counter()
    example: dict[str, str] = {}
    parsed = 0
    for sub, line in lines:
        try:
            check(shell, line)
            parsed += 1
        except (UsageError, DockerMagicError) as exc:
            missing[sub] += 1
            example.setdefault(sub, f"{line}  ->  {str(exc).splitlines()[0][:90]}")
    return len(lines), parsed, missing, example


@pytest.fixture(scope="module")
def measured(shell):
    return measure(shell)


def _report(measured) -> str:
    total, parsed, missing, example = measured
    top = "\n".join(f"  {count:4d} {sub}: {example[sub]}" for sub, count in missing.most_common(25))
    return f"{parsed}/{total} in-scope lines parse ({100 * parsed / total:.1f}%); missing, by lines blocked:\n{top}"


def test_the_lines_that_need_a_shell_run_as_sh_reads_them(shell):
    """Issue 23's 131: `$(pwd)`, `$(docker ...)`, pipes, `&&`, redirections.  Each docker command
    of a line (in its `$(...)`, after `| xargs`) parses as its magic parses it."""
    measured = measure(shell, shell_lines())
    total, parsed, missing, _ = measured
    assert total == 131, "the corpus or the reading of its lines changed"
    assert 100 * parsed / total >= SHELL_GOAL, _report(measured)
    assert set(missing) <= {"secret rm", "config inspect", "inspect", "run"}, _report(measured)  # swarm, the `&`
    print(_report(measured))


def test_in_scope_lines_parse_at_least_as_well_as_before(measured):
    total, parsed, _, _ = measured
    assert total > 1900, "the corpus or the scope rules changed"
    assert 100 * parsed / total >= FLOOR, _report(measured)
    print(_report(measured))


def test_in_scope_lines_parse_as_the_goal_says(measured):
    """Interactive shells (`run -it IMAGE sh`, `exec -it C bash`) included: a cell types into them
    where what is typed can be read, and a headless run refuses them when it runs."""
    total, parsed, _, _ = measured
    assert 100 * parsed / total >= GOAL, _report(measured)


def interactive_shell_lines(shell) -> list[str]:
    """The corpus's `-it` lines that open an interactive shell named on the line."""
    from dockermagic.magics.run_args import is_shell

    found = []
    for sub, line in in_scope_lines():
        if sub not in ("run", "exec"):
            continue
        try:
            parsed = check(shell, line)
        except (UsageError, DockerMagicError):
            continue
        if parsed is None:  # --help
            continue
        args, command = parsed
        if args.tty and args.interactive and not getattr(args, "detach", False) and is_shell(command):
            found.append(line)
    return found


def test_a_headless_run_refuses_every_interactive_shell_line_before_reaching_the_engine(shell, monkeypatch):
    """No kernel and no tty here, as in nbclient's "Run All": the line is refused with the
    advice of what works, before an engine is even asked (nothing is created).  A `$CAP` the
    tutorial set is set here too (unset, sh would read `--cap-drop alpine sh`)."""
    import dockermagic.engine.connection as engine

    lines = interactive_shell_lines(shell)
    for name in {n for line in lines for n in re.findall(r"\$\{?([A-Za-z_]\w*)", line)} - set(os.environ):
        monkeypatch.setenv(name, ASSUMED)
    assert len(lines) > 50, "the corpus's interactive shell lines are no longer found"
    monkeypatch.setattr(engine, "connect", lambda *a, **k: pytest.fail("reached for an engine"))
    for line in lines:
        with pytest.raises(InvalidInput) as err:
            shell.run_line_magic("docker", re.sub(r"^\s*docker\s+", "", line))
        assert str(err.value) == IT_IN_NOTEBOOK, line


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
    import dockermagic.engine.connection as engine

    monkeypatch.setattr(engine, "connect", lambda *a, **k: pytest.fail("check() reached for an engine"))
    check(shell, "docker network rm a b c")
    check(shell, "docker system prune -f")
    with pytest.raises(UsageError):
        check(shell, "docker network create")
