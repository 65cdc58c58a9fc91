"""The tutorial lines of ../shared/corpus/cli_corpus.tsv for `swarm`, `node`, `secret` and
`config` (docker/labs, container.training, docker_practice, the CLI's reference) parse as
`%docker` reads them, nothing sent."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dockermagic.magics.checks import check

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "cli_corpus.tsv"
NEEDS_A_SHELL = re.compile(r"\||\$\(|`|&&")


def lines() -> list[str]:
    if not CORPUS.exists():
        return []
    with CORPUS.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r["line"] for r in rows if r["subcommand"].split()[0] in ("swarm", "node", "secret", "config")
            and not NEEDS_A_SHELL.search(r["line"])]


@pytest.mark.parametrize("line", lines() or [pytest.param("", marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))])
def test_every_swarm_tutorial_line_parses(shell, line, monkeypatch):
    import dockermagic.engine.connection as engine

    monkeypatch.setattr(engine, "connect", lambda *a, **k: pytest.fail("check() reached for an engine"))
    assert check(shell, line) is not None


def test_the_corpus_has_the_swarm_lines():
    assert len(lines()) >= 100 or not CORPUS.exists()
