"""Every row of ../shared/corpus/compose/index.tsv: an accepted file loads to the JSON v2 printed
(parsed, and with its keys in v2's order), a refused one is refused in one line with v2's message;
and, against v2 run live, `config --no-interpolate` of every row and the canonical YAML of every
accepted one, byte for byte."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from dockermagic.compose.model.config import render
from dockermagic.compose.model.loader import load
from dockermagic.compose.model.project import ProjectOptions
from dockermagic.errors import ComposeFileError

HOME = "/tmp/compose-corpus-home"  # the HOME the expected files were made with
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "compose"


def rows() -> list[dict]:
    if not (CORPUS / "index.tsv").exists():
        return []
    with (CORPUS / "index.tsv").open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _substitute(text: str, folder: Path) -> str:
    return text.replace("${PROJECT_DIR}", str(folder)).replace("${CORPUS}", str(CORPUS / "projects"))


def _options(row) -> tuple[ProjectOptions, Path]:
    path = CORPUS / "projects" / row["compose_file"]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": HOME}
    return ProjectOptions(files=[path.name], project_name="corpus", cwd=str(path.parent), environ=env), path.parent


@pytest.mark.parametrize("row", rows() or [pytest.param(None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))],
                         ids=lambda row: row["compose_file"] if row else "none")
def test_corpus_row(row):
    options, folder = _options(row)
    if row["verdict"] == "refuse":
        with pytest.raises(ComposeFileError) as caught:
            load(options)
        message = str(caught.value)
        assert "\n" not in message
        assert _substitute(row["expected"], folder) in message
        return
    expected_text = _substitute((CORPUS / row["expected"]).read_text(), folder)
    ours = render(load(options), "json")
    assert json.loads(ours) == json.loads(expected_text)
    assert ours.rstrip("\n") == expected_text.rstrip("\n")  # key order and Go's escaping too


def _every_row() -> list:
    if rows():
        return rows()
    if os.environ.get("CI"):  # CI has shared/ beside its clone: a missing corpus fails the test below
        return [None]
    return [pytest.param(None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))]


@pytest.mark.parametrize("row", _every_row(), ids=lambda row: row["compose_file"] if row else "none")
def test_corpus_row_no_interpolate(row, compose_v2):
    """`config --no-interpolate` (the files merged as a tree, not a project) as v2 prints it, run live on
    every project with the environment the expected files were made with: byte for byte, JSON and
    YAML, or refused when v2 refuses (its model path does not check dependencies, so a dependency
    cycle prints); and the canonical YAML (`config`) of an accepted one, which shares the YAML printer."""
    from dockermagic.compose.model.config import render_model
    from dockermagic.compose.model.rawmodel import load_model

    assert row is not None, f"no corpus at {CORPUS}"
    options, folder = _options(row)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": HOME}
    name = Path(row["compose_file"]).name
    json_out = compose_v2("-p", "corpus", "-f", name, "config", "--no-interpolate", "--format", "json", cwd=folder,
                          env=env, check=False)
    if not json_out.stdout:
        with pytest.raises(ComposeFileError):
            load_model(options)
        return
    model = load_model(options)
    assert render_model(model, "json") == json_out.stdout
    yaml_out = compose_v2("-p", "corpus", "-f", name, "config", "--no-interpolate", cwd=folder, env=env)
    assert render_model(model, "yaml") == yaml_out.stdout
    if row["verdict"] == "accept":
        done = compose_v2("-p", "corpus", "-f", name, "config", cwd=folder, env=env)
        assert render(load(options), "yaml") == done.stdout
