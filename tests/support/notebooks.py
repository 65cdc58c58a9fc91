"""Executing notebooks in tests: a real kernel (nbclient), parameters injected after the
cell tagged `parameters`, outputs read back as text."""

from __future__ import annotations

import base64
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
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


def cleanup_tutorial(engines, main_engine, reg: dict, namespace: str) -> None:
    """What the tutorial notebook makes, gone whatever happened: its images on every engine,
    its container, the manifests it pushed to the login registry `reg`."""
    for eng in engines:
        for image in eng.api.images():
            for tag in image.get("RepoTags") or []:
                if f"/{namespace}/" in tag:
                    eng.api.remove_image(tag, force=True)
    for container in main_engine.api.containers(all=True, filters={"name": f"{namespace}-box"}):
        main_engine.api.remove_container(container["Id"], force=True)
    token = base64.b64encode(f"{reg['user']}:{reg['password']}".encode()).decode()
    for name in ("my-base-image", "my-derived-image"):
        url = f"http://{reg['address']}/v2/{namespace}/{name}/manifests/latest"
        head = urllib.request.Request(url, method="HEAD", headers={
            "Authorization": f"Basic {token}", "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
        try:
            digest = urllib.request.urlopen(head, timeout=10).headers["Docker-Content-Digest"]
            delete = urllib.request.Request(url.replace("latest", digest), method="DELETE",
                                            headers={"Authorization": f"Basic {token}"})
            urllib.request.urlopen(delete, timeout=10).close()
        except OSError:
            pass
