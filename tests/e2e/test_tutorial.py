"""The tutorial notebook, executed end to end on a real kernel against the real engines and the
login registry -- build, run, log in, push, derived image, push again, pull and run on another
engine -- and what a reader of the saved notebook sees (nbconvert HTML, no kernel, no widgets)."""

import json
import os
import re
import subprocess
import sys
from uuid import uuid4

import pytest

from support.notebooks import cell_text, cleanup_tutorial, execute, find, load, with_parameters

pytestmark = pytest.mark.engine
NOTEBOOK = "01-build-push-run.ipynb"
WARNS = "%%dockerfile my-derived-image\nARG BASE\n"
FIXED = "%%dockerfile my-derived-image\nARG BASE=busybox\n"
RULE = "InvalidDefaultArgInFrom"


def check_warning_and_fix(nb) -> None:
    """The derived image's Dockerfile as `%%dockerfile` checked it: the cell that warns, then the
    cell that fixes it (test_committed_notebooks checks the same in the committed notebook)."""
    codes = [c for c in nb.cells if c.cell_type == "code"]
    warns, fixed = (next(i for i, c in enumerate(codes) if c.source.startswith(s)) for s in (WARNS, FIXED))
    assert fixed > warns
    text = codes[warns].outputs[0].data["text/plain"]
    assert text.startswith("wrote my-derived-image/Dockerfile"), text
    assert "1 warning (BuildKit's build checks):" in text
    assert f"line 2: {RULE}: Default value for ARG $BASE results in empty or invalid base image name" in text
    html = codes[warns].outputs[0].data["text/html"]
    assert "1 warning" in html and f">{RULE}</a>" in html and "invalid-default-arg-in-from" in html
    out = codes[fixed].outputs[0].data
    assert out["text/plain"].strip().startswith("wrote my-derived-image/Dockerfile")
    assert "warning" not in out["text/plain"] and RULE not in out["text/html"]
    assert "build checks: no warnings" in out["text/html"]


@pytest.fixture(scope="module")
def tutorial(engine, engine2, engine2_address, auth_registry, tmp_path_factory):
    namespace = f"dmtest{uuid4().hex[:8]}"
    work = tmp_path_factory.mktemp("tutorial")
    config = tmp_path_factory.mktemp("docker-config")
    saved = {k: os.environ.get(k) for k in ("DOCKER_CONFIG", "DOCKER_PASSWORD")}
    os.environ.update(DOCKER_CONFIG=str(config), DOCKER_PASSWORD=auth_registry["password"])  # the kernel's
    nb = with_parameters(load(NOTEBOOK), registry=auth_registry["address"], user=auth_registry["user"],
                         namespace=namespace, other_engine=engine2_address)
    try:
        execute(nb, work, allow_errors=True)
        yield nb, work, namespace, config
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        cleanup_tutorial((engine, engine2), engine, auth_registry, namespace)


def test_every_cell_ran_and_each_shows_one_output(tutorial):
    nb, *_ = tutorial
    errors = [(c.source, o.evalue) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors
    for cell in nb.cells:
        if cell.cell_type == "code":
            displays = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
            assert len(displays) <= 1, f"shown twice: {cell.source}"


def test_build_view_finished_with_widget_html_and_text(tutorial):
    nb, *_ = tutorial
    out = find(nb, "%docker_build -t {base}").outputs[0]
    seconds = float(re.search(r"\[\w+ in ([\d.]+)s\]", out.data["text/plain"]).group(1))
    # a live widget for a build worth watching; a quicker one (cached) ends as its HTML and text alone
    live = {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert set(out.data) == (live if seconds >= 0.5 else live - {"application/vnd.jupyter.widget-view+json"}) or (
        set(out.data) == live)
    assert "succeeded" in out.data["text/plain"] and "[2/2] RUN echo" in out.data["text/plain"]
    assert "Built" in out.data["text/html"] and "running" not in out.data["text/plain"]


def test_the_detached_containers_card_ends_removed(tutorial):
    """Removed by `%docker_rm -f` in a later cell, the card's saved output says so, with the time."""
    nb, *_ = tutorial
    out = find(nb, "%docker_run -dit").outputs[0]
    assert "removed at" in out.data["text/plain"] and "removing" not in out.data["text/plain"]
    assert ">removed<" in out.data["text/html"]


def test_the_container_runs_detached_and_ps_shows_its_size(tutorial):
    nb, *_ = tutorial
    assert "my base image, built" in cell_text(find(nb, "%docker_exec {box}"))
    assert "0B (virtual" in cell_text(find(nb, "%docker_ps -s"))


def test_the_derived_dockerfile_warns_and_its_fix_does_not(tutorial):
    """BuildKit's build checks under `%%dockerfile`: `ARG BASE` without a default warns
    (InvalidDefaultArgInFrom), the file is still written; `ARG BASE=busybox` warns no more, and the
    build that follows (of the fixed file) has no warning in its header."""
    nb, *_ = tutorial
    check_warning_and_fix(nb)
    assert "warning" not in cell_text(find(nb, "%docker_build -t {derived}")).lower()


def test_derived_image_prints_hello_world(tutorial):
    nb, work, *_ = tutorial
    assert (work / "my-derived-image" / "hello.sh").stat().st_mode & 0o111
    assert "Hello world" in cell_text(find(nb, "%docker_run --rm {derived}"))


def test_history_comparison_shares_the_base_layers(tutorial):
    nb, _, namespace, _ = tutorial
    text = find(nb, "%docker_history {base} {derived}").outputs[0].data["text/plain"]
    tables = text.split("\n\n")
    # BuildKit keeps no image per step: a shared layer may show <missing> in the derived image
    rows = [re.findall(r"^([0-9a-f]{12}|<missing>) .*shared$", table, re.M) for table in tables[:2]]
    assert rows[0] and len(rows[0]) == len(rows[1])
    assert f"{namespace}/my-derived-image: 2 own layers" in text


def test_second_push_mounts_the_shared_layers(tutorial):
    nb, _, namespace, _ = tutorial
    text = cell_text(find(nb, "pushed = %docker_push {derived}"))
    assert f"Mounted from {namespace}/my-base-image" in text
    assert re.search(r"\d+ layers? mounted from", cell_text(find(nb, "print(pushed.summary())")))


def test_another_machine_pulls_and_runs_hello_world(tutorial):
    nb, *_ = tutorial
    assert "no images" in cell_text(find(nb, "%docker_images --context other-machine"))
    pulled = cell_text(find(nb, "%docker_pull --context other-machine"))
    assert "Pull complete" in pulled and "(context other-machine)" in pulled
    ran = find(nb, "%docker_run --context other-machine --rm {derived}")
    assert "Hello world" in cell_text(ran) and "engine2" in cell_text(ran)


def test_nothing_is_left_and_no_password_is_anywhere(tutorial, auth_registry):
    nb, _, namespace, config = tutorial
    assert "Removing login credentials" in cell_text(find(nb, "%docker_logout {registry}"))
    assert auth_registry["password"] not in json.dumps(nb)
    assert not json.loads((config / "config.json").read_text()).get("auths")


def test_saved_notebook_renders_as_static_html(tutorial, tmp_path):
    import nbformat

    nb, *_ = tutorial
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(path)], check=True,
                   capture_output=True)
    html = (tmp_path / "executed.html").read_text()
    assert "docker build" in html and "[2/2] COPY hello.sh" in html and "shared layers" in html and "Mounted from" in html
    assert "<script>alert" not in html
