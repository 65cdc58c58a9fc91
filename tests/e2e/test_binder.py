"""Binder: `binder/` installs the package (repo2docker runs `pip install -r binder/requirements.txt`
from the repository root) and needs no Docker; and the tutorial, run in a kernel whose world is
Binder's -- no DOCKER_HOST, a docker config without contexts, no socket where the default one
would be -- says once that no engine is here, still writes its build contexts, and stops each
engine command with one line, not a traceback.  No engine is needed (or touched) here."""

from __future__ import annotations

import os
import re

import nbformat
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

from support.notebooks import ROOT, cell_text, find, load, with_parameters

BINDER = ROOT / "binder"
NOTICE = "dockermagic: no Docker Engine here"
DOCKER_VARS = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS", "DOCKER_PASSWORD")


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split(" #")[0].strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_binder_requirements_install_this_repository():
    reqs = _requirements()
    local = [r for r in reqs if re.fullmatch(r"(-e\s+)?\.(\[[\w,-]+\])?", r)]
    assert local, f"binder/requirements.txt installs no `.`: {reqs}"
    # pip resolves `.` against its working directory, which repo2docker makes the repository root
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "dockermagic"
    assert any(dep.startswith("ipywidgets") for dep in project["dependencies"])  # the live views' frontend


def test_binder_needs_no_docker():
    names = {p.name for p in BINDER.iterdir()}
    assert "Dockerfile" not in names  # repo2docker would build that instead, and Binder can't run Docker in it
    assert not {"apt.txt", "start"} & names  # nothing installs or starts a daemon
    assert "runtime.txt" not in names  # another Python splits kernel and JupyterLab envs: no widget frontend
    for path in BINDER.iterdir():
        text = path.read_text()
        assert "docker.io" not in text and "dockerd" not in text and "docker-ce" not in text, path


@pytest.fixture(scope="module")
def binder_run(tmp_path_factory):
    """The tutorial, executed (errors allowed, as a reader pressing Run All sees each one) in a
    kernel with Binder's environment."""
    folder = tmp_path_factory.mktemp("binder")
    work, config = folder / "work", folder / "docker-config"
    work.mkdir(), config.mkdir()
    missing = folder / "no-engine" / "docker.sock"  # what Binder has at /var/run/docker.sock: nothing
    nb = with_parameters(load("01-build-push-run.ipynb"), other_engine=f"unix://{folder}/no-engine2/docker.sock",
                         registry="127.0.0.1:9")  # nothing answers there, should anything try
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # the machine's default socket, moved where nothing is -- before the extension loads
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        f"import dockermagic.engine.contexts, dockermagic.engine.connection\n"
        f"dockermagic.engine.contexts.DEFAULT_SOCKET = dockermagic.engine.connection.DEFAULT_SOCKET = 'unix://{missing}'",
        metadata={"tags": ["binder-world"]}))
    load_ext = next(i for i, c in enumerate(nb.cells) if c.source.strip() == "%load_ext dockermagic")
    nb.cells.insert(load_ext + 1, nbformat.v4.new_code_cell("%load_ext dockermagic", metadata={"tags": ["again"]}))
    env = {k: v for k, v in os.environ.items() if k not in DOCKER_VARS}
    env["DOCKER_CONFIG"] = str(config)
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True, store_widget_state=False,
                            resources={"metadata": {"path": str(work)}})
    client.execute(env=env)
    return nb, work, config


def _errors(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "error"]


def test_load_ext_says_once_that_no_engine_is_here(binder_run):
    nb, *_ = binder_run
    first = find(nb, "%load_ext dockermagic")
    text = cell_text(first)
    assert text.count(NOTICE) == 1 and len(text.strip().splitlines()) == 1, text
    assert "DOCKER_HOST" in text and "%docker_context use" in text  # how to use one's own engine
    again = next(c for c in nb.cells if "again" in c.metadata.get("tags", []))
    assert NOTICE not in cell_text(again)
    assert not _errors(first) and not _errors(again)


def test_build_contexts_are_still_written(binder_run):
    nb, work, _ = binder_run
    for needle in ("%%dockerfile my-base-image", "%%context_file my-derived-image/hello.sh", "%%dockerfile my-derived-image"):
        cell = find(nb, needle)
        assert not _errors(cell) and "wrote" in cell_text(cell), needle
    assert (work / "my-base-image" / "Dockerfile").read_text().startswith("FROM busybox")
    assert (work / "my-derived-image" / "hello.sh").stat().st_mode & 0o777 == 0o755
    assert "COPY hello.sh" in (work / "my-derived-image" / "Dockerfile").read_text()


def test_build_checks_need_no_engine(binder_run):
    """The derived Dockerfile's warning shows without an engine too, and the fix is what is written."""
    nb, work, _ = binder_run
    assert "InvalidDefaultArgInFrom" in cell_text(find(nb, "%%dockerfile my-derived-image\nARG BASE\n"))
    fixed = find(nb, "%%dockerfile my-derived-image\nARG BASE=busybox\n")
    assert not _errors(fixed) and "InvalidDefaultArgInFrom" not in cell_text(fixed)
    assert (work / "my-derived-image" / "Dockerfile").read_text().startswith("ARG BASE=busybox\n")


def test_docker_build_fails_with_one_line_naming_the_missing_engine(binder_run):
    nb, *_ = binder_run
    [error] = _errors(find(nb, "%docker_build -t {base} my-base-image"))
    assert len(error.traceback) == 1 and "\n" not in error.traceback[0].strip(), error.traceback
    assert "Traceback" not in error.traceback[0]
    assert "no-engine/docker.sock" in error.traceback[0] or "no-engine/docker.sock" in error.evalue


def test_every_engine_command_stops_with_one_line(binder_run):
    nb, *_ = binder_run
    for source in ("%docker_images {base}", "%docker_run -dit --name {box} {base} sh", "%docker_push {base}",
                   "%docker_images --context other-machine {derived}"):
        errors = _errors(find(nb, source))
        assert len(errors) == 1 and len(errors[0].traceback) == 1, (source, errors)


def test_context_commands_work_on_the_store_alone(binder_run):
    """`docker context` needs no engine: create, ls and rm work in the kernel's docker config."""
    nb, _, config = binder_run
    for source in ("%docker_context create other-machine", "%docker_context ls", "%docker_context rm other-machine"):
        assert not _errors(find(nb, source)), source
    assert "other-machine" in cell_text(find(nb, "%docker_context ls"))
    assert not (config / "contexts" / "meta").exists() or not any((config / "contexts" / "meta").iterdir())
