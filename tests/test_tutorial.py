"""The tutorial notebook, executed end to end on a real kernel against the real engine, and
what a reader of the saved notebook sees (nbconvert HTML, no kernel, no widget state)."""

import json
import subprocess
import sys

import pytest

from notebooks import cell_text, execute, find, load, with_parameters

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def tutorial(engine, registry, tmp_path_factory):
    from uuid import uuid4

    user = f"dmtest{uuid4().hex[:8]}"
    work = tmp_path_factory.mktemp("tutorial")
    nb = with_parameters(load("01-build-push-run.ipynb"), registry=registry, user=user)
    try:
        execute(nb, work)
        yield nb, work, user, registry
    finally:
        for image in engine.api.images():
            for tag in image.get("RepoTags") or []:
                if f"/{user}/" in tag:
                    engine.api.remove_image(tag, force=True)


def test_every_cell_ran_and_each_shows_one_output(tutorial):
    nb, *_ = tutorial
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        displays = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        assert len(displays) <= 1, f"shown twice: {cell.source}"


def test_build_views_finished_with_widget_html_and_text(tutorial):
    nb, *_ = tutorial
    out = find(nb, "%docker_build -t {base}").outputs[0]
    assert set(out.data) == {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert "succeeded" in out.data["text/plain"] and "Step 3/3" in out.data["text/plain"]
    assert "Built" in out.data["text/html"] and "running" not in out.data["text/plain"]


def test_history_comparison_shows_shared_layers(tutorial):
    nb, _, user, _ = tutorial
    text = cell_text(find(nb, "%docker_history {base} {derived}"))
    assert "shared layers" in text and f"{user}/my-derived-image: 2 own layers" in text


def test_derived_build_came_from_the_files_the_notebook_wrote(tutorial):
    nb, work, *_ = tutorial
    assert (work / "my-derived-image" / "hello.sh").stat().st_mode & 0o111
    assert "COPY hello.sh /hello.sh" in cell_text(find(nb, "derived_build = %docker_build"))


def test_saved_notebook_renders_as_static_html(tutorial, tmp_path):
    import nbformat

    nb, *_ = tutorial
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(path)], check=True,
                   capture_output=True)
    html = (tmp_path / "executed.html").read_text()
    assert "docker build" in html and "Step 2/3" in html and "shared layers" in html
    assert "widget-view+json" not in html.split("</head>")[-1] or "Built" in html
