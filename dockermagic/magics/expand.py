"""Python variables in a magic's line, with the docker CLI's `{{...}}` templates left alone.

IPython expands `{name}` and `$name` in a magic's line before the magic sees it, and in doing
so turns `{{.Names}}` into `{.Names}` (str.format's escaped brace).  dockermagic's magics opt out
of that and expand here instead: the same formatter over the same namespaces (the user's, then
the caller's locals), applied only to the text between `{{...}}` templates.  Each value goes in marked, so that the
shell reader (`shell/reader.py`) reads it as one unquoted variable's value: words, never code.
A `{...}` that does not evaluate stays as typed, and a `$NAME` that names no Python variable is
left for the shell to take from the environment.
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


class _Marked(DollarFormatter):
    """DollarFormatter's fields, with each `$name` field's name tagged by a leading `$`."""

    def parse(self, fmt_string):
        from string import Formatter

        for literal, name, spec, conversion in Formatter.parse(self, fmt_string):
            text, at = "", 0
            for m in self._dollar_pattern_ignore_single_quote.finditer(literal):
                before, field = m.group(1, 2)
                if field.startswith("$"):  # `$$name` is `$name`, as typed
                    text += before + field
                else:
                    yield text + before, "$" + field, "", None
                    text = ""
                at = m.end()
            yield text + literal[at:], name, spec, conversion


def expand_words(line: str, ns: dict) -> str:
    """`line` with `{expr}` / `$name` from `ns` put in as values the shell reader reads as one
    unquoted variable's value each (split into words, never read as code: `shell.reader`);
    a `$NAME` or `${...}` that names no Python variable is left for the shell (the environment),
    and a `{...}` that does not evaluate is left as typed, `{{...}}` templates kept."""
    from .shell.reader import VALUE_CLOSE, VALUE_OPEN

    templates = TEMPLATE.findall(line)
    if any(_MARK in t for t in templates) or _MARK in line or VALUE_OPEN in line or VALUE_CLOSE in line:
        return line
    marked = TEMPLATE.sub(lambda m: f"{_MARK}{templates.index(m.group())}{_MARK}", line)
    formatter = _Marked()
    try:
        pieces = list(formatter.parse(marked))
    except ValueError:  # an unbalanced brace: left as typed, as IPython leaves it
        return line
    out = []
    for literal, name, spec, conversion in pieces:
        out.append(literal)
        if name is None:
            continue
        dollar = name.startswith("$")
        typed = f"${name[1:]}" if dollar else (
            "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        if (literal.endswith("$") and not dollar) or (dollar and not re.fullmatch(r"[A-Za-z_][\w.]*", name[1:])):
            out.append(typed)  # `${NAME...}`, `$1`: the shell's
            continue
        try:
            value = eval(name[1:] if dollar else name + (f":{spec}" if spec else ""), dict(ns))  # noqa: S307
            text = formatter.format_field(formatter.convert_field(value, conversion), "")
        except Exception:  # noqa: BLE001 -- as IPython's var_expand: leave what does not expand
            out.append(typed)
            continue
        out.append(VALUE_OPEN + text + VALUE_CLOSE)
    expanded = "".join(out)
    return re.sub(f"{_MARK}(\\d+){_MARK}", lambda m: templates[int(m.group(1))], expanded)
