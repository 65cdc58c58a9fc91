"""Executing notebooks in tests: a real kernel (nbclient), parameters injected after the
cell tagged `parameters`, outputs read back as text."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def load(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def with_parameters(nb, **params):
    """A copy of `nb` with a cell setting `params` right after the `parameters` cell."""
    nb = nbformat.from_dict(nb)
    lines = [f"{k} = {v!r}" for k, v in params.items()]
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            # re-run the derived names the parameters cell computes, with the new values
            derived = [line for line in cell.source.splitlines() if "f\"" in line or "f'" in line]
            cell_src = "\n".join(lines + derived)
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(cell_src, metadata={"tags": ["injected-parameters"]}))
            return nb
    nb.cells.insert(0, nbformat.v4.new_code_cell("\n".join(lines)))
    return nb


def execute(nb, cwd: Path, timeout: int = 300, allow_errors: bool = False):
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            store_widget_state=False, resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def cell_text(cell) -> str:
    """Everything a code cell's outputs say: text/plain, text/html, streams, errors."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
        else:
            data = out.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


def find(nb, needle: str):
    """The first code cell whose source contains `needle`."""
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            return cell
    raise AssertionError(f"no cell with {needle!r}")
