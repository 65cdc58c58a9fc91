"""dockermagic's Dockerfile parse against BuildKit's own answers: every verdict of
corpus/dockerfiles/index.tsv (accepted, or refused at the line BuildKit names) and every
parser test file of BuildKit dumped exactly as BuildKit's `result` file shows it.

The corpus lives beside the project (../shared/corpus, or $DOCKERMAGIC_CORPUS); it is read,
never copied in."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from dockermagic.dockerfile.model import parse
from dockermagic.errors import DockerfileError

CORPUS = Path(os.environ.get("DOCKERMAGIC_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
INDEX = CORPUS / "dockerfiles" / "index.tsv"
TESTFILES = CORPUS / "buildkit-parser-testfiles"

pytestmark = pytest.mark.skipif(not INDEX.exists() and not os.environ.get("CI"), reason=f"no Dockerfile corpus at {CORPUS}")


def test_the_corpus_is_there():
    """In CI the corpus stands beside the checkout: without it nothing below would be compared."""
    assert INDEX.exists() and TESTFILES.is_dir(), f"no Dockerfile corpus at {CORPUS}"


def _rows() -> list[dict]:
    if not INDEX.exists():
        return []
    with INDEX.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def verdict(text: str) -> tuple[str, str | None, str]:
    """("accept" | "refuse", the line named or None, the message)."""
    try:
        parse(text)
    except DockerfileError as exc:
        line = re.match(r"line (\d+):", str(exc))
        return "refuse", line.group(1) if line else None, str(exc)
    return "accept", None, ""


def test_every_verdict_of_the_index_is_buildkits():
    rows = _rows()
    assert len(rows) == 125
    wrong = []
    for row in rows:
        text = (CORPUS / "dockerfiles" / row["name"] / "Dockerfile").read_text(encoding="utf-8")
        said, line, message = verdict(text)
        buildkit_line = re.search(r"line (\d+)", row["buildkit_says"])
        if said != row["expected"] or (buildkit_line and line != buildkit_line.group(1)):
            wrong.append(f"{row['name']}: BuildKit {row['buildkit_says']!r}, dockermagic {said} {message!r}")
    assert not wrong, f"{len(rows) - len(wrong)}/{len(rows)} agree; differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row["name"])
def test_verdict(row):
    text = (CORPUS / "dockerfiles" / row["name"] / "Dockerfile").read_text(encoding="utf-8")
    said, line, message = verdict(text)
    assert said == row["expected"], message or row["buildkit_says"]
    buildkit_line = re.search(r"line (\d+)", row["buildkit_says"])
    if buildkit_line:
        assert line == buildkit_line.group(1), message


def _testfiles() -> list[str]:
    return sorted(p.name for p in TESTFILES.iterdir() if (p / "result").exists()) if TESTFILES.exists() else []


def test_all_of_buildkits_parser_test_files_are_here():
    assert len(_testfiles()) == 33


@pytest.mark.parametrize("name", _testfiles())
def test_parser_testfile_dumps_as_buildkit_does(name):
    from dockermagic.dockerfile.parser import dump, parse_nodes

    text = (TESTFILES / name / "Dockerfile").read_text(encoding="utf-8")
    nodes, _, _ = parse_nodes(text)  # the parser alone: some of these files have no FROM
    assert "".join(dump(n) + "\n" for n in nodes) == (TESTFILES / name / "result").read_text(encoding="utf-8")
