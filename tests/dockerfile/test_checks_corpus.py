"""BuildKit's build checks on the corpus's real Dockerfiles (../shared/corpus/dockerfiles): every
file BuildKit accepts is checked without an error, each warning names a known rule and a line of
its file, and the per-rule count of files that warn is kept above a floor (run this module
with `-s` for the table).  Checked as `docker build --check` without an engine: base images'
ENV unknown (so UndefinedVar only where a stage starts from scratch or another stage), no
`.dockerignore`."""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from dockermagic.dockerfile.checks.lint import check
from dockermagic.dockerfile.checks.rules import RULES
from dockermagic.dockerfile.model import parse
from dockermagic.errors import DockerfileError

CORPUS = Path(os.environ.get("DOCKERMAGIC_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
INDEX = CORPUS / "dockerfiles" / "index.tsv"

pytestmark = pytest.mark.skipif(not INDEX.exists() and not os.environ.get("CI"), reason=f"no Dockerfile corpus at {CORPUS}")

# files warning per rule on the corpus when this test was written: a change that checks less fails
FLOOR = {"StageNameCasing": 4, "FromAsCasing": 2, "NoEmptyContinuation": 5, "JSONArgsRecommended": 12,
         "WorkdirRelativePath": 2, "MultipleInstructionsDisallowed": 2, "LegacyKeyValueFormat": 38}


def test_the_corpus_is_there():
    assert INDEX.exists(), f"no Dockerfile corpus at {CORPUS}"


def checked() -> tuple[dict, int, int, float]:
    """(rule -> files that warn, files checked, files refused before any check, seconds): every
    file of the corpus; those BuildKit refuses are refused by the parse, as the build would be."""
    with INDEX.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    files: Counter = Counter()
    refused = 0
    started = time.perf_counter()
    for row in rows:
        text = (CORPUS / "dockerfiles" / row["name"] / "Dockerfile").read_text(encoding="utf-8")
        try:
            report = check(parse(text), filename=row["name"])
        except DockerfileError:
            assert row["expected"] == "refuse", row["name"]
            refused += 1
            continue
        lines = text.count("\n") + 1
        for warning in report:
            assert warning.rule in RULES and 1 <= warning.line <= lines, (row["name"], warning)
        files.update({w.rule for w in report})
    return files, len(rows) - refused, refused, time.perf_counter() - started


def test_every_accepted_file_is_checked_and_the_rules_fire_as_they_did():
    files, total, refused, seconds = checked()
    print(f"\n{total} files checked in {seconds:.2f}s ({refused} refused by the parse, as BuildKit refuses them); "
          "files warning per rule:")
    for rule in RULES:
        print(f"  {rule:<32} {files.get(rule, 0)}")
    assert total + refused == 125 and total >= 100
    low = {rule: (files.get(rule, 0), floor) for rule, floor in FLOOR.items() if files.get(rule, 0) < floor}
    assert not low, low
