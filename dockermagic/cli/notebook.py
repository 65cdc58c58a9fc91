"""Notebooks outside Jupyter: reading one, exporting the build contexts its `%%dockerfile` /
`%%context_file` cells write, and injecting parameters.  Executing one headless is
`execution.py`.

Knows nothing of terminals (the `dockermagic` command in `cli.py` is the view) and imports no
widgets.  Cells are read exactly as the kernel reads them: IPython's own input transformer
finds the cell magic, and the magics' own argument parsers read its line.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DockerMagicError, InvalidInput

EXPORTED = ("dockerfile", "context_file")
INJECTED_TAG = "injected-parameters"


class NotebookError(InvalidInput):
    """A notebook that can't be read, exported or started; one line per problem."""


# -- reading ----------------------------------------------------------------------------------

def read(path: str | os.PathLike):
    """The notebook at `path` (nbformat v4), or a one-line `NotebookError`."""
    import nbformat

    path = Path(path)
    if not path.exists():
        raise NotebookError(f"{path}: no such file")
    if path.is_dir():
        raise NotebookError(f"{path} is a folder, not a notebook")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not JSON"
        raise NotebookError(f"{path} is not a notebook ({reason})") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path} is not a notebook (JSON without an nbformat version)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 -- nbformat raises many kinds for broken files
        raise NotebookError(f"{path} is not a readable notebook ({str(exc).splitlines()[0][:200]})") from None


def write(nb, path: str | os.PathLike) -> Path:
    """Write `nb` whole or not at all (the context files' atomic writer)."""
    import nbformat

    from ..build.context import write_file

    return write_file(path, nbformat.writes(nb) + "\n")


# -- export -----------------------------------------------------------------------------------

@dataclass
class ContextFile:
    """One file a `%%dockerfile` / `%%context_file` cell writes."""

    cell: int  # 0-based index in the notebook
    magic: str  # the cell's first line, e.g. "%%dockerfile my-base-image"
    path: str  # relative to the export folder, normalised
    text: str
    mode: int | None  # None: as `write_file` decides (the file's mode, else 0666 & ~umask)


def context_files(nb) -> list[ContextFile]:
    """Every file the notebook's `%%dockerfile` / `%%context_file` cells write, in order.

    Checked as the magics check them (arguments, Dockerfile, mode); a line that needs `{var}`
    or `$var` expansion, or a path outside the folder, is a problem too.  All problems are
    raised together in one `NotebookError`, one line each.
    """
    found, problems = [], []
    for index, cell in enumerate(nb.cells):
        magic = _cell_magic(cell)
        if magic is None:
            continue
        name, line, body = magic
        first = f"%%{name} {line}".rstrip()
        try:
            path, mode = _resolve(name, _expand(line), body)
            found.append(ContextFile(index, first, _inside(path), body, mode))
        except DockerMagicError as exc:
            problems.append(f"cell {index + 1} ({first}): {exc}")
        except Exception as exc:  # noqa: BLE001 -- the magics' parsers raise IPython's UsageError, a `{` without `}` a ValueError: a problem of that cell
            problems.append(f"cell {index + 1} ({first}): {str(exc).strip()}")
    if problems:
        raise NotebookError("\n".join(problems))
    return found


def export(nb, directory: str | os.PathLike) -> list[tuple[ContextFile, Path]]:
    """Write the notebook's context files below `directory`: all checked first, then written."""
    from ..build.context import write_file

    files = context_files(nb)
    if not files:
        raise NotebookError("no %%dockerfile or %%context_file cells: nothing to export")
    root = Path(directory)
    for item in files:  # a symlink already in the folder must not lead outside it
        if not (root / item.path).resolve().is_relative_to(root.resolve()):
            raise NotebookError(f"cell {item.cell + 1} ({item.magic}): {item.path} leads outside {root} through a symlink")
    return [(item, write_file(root / item.path, item.text, item.mode)) for item in files]


def _cell_magic(cell):
    """(name, line, body) of an exported cell magic, as the kernel would call it, or None."""
    if cell.cell_type != "code" or "%%" not in cell.source:
        return None
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(cell.source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"):
        return None
    try:
        name, line, body = (ast.literal_eval(arg) for arg in call.args)
    except ValueError:
        return None
    return (name, line, body) if name in EXPORTED else None


def _expand(line: str) -> str:
    """The line as IPython's `var_expand` leaves it when it expands nothing (`$$` -> `$`)."""
    from IPython.utils.text import DollarFormatter

    formatter = DollarFormatter()
    names = [field for _, field, _, _ in formatter.parse(line) if field is not None]
    if names:  # an expression too ({1+1}): evaluating it would be running the notebook
        used = ", ".join(dict.fromkeys(names))
        raise NotebookError(
            f"the line expands {used}, known only when the notebook runs; "
            "write the path literally to export this cell"
        )
    return formatter.vformat(line, [], {})


def _resolve(name: str, line: str, body: str) -> tuple[str, int | None]:
    """(path, mode) the magic would write: its own parser, its own checks."""
    from ..build.context import parse_mode
    from ..dockerfile.model import parse
    from ..magics.args import parse_line
    from ..magics.build import BuildMagics

    if name == "dockerfile":
        args = parse_line(BuildMagics.dockerfile, line)
        parse(body)
        return os.path.join(args.context, args.file), None
    args = parse_line(BuildMagics.context_file, line)
    return args.path, parse_mode(args.mode)


def _inside(path: str) -> str:
    """`path` normalised, refused when it is absolute or leaves the folder."""
    if os.path.isabs(path) or path.startswith("~"):
        raise NotebookError(f"{path} is an absolute path; export writes only inside its folder")
    norm = os.path.normpath(path)
    if norm == ".." or norm.startswith("../"):
        raise NotebookError(f"{path} leads outside the folder; export writes only inside it")
    if norm == ".":
        raise NotebookError(f"{path} names the folder itself, not a file")
    return norm


# -- parameters -------------------------------------------------------------------------------

def parse_value(text: str):
    """A Python literal when `text` is one (`3`, `True`, `[1, 2]`, `'x'`), else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def check_name(name: str) -> str:
    import keyword

    if not name.isidentifier() or keyword.iskeyword(name):
        raise NotebookError(f"-p {name}: a parameter name must be a Python identifier, e.g. -p user me")
    return name


def inject_parameters(nb, params: dict) -> list[str]:
    """Put `params` in a cell tagged `injected-parameters` right after the cell tagged
    `parameters` (at the top without one), replacing one a previous run injected.

    Assignments of the parameters cell that use a given name (`base = f"{registry}/..."`) are
    repeated after the new values, so derived names follow.  Returns warnings: no cell tagged
    `parameters`, or a name it does not set (a typo would run with the default).
    """
    import nbformat

    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    if not params:
        return []
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0)
    defaults = nb.cells[at - 1].source if at else ""
    derived, assigned = _derived(defaults, set(params))
    lines = ["# Parameters given to dockermagic run"] + [f"{k} = {v!r}" for k, v in params.items()]
    if derived:
        lines += ["# recomputed from them, as the parameters cell computes them"] + derived
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    nb.cells.insert(at, cell)
    if not at:
        return ["no cell is tagged 'parameters': the parameters go in a cell at the top"]
    return [f"-p {k}: the parameters cell does not set {k}; passed anyway" for k in params if k not in assigned]


def _derived(source: str, changed: set[str]) -> tuple[list[str], set[str]]:
    """Statements of `source` assigning from a changed name (transitively), and every name
    `source` assigns."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # magics in the parameters cell: no derived names then
        return [], set()
    changed, derived, assigned = set(changed), [], set()
    given = set(changed)
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        assigned |= names
        used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        if names & given or not used & changed:
            continue
        derived.append(ast.get_source_segment(source, stmt))
        changed |= names
    return derived, assigned
