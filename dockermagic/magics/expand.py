"""Python variables in a magic's line, with the docker CLI's `{{...}}` templates left alone.

IPython expands `{name}` and `$name` in a magic's line before the magic sees it, and in doing
so turns `{{.Names}}` into `{.Names}` (str.format's escaped brace).  dockermagic's magics opt out
of that and expand here instead: the same formatter over the same namespaces (the user's, then
the caller's locals), applied only to the text between `{{...}}` templates.  As with IPython,
a line whose expansion fails is left as it was.
"""

from __future__ import annotations

import re
import sys

from IPython.core import magic as _magic
from IPython.utils.text import DollarFormatter

TEMPLATE = re.compile(r"\{\{.*?(?:\}\}|\Z)", re.S)  # an unclosed one runs to the end
NO_VAR_EXPAND = _magic.MAGIC_NO_VAR_EXPAND_ATTR
_RUNNERS = {"run_line_magic", "run_cell_magic"}
_MARK = "\x00"


def caller_namespace(shell, depth: int = 1) -> dict | None:
    """The namespace a line is expanded in when the magic at `depth` frames up was called by
    IPython (`run_line_magic` / `run_cell_magic`); None when another magic called it directly
    (`%docker build ...` calling `%docker_build`): its line is expanded already."""
    frame = sys._getframe(depth + 1)
    if frame.f_code.co_name not in _RUNNERS or shell is None:
        return None
    ns = dict(shell.user_ns)
    if frame.f_back is not None:
        ns.update(frame.f_back.f_locals)
    return ns


def expand(line: str, ns: dict) -> str:
    """`line` with `{name}` / `$name` expanded from `ns`, `{{...}}` kept as typed."""
    templates = TEMPLATE.findall(line)
    if any(_MARK in t for t in templates) or _MARK in line:
        return line
    # each template becomes a mark the formatter leaves alone (no braces, no `$`, no quote),
    # so the rest of the line expands exactly as IPython would expand it
    marked = TEMPLATE.sub(lambda m: f"{_MARK}{templates.index(m.group())}{_MARK}", line)
    try:
        expanded = DollarFormatter().vformat(marked, args=[], kwargs=ns)
    except Exception:  # noqa: BLE001 -- as IPython's var_expand: leave what does not expand
        return line
    return re.sub(f"{_MARK}(\\d+){_MARK}", lambda m: templates[int(m.group(1))], expanded)
