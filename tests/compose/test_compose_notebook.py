"""Notebook 05, "Several containers", run end to end in a real kernel on the real engine: a
project built and started with a healthcheck gate, its diagram, ps, logs, exec, a scale-up, one
changed service recreated alone, and `down -v` leaving nothing behind."""

from __future__ import annotations

from support.compose_stacks import remove_project
from support.notebooks import cell_text, execute, find, load, with_parameters


def test_several_containers_notebook(engine, unique, tmp_path):
    project = f"dmnb{unique}".lower()
    try:
        nb = execute(with_parameters(load("05-several-containers.ipynb"), project=project), tmp_path,
                     timeout=240, allow_errors=True)
        errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        assert not errors, errors

        assert (tmp_path / "ticker" / "compose.yaml").exists()
        config = cell_text(find(nb, "%docker compose config"))
        assert "data:image/svg+xml;base64," in config and "condition: service_healthy" in config
        up = cell_text(_nth(nb, "%docker compose up -d", 1))
        for row in (f"{project}_data", f"{project}_default", f"{project}-worker-1", f"{project}-web-1"):
            assert row in up, row
        assert "Healthy" in up and "Started" in up
        assert "tick" in cell_text(find(nb, "print(ticks(stack)"))
        assert "2 workers writing" in cell_text(find(nb, "workers writing"))
        logs = cell_text(find(nb, "%docker compose logs worker"))
        assert "worker-1  | tick" in logs  # v2's prefix: the service and its number
        assert "/data/ticks.txt" in cell_text(find(nb, "%docker compose exec web wc"))
        changed = cell_text(_nth(nb, "%docker compose up -d --scale worker=2", 2))
        assert f"{project}-web-1" in changed and "data:image/svg+xml;base64," in changed
        assert f"recreated: {project}-web-1\n" in cell_text(find(nb, "recreated:"))
        assert "hello from compose" in cell_text(find(nb, "echo $GREETING"))
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert "<script" not in cell_text(cell)
    finally:
        left = remove_project(engine, project)
    assert not left, "the notebook's `down -v` left containers behind"


def _nth(nb, needle, n):
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == needle.strip()]
    return found[n - 1]
