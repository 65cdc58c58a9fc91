"""Notebook 03, layers and the build cache: executed end to end on a real kernel against the real
engine, and the facts its prose states checked in the outputs -- in this run's and in the
outputs committed with the notebook (what GitHub and nbviewer show)."""

from __future__ import annotations

import fcntl
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.notebooks import NOTEBOOKS, cell_text, execute, find, load, with_parameters

pytestmark = pytest.mark.engine

NAME = "03-layers-and-cache.ipynb"
PREFIX = "dmtest-nb03-"
# The build cache is the engine's, not the run's: two runs at once (two pytest sessions) would
# take steps from each other's cache and the "every step runs" facts would not hold.
LOCK = Path(tempfile.gettempdir()) / "dockermagic-notebook-03.lock"
UNITS = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


@dataclass
class Run:
    nb: object
    work: Path
    prefix: str
    left_behind: list  # tags of this run still on the engine after the notebook's last cell


def _tags(engine, start: str) -> list[str]:
    return [tag for image in engine.api.images() for tag in image.get("RepoTags") or [] if tag.startswith(start)]


def _remove(engine, tags) -> None:
    import docker

    for tag in tags:
        try:
            engine.api.remove_image(tag, force=True)
        except docker.errors.NotFound:
            pass


@pytest.fixture(scope="module")
def run(engine, tmp_path_factory) -> Run:
    prefix = f"{PREFIX}{uuid.uuid4().hex[:8]}"
    work = tmp_path_factory.mktemp("nb03")
    nb = with_parameters(load(NAME), prefix=prefix, workdir="contexts")
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove(engine, _tags(engine, PREFIX))  # a killed earlier run's images would be its cache
        try:
            execute(nb, work, timeout=120, allow_errors=True)
            left = _tags(engine, prefix + "/")
        finally:
            _remove(engine, _tags(engine, prefix + "/"))
    return Run(nb, work, prefix, left)


@pytest.fixture(params=["executed", "committed"])
def nb(request):
    """The notebook as this test ran it, and as it is committed."""
    if request.param == "committed":
        return load(NAME)
    return request.getfixturevalue("run").nb


@pytest.fixture
def busybox_layers(request, nb):
    """How many history rows the base image has where `nb` ran: what this engine reports for the
    executed run (Docker Hub's busybox has two, one made from busybox-static three); None for
    the committed notebook (made elsewhere: its own rows say)."""
    if request.node.callspec.params["nb"] == "committed":
        return None
    return len(request.getfixturevalue("engine").api.history("busybox:latest"))


# -- reading outputs ---------------------------------------------------------------------------
def _plain(cell) -> str:
    return "\n".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs
                     if o.output_type in ("display_data", "execute_result"))


def steps(nb, needle: str) -> list[tuple[str, str]]:
    """(state, instruction) of each step of the build in the cell containing `needle`."""
    text = _plain(find(nb, needle))
    rows = re.findall(r"^ Step \d+/\d+\s+(\w+)\s+\S+\s+(?:[0-9a-f]{12})?\s+(.+)$", text, re.M)
    assert rows, f"no build view in the cell {needle!r}: {text!r}"
    return rows


def states(nb, needle: str) -> list[str]:
    return [state for state, _ in steps(nb, needle)]


def history(nb, needle: str) -> dict[str, list[tuple[str, str, str, str]]]:
    """Each image of the comparison in the cell containing `needle`: its layers, newest first,
    as (id, created by, size, own|shared)."""
    images, current = {}, None
    for line in _plain(find(nb, needle)).splitlines():
        title = re.match(r"^(\S+)  \(\S+\)$", line)
        if title:
            current = images.setdefault(title.group(1), [])
            continue
        row = re.match(r"^([0-9a-f]{12}|<missing>)\s{2,}.+?\s{2,}(.+?)\s{2,}(\S+)\s+(own|shared)$", line)
        if row and current is not None:
            current.append(row.groups())
    assert len(images) == 2, f"no comparison of two images in the cell {needle!r}"
    return images


def size(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(B|kB|MB|GB)", text).groups()
    return float(number) * UNITS[unit]


# -- the run -----------------------------------------------------------------------------------
def test_every_cell_ran_without_error(nb):
    errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), "a code cell was not run"


def test_the_first_build_runs_every_step_the_second_none(nb):
    assert states(nb, "first = %docker_build") == ["base"] + ["done"] * 4
    again = states(nb, "again = %docker_build")
    assert again == ["base"] + ["cached"] * 4  # FROM names the base image: nothing to cache
    assert "4 of 4 steps from the cache; the same image as before: True" in cell_text(find(nb, "again.cached"))


def test_a_source_change_copied_early_rebuilds_everything_after_it(nb):
    rows = steps(nb, "changed = %docker_build")
    assert [s for s, _ in rows] == ["base", "cached", "done", "done", "done"]
    assert rows[2][1].startswith("COPY app.sh") and rows[3][1].startswith("RUN mkdir deps")
    printed = cell_text(find(nb, "for step in changed.steps"))
    assert "cached  WORKDIR /app" in printed and "  done  RUN mkdir deps" in printed


def test_dependencies_first_a_source_change_rebuilds_only_the_source(nb):
    first = states(nb, "-t {deps_first}:1 -f Dockerfile.deps-first")
    assert first == ["base", "cached", "done", "done", "done", "done"]  # WORKDIR: cached across Dockerfiles
    rows = steps(nb, "-t {deps_first}:2 -f Dockerfile.deps-first")
    assert [s for s, _ in rows] == ["base", "cached", "cached", "cached", "done", "done"]
    assert rows[3][1].startswith("RUN mkdir deps") and rows[4][1] == "COPY app.sh ./"


def _shared_and_own(images):
    (a, layers_a), (b, layers_b) = images.items()
    shared = [[(i, by, sz) for i, by, sz, mark in layers if mark == "shared"] for layers in (layers_a, layers_b)]
    own = [[(i, by, sz) for i, by, sz, mark in layers if mark == "own"] for layers in (layers_a, layers_b)]
    return shared, own


def test_the_histories_of_the_two_orders_side_by_side(nb, busybox_layers):
    shared, own = _shared_and_own(history(nb, "%docker_history {source_first}:1 {source_first}:2"))
    assert shared[0] == shared[1] and "WORKDIR /app" in shared[0][0][1]  # WORKDIR, then busybox's layers
    assert busybox_layers is None or len(shared[0]) == busybox_layers + 1
    base = len(shared[0]) - 1
    assert len(own[0]) == len(own[1]) == 3 and not {i for i, *_ in own[0]} & {i for i, *_ in own[1]}
    assert [sz for *_, sz in own[1]] == ["0B", "6MB", "107B"]  # each version its own 6 MB of dependencies

    shared, own = _shared_and_own(history(nb, "%docker_history {deps_first}:1 {deps_first}:2"))
    assert shared[0] == shared[1] and len(shared[0]) == base + 3  # and the dependencies' two layers
    assert any(sz == "6MB" and "mkdir deps" in by for _, by, sz in shared[0])  # the dependencies, stored once
    assert [sz for *_, sz in own[1]] == ["0B", "74B"] and own[0][1][0] != own[1][1][0]
    text = cell_text(find(nb, "%docker_history {deps_first}:1 {deps_first}:2"))
    shared_size = re.search(rf"{base + 3} shared layers \(([\d.]+MB)\)", text)
    assert shared_size and size(shared_size.group(1)) > 6e6  # the base and the 6 MB of dependencies
    assert f":2: 2 own layers, 74B on top of the shared {shared_size.group(1)}" in text


def test_a_file_removed_in_a_later_layer_still_counts(nb):
    rows = re.findall(r"^\S+layers-cleanup\s+(rm-later|rm-same-run)\s+[0-9a-f]{12}\s.*?(\S+)$",
                      _plain(find(nb, "%docker_images {cleanup}")), re.M)
    sizes = {tag: size(sz) for tag, sz in rows}
    assert set(sizes) == {"rm-later", "rm-same-run"}
    assert sizes["rm-later"] >= sizes["rm-same-run"] + 5.9e6  # the 6 MB archive is still in the image
    (_, later), (_, same) = history(nb, "%docker_history {cleanup}:rm-later {cleanup}:rm-same-run").items()
    assert later[0][1:] == ("/bin/sh -c rm /tool.tar.gz", "0B", "own") and later[2][2] == "6MB"
    assert same[0][2] == "1MB" and len([row for row in same if row[3] == "own"]) == 1


def test_no_cache_runs_every_step(nb):
    assert states(nb, "--no-cache -t {deps_first}:fresh") == ["base"] + ["done"] * 5
    assert "0 of 5 steps from cache" in _plain(find(nb, "--no-cache -t {deps_first}:fresh"))


def test_a_new_build_arg_value_misses_from_the_first_run_after_the_arg(nb):
    assert states(nb, "-t {greeting}:hello --build-arg") == ["base"] + ["done"] * 4
    rows = steps(nb, "-t {greeting}:bonjour --build-arg")
    assert rows == [("base", "FROM busybox:latest"), ("cached", "RUN head -c 3000000 /dev/urandom > /data.bin"),
                    ("cached", "ARG GREETING=hello"), ("done", 'RUN echo "$GREETING, world" > /greeting.txt'),
                    ("done", 'CMD ["cat", "/greeting.txt"]')]
    assert "bonjour, world" in cell_text(find(nb, "%docker_run --rm {greeting}:bonjour"))


def test_buildkit_cache_mount_outlives_the_layer_cache(nb):
    assert "with BuildKit" in find(nb, "v1 = %docker_build").outputs[0].data["text/html"]
    assert re.search(r"^done: in the cache: lib-1\.tar\s*$", cell_text(find(nb, "run = v2.steps[-1]")), re.M)


def test_buildkit_skips_unneeded_stages_and_runs_independent_ones_at_once(nb):
    printed = cell_text(find(nb, "overlap = min("))
    overlap = float(re.search(r"running at once for ([\d.]+) s", printed).group(1))
    assert overlap > 1.0 and "stage 'broken' built: False" in printed


def test_build_checks_warn_then_the_fix_checks_clean(nb):
    """The build checks' section: `%%dockerfile` lists the two warnings under the file (text and
    HTML), `%docker_build --check` prints them as `docker build --check` does, with the lines
    around each; after the fix both say there is nothing to warn about."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    written = [i for i, c in enumerate(code) if c.source.startswith("%%dockerfile {workdir}/checks\n")]
    assert len(written) == 2
    for i in written:
        assert code[i + 1].source == "%docker_build --check {workdir}/checks"
    warns, fixed = written
    assert "FROM busybox:latest as build" in code[warns].source and "\nCMD cat /version.txt" in code[warns].source
    assert "FROM busybox:latest AS build" in code[fixed].source and 'CMD ["cat", "/version.txt"]' in code[fixed].source

    text, html = (code[warns].outputs[0].data[k] for k in ("text/plain", "text/html"))
    assert "2 warnings (BuildKit's build checks):" in text
    assert " - line 1: FromAsCasing: 'as' and 'FROM' keywords' casing do not match" in text
    assert " - line 6: JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior" in text
    assert ">FromAsCasing</a>" in html and ">JSONArgsRecommended</a>" in html
    report = _plain(code[warns + 1])
    assert report.startswith("Check complete, 2 warnings have been found!")
    assert "WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/" in report
    assert "   1 | >>> FROM busybox:latest as build" in report and "   6 | >>> CMD cat /version.txt" in report

    assert "warning" not in code[fixed].outputs[0].data["text/plain"]
    assert "build checks: no warnings" in code[fixed].outputs[0].data["text/html"]
    assert _plain(code[fixed + 1]).strip() == "Check complete, no warnings found."


def test_outputs_are_static_html_with_a_text_fallback(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "<script" not in cell_text(cell)
    view = find(nb, "again = %docker_build").outputs[0].data
    assert "text/plain" in view and "Step 5/5" in view["text/html"] and "cached" in view["text/html"]
    assert "shared" in cell_text(find(nb, "%docker_history {deps_first}:1 {deps_first}:2"))


# -- only this run ------------------------------------------------------------------------------
def test_the_notebook_cleans_up_after_itself(run):
    assert run.left_behind == []
    assert not (run.work / "contexts").exists()
    assert "12 tags removed" in cell_text(find(run.nb, "removed = %docker_rmi"))


def test_committed_as_executed_with_no_widget_state():
    nb = load(NAME)
    assert "widgets" not in nb.metadata
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "outputs are not from one run top to bottom"
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert find(nb, "prefix =").metadata.get("tags") == ["parameters"]


def test_saved_notebook_renders_as_html(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir",
                           str(tmp_path), str(NOTEBOOKS / NAME)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / NAME.replace(".ipynb", ".html")).read_text()
    assert "3 of 5 steps from cache" in html and "shared layers" in html and "bonjour, world" in html
