"""The Go text/template language as the docker CLI's `--format` uses it.

`parse(text)` reads a template (a parse error is one `TemplateError` naming the part), and
`Template.execute(data)` renders it over plain data: the engine's JSON (dicts, lists, strings,
numbers) or objects whose attributes are the fields (a callable attribute is a method:
`{{.Label "com.example"}}`).  What is here is what the CLI's templates use: text and
`{{- -}}` trimming, comments, field paths, variables, pipelines, parentheses, `if`/`else if`/
`else`, `range` (with `$i, $v :=`, `else`, `break`, `continue`), `with`, Go's built-in
functions (and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge,
html, urlquery, js) and the CLI's own (json, split, join, title, lower, upper, pad, truncate).
`define`, `template` and `block` are not.  Values print as Go prints them: `[a b]` for a list,
`map[k:v]` for an object with other keys than Go field names, `{v1 v2}` for one whose keys are
all Go field names (the CLI prints its structs that way), `<nil>` for null.
"""

from __future__ import annotations

from ..text.strconv import shown
from .gofmt import NO_VALUE, go_json, go_str, go_type, is_true, printf, sprint, sprintln
from .syntax import Node, Parser, TemplateError

_MISSING = object()  # no value piped in from a previous command


class _Stop(Exception):
    """`{{break}}` / `{{continue}}` unwinding to their `range`."""

    def __init__(self, kind: str):
        self.kind = kind


def _call(method, args, name: str, part: str):
    try:
        return method(*args)
    except TypeError as exc:
        raise TemplateError(f"--format: at <{part}>: wrong arguments for {name}: {exc}") from None


def _field(value, name: str, args=(), part: str = ""):
    if isinstance(value, dict):
        if name not in value:
            raise TemplateError(f'--format: at <{part}>: map has no entry for key "{name}"')
        found = value[name]
        if callable(found):
            return _call(found, args, name, part)
        if args:
            raise TemplateError(f"--format: at <{part}>: {name} is not a method but has arguments")
        return found
    if value is None or value is NO_VALUE:
        raise TemplateError(f"--format: at <{part}>: nil pointer evaluating interface {{}}.{name}")
    attr = None if name.startswith("_") or isinstance(value, (str, int, float, list, tuple)) else getattr(value, name, None)
    if attr is None and not hasattr(value, name) or name.startswith("_"):
        raise TemplateError(f"--format: at <{part}>: can't evaluate field {name} in type {go_type(value)}")
    if callable(attr):
        return _call(attr, args, name, part)
    if args:
        raise TemplateError(f"--format: at <{part}>: {name} is not a method but has arguments")
    return attr


class Template:
    """A parsed `--format` template; `execute(data)` renders it."""

    def __init__(self, text: str, functions: dict | None = None):
        from . import funcs

        self.text = text
        self.functions = dict(funcs.FUNCTIONS, **(functions or {}))
        self.nodes = Parser(text, self.functions).parse()

    def execute(self, data, functions: dict | None = None) -> str:
        """The template rendered over `data`; a failure is a `TemplateError` naming the part."""
        funcs = dict(self.functions, **(functions or {}))
        out: list[str] = []
        self._walk(self.nodes, data, [("$", data)], out, funcs)
        return "".join(out)

    def _walk(self, nodes, dot, scope, out, funcs) -> None:
        mark = len(scope)
        for node in nodes:
            if node.kind == "text":
                out.append(node.text)
            elif node.kind == "action":
                value = self._pipe(node.pipe, dot, scope, funcs)
                if not node.pipe.decl:
                    out.append(go_str(value))
            elif node.kind in ("break", "continue"):
                raise _Stop(node.kind)
            elif node.kind == "range":
                self._range(node, dot, scope, out, funcs)
            else:
                value = self._pipe(node.pipe, dot, scope, funcs)
                inner = scope + []
                if is_true(value):
                    self._walk(node.body, value if node.kind == "with" else dot, inner, out, funcs)
                else:
                    self._walk(node.otherwise, dot, inner, out, funcs)
        del scope[mark:]

    def _range(self, node, dot, scope, out, funcs) -> None:
        pipe = node.pipe
        value = self._pipe(Node("pipe", decl=[], assign=False, cmds=pipe.cmds, part=pipe.part), dot, scope, funcs)
        if isinstance(value, dict):
            pairs = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, (list, tuple)):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        elif value is None or value is NO_VALUE:
            pairs = []
        else:
            raise TemplateError(f"--format: at <{pipe.part}>: range can't iterate over {shown(go_str(value))}")
        if not pairs:
            self._walk(node.otherwise, dot, scope + [], out, funcs)
            return
        for key, item in pairs:
            inner = scope + []
            if len(pipe.decl) == 1:
                inner.append((pipe.decl[0], item))
            elif len(pipe.decl) == 2:
                inner += [(pipe.decl[0], key), (pipe.decl[1], item)]
            try:
                self._walk(node.body, item, inner, out, funcs)
            except _Stop as stop:
                if stop.kind == "break":
                    break

    def _pipe(self, pipe, dot, scope, funcs):
        value = _MISSING
        for cmd in pipe.cmds:
            value = self._command(cmd, dot, scope, funcs, pipe.part, value)
        if pipe.decl:
            if pipe.assign:
                for i in range(len(scope) - 1, -1, -1):
                    if scope[i][0] == pipe.decl[0]:
                        scope[i] = (pipe.decl[0], value)
                        break
                else:
                    raise TemplateError(f"--format: undefined variable {pipe.decl[0]} in {pipe.part}")
            else:
                scope.append((pipe.decl[0], value))
        return value

    def _command(self, cmd, dot, scope, funcs, part, final=_MISSING):
        head, rest = cmd[0], cmd[1:]
        if head.kind == "ident":
            fn = funcs[head.value]
            if head.value in ("and", "or"):
                return self._logic(head.value, rest, dot, scope, funcs, part, final)
            args = [self._arg(a, dot, scope, funcs, part) for a in rest] + ([] if final is _MISSING else [final])
            try:
                return fn(*args)
            except TemplateError:
                raise
            except (TypeError, ValueError, KeyError, IndexError) as exc:
                raise TemplateError(f"--format: at <{head.value}>: error calling {head.value}: {exc}") from None
        args = [self._arg(a, dot, scope, funcs, part) for a in rest] + ([] if final is _MISSING else [final])
        if head.kind in ("field", "var") and args:
            return self._operand(head, dot, scope, funcs, part, args)
        if args:
            raise TemplateError(f"--format: can't give argument to non-function in {part}")
        return self._operand(head, dot, scope, funcs, part)

    def _logic(self, name, rest, dot, scope, funcs, part, final):
        args = list(rest) + ([] if final is _MISSING else [final])
        if not args:
            raise TemplateError(f"--format: at <{name}>: wrong number of args for {name}: want at least 1 got 0")
        value = None
        for arg in args:
            value = arg if not isinstance(arg, Node) else self._arg(arg, dot, scope, funcs, part)
            if is_true(value) == (name == "or"):
                return value
        return value

    def _arg(self, node, dot, scope, funcs, part):
        if node.kind == "ident":
            return self._command([node], dot, scope, funcs, part)
        return self._operand(node, dot, scope, funcs, part)

    def _operand(self, node, dot, scope, funcs, part, args=()):
        if node.kind == "lit":
            return node.value
        if node.kind == "sub":
            value, chain = self._pipe(node.pipe, dot, scope, funcs), node.chain
        elif node.kind == "field":
            value, chain = dot, node.value
        else:
            name, chain = node.value
            for var, val in reversed(scope):
                if var == name:
                    value = val
                    break
            else:
                raise TemplateError(f"--format: undefined variable {name} in {part}")
        for i, name in enumerate(chain):
            value = _field(value, name, args if i == len(chain) - 1 else (), part=part.strip("{} -"))
        if args and not chain:
            raise TemplateError(f"--format: can't give argument to non-function in {part}")
        return value


def parse(text: str, functions: dict | None = None) -> Template:
    return Template(text, functions)


__all__ = ["Template", "TemplateError", "parse", "go_json", "printf", "sprint", "sprintln"]
