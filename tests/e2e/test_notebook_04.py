"""Notebook 04, what's inside a layer: executed end to end on a real kernel against the real
engine, and the facts its prose states checked in the outputs -- this run's and those committed
with the notebook (what GitHub and nbviewer show)."""

from __future__ import annotations

import uuid

import pytest

from support.notebooks import cell_text, execute, find, load, with_parameters

pytestmark = pytest.mark.engine

NAME = "04-whats-inside-a-layer.ipynb"


def _remove(engine, prefix: str) -> None:
    for image in engine.api.images():
        for tag in image.get("RepoTags") or []:
            if tag.startswith(prefix + "/"):
                engine.api.remove_image(tag, force=True)


@pytest.fixture(scope="module")
def executed(engine, tmp_path_factory):
    prefix = f"dmtest-nb04-{uuid.uuid4().hex[:8]}"
    nb = with_parameters(load(NAME), prefix=prefix, workdir="contexts")
    try:
        execute(nb, tmp_path_factory.mktemp("nb04"), timeout=120, allow_errors=True)
        left = [t for i in engine.api.images() for t in i.get("RepoTags") or [] if t.startswith(prefix + "/")]
    finally:
        _remove(engine, prefix)
    assert not left, f"the notebook left {left}"
    return nb


@pytest.fixture(params=["executed", "committed"])
def nb(request):
    return load(NAME) if request.param == "committed" else request.getfixturevalue("executed")


def test_every_cell_ran_without_error(nb):
    errors = [(c.source.splitlines()[0], o.evalue) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors and all(c.execution_count for c in nb.cells if c.cell_type == "code")


def test_the_base_image_layer_by_layer(nb):
    out = cell_text(find(nb, "layers = %docker_layers {base}"))
    assert "3 layers" in out and "A /bin/busybox" in out and "A /etc/motd" in out
    assert "<details" in out and "added" in out  # the saved HTML keeps the tree folding
    printed = cell_text(find(nb, "for layer in layers.layers"))
    assert "2 RUN echo \"my base image\" > /etc/motd | 1 files; added /etc/motd (14 B)" in printed


def test_the_two_images_share_the_base_layers(nb):
    out = cell_text(find(nb, "%docker_layers {base} {derived}"))
    assert "3 shared layers, 1 file differ" in out and "A /hello.sh  51B" in out


def test_the_classic_waste_and_its_fix(nb):
    printed = cell_text(find(nb, 'print(f"wasted {wasteful.wasted_bytes:,}'))
    assert "wasted 6,000,000 bytes; efficiency 33%" in printed and "/tool.tar.gz: in 2 layers" in printed
    assert "wasted" in cell_text(find(nb, "wasteful = %docker_layers")) and "removed" in cell_text(
        find(nb, "wasteful = %docker_layers"))
    compared = cell_text(find(nb, 'print(f"three RUNs'))
    assert "three RUNs: 8,982,256 bytes in layers, efficiency 33%" in compared
    assert "one RUN:    2,982,256 bytes in layers, efficiency 100%" in compared
