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

import re

from .errors import InvalidInput
from .gofmt import NO_VALUE, go_json, go_str, go_type, printf, sprint, sprintln


class TemplateError(InvalidInput):
    """A `--format` template that does not parse, or fails on the data it is given."""


_MISSING = object()  # no value piped in from a previous command


class _Stop(Exception):
    """`{{break}}` / `{{continue}}` unwinding to their `range`."""

    def __init__(self, kind: str):
        self.kind = kind


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.[^']*)')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<field>(?:\.[A-Za-z_]\w*)+|\.)
  | (?P<var>\$\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<ident>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<op>:=|=|\||\(|\)|,)
""", re.X)
_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_KEYWORDS = {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unquote(body: str, part: str) -> str:
    def one(m):
        esc = m.group(1)
        if esc[0] in "xuU":
            return chr(int(esc[1:], 16))
        if esc[0] in _ESCAPES:
            return _ESCAPES[esc[0]]
        raise TemplateError(f"--format: unknown escape \\{esc[0]} in {part}")
    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, body)


# -- parsing ------------------------------------------------------------------------------------
class _Node:
    def __init__(self, kind, **kw):
        self.kind = kind
        self.__dict__.update(kw)


def _tokens(source: str, part: str) -> list[tuple[str, object]]:
    out, pos = [], 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            raise TemplateError(f"--format: unexpected {source[pos]!r} in {part}")
        kind, text = m.lastgroup, m.group()
        pos = m.end()
        if kind == "space":
            continue
        if kind == "string":
            out.append(("lit", _unquote(text[1:-1], part)))
        elif kind == "raw":
            out.append(("lit", text[1:-1]))
        elif kind == "char":
            out.append(("lit", ord(_unquote(text[1:-1], part)[0])))
        elif kind == "number":
            num = text.replace("_", "")
            value = int(num, 0) if re.fullmatch(r"[+-]?(0[xX][0-9a-fA-F]+|\d+)", num) else float(num)
            out.append(("lit", value))
        elif kind == "field" and out and out[-1] == ("op", ")") and text != "." and source[m.start() - 1] == ")":
            out.append(("chain", text[1:].split(".")))
        elif kind == "field":
            out.append(("field", [] if text == "." else text[1:].split(".")))
        elif kind == "var":
            name, *chain = text.split(".")
            out.append(("var", (name, chain)))
        elif kind == "ident":
            name, *chain = text.split(".")
            if name in ("true", "false", "nil") and not chain:
                out.append(("lit", {"true": True, "false": False, "nil": None}[name]))
            elif chain:
                raise TemplateError(f"--format: unexpected {text!r} in {part}")
            else:
                out.append(("ident", name))
        else:
            out.append(("op", text))
    return out


class _Parser:
    def __init__(self, text: str, functions):
        self.functions = functions
        self.items = self._lex(text)
        self.pos = 0
        self.loops = 0

    def _lex(self, text: str) -> list:
        items, pos = [], 0
        for m in _ACTION.finditer(text):
            chunk = text[pos:m.start()]
            if m.group(1):
                chunk = chunk.rstrip()
            if items and items[-1][0] == "trim":
                items.pop()
                chunk = chunk.lstrip()
            items.append(("text", chunk))
            body = m.group(2)
            part = m.group()
            if body.strip().startswith("/*"):
                if not body.strip().endswith("*/"):
                    raise TemplateError(f"--format: unclosed comment in {part}")
            else:
                items.append(("action", _tokens(body, part), part))
            if m.group(3):
                items.append(("trim",))
            pos = m.end()
        rest = text[pos:]
        if items and items[-1][0] == "trim":
            items.pop()
            rest = rest.lstrip()
        if "{{" in rest:
            raise TemplateError(f"--format: unclosed action in {rest[rest.index('{{'):][:40]!r}")
        items.append(("text", rest))
        return [i for i in items if i[0] != "trim"]

    def parse(self) -> list:
        nodes, stop = self.block()
        if stop is not None:
            raise TemplateError(f"--format: unexpected {stop[2]}")
        return nodes

    def block(self):
        """Nodes up to an `{{end}}` or `{{else ...}}` (returned as the stop item) or the end."""
        nodes = []
        while self.pos < len(self.items):
            item = self.items[self.pos]
            self.pos += 1
            if item[0] == "text":
                if item[1]:
                    nodes.append(_Node("text", text=item[1]))
                continue
            tokens, part = item[1], item[2]
            head = tokens[0][1] if tokens and tokens[0][0] == "ident" else None
            if head in ("end", "else"):
                return nodes, item
            if head in ("if", "range", "with"):
                nodes.append(self.control(head, tokens[1:], part))
            elif head in ("break", "continue"):
                if not self.loops:
                    raise TemplateError(f"--format: {part} outside {{{{range}}}}")
                nodes.append(_Node(head))
            elif head in ("define", "template", "block"):
                raise TemplateError(f"--format: {{{{{head}}}}} is not supported here (in {part})")
            else:
                nodes.append(_Node("action", pipe=self.pipeline(tokens, part)))
        return nodes, None

    def control(self, head: str, tokens, part: str):
        # an `{{else if}}` is a control of its own inside the else branch: it takes the one {{end}}
        if not tokens:
            raise TemplateError(f"--format: missing value for {head} in {part}")
        pipe = self.pipeline(tokens, part, decl_vars=2 if head == "range" else 1)
        self.loops += head == "range"
        body, stop = self.block()
        self.loops -= head == "range"
        if stop is None:
            raise TemplateError(f"--format: {part} has no {{{{end}}}}")
        otherwise = []
        if stop[1][0] == ("ident", "else"):
            rest = stop[1][1:]
            if rest and rest[0] in (("ident", "if"), ("ident", "with")):
                otherwise = [self.control(rest[0][1], rest[1:], stop[2])]
            elif rest:
                raise TemplateError(f"--format: unexpected {stop[2]}")
            else:
                otherwise, stop = self.block()
                if stop is None or stop[1] != [("ident", "end")]:
                    raise TemplateError(f"--format: {part} has no {{{{end}}}}")
        elif stop[1] != [("ident", "end")]:
            raise TemplateError(f"--format: unexpected {stop[2]}")
        return _Node(head, pipe=pipe, body=body, otherwise=otherwise)

    def pipeline(self, tokens, part: str, decl_vars: int = 1):
        decl, assign = [], False
        ops = [i for i, t in enumerate(tokens) if t in (("op", ":="), ("op", "="))]
        if ops:
            names = tokens[:ops[0]]
            assign = tokens[ops[0]][1] == "="
            vars_ = [t for t in names if t[0] == "var"]
            if not vars_ or len(vars_) > decl_vars or any(t[0] not in ("var", "op") for t in names) or vars_[0][1][1]:
                raise TemplateError(f"--format: bad variable declaration in {part}")
            decl = [t[1][0] for t in vars_]
            tokens = tokens[ops[0] + 1:]
        cmds, current, depth, start = [], [], 0, 0
        for tok in tokens:
            if tok == ("op", "(") or tok == ("op", ")"):
                depth += 1 if tok[1] == "(" else -1
                if depth < 0:
                    raise TemplateError(f"--format: unexpected ')' in {part}")
            if tok == ("op", "|") and depth == 0:
                cmds.append(current)
                current = []
                continue
            current.append(tok)
        cmds.append(current)
        if depth:
            raise TemplateError(f"--format: unclosed '(' in {part}")
        if any(not c for c in cmds):
            raise TemplateError(f"--format: missing value in {part}" if len(cmds) == 1 else f"--format: missing command in {part}")
        return _Node("pipe", decl=decl, assign=assign, cmds=[self.command(c, part) for c in cmds], part=part)

    def command(self, tokens, part: str):
        args, i = [], 0
        while i < len(tokens):
            kind, value = tokens[i]
            if kind == "op" and value == "(":
                depth, j = 1, i + 1
                while depth:
                    depth += 1 if tokens[j] == ("op", "(") else -1 if tokens[j] == ("op", ")") else 0
                    j += 1
                node = _Node("sub", pipe=self.pipeline(tokens[i + 1:j - 1], part), chain=[])
                if j < len(tokens) and tokens[j][0] == "chain":
                    node.chain = tokens[j][1]
                    j += 1
                args.append(node)
                i = j
                continue
            if kind == "ident":
                if value in _KEYWORDS:
                    raise TemplateError(f"--format: unexpected {value!r} in {part}")
                if value not in self.functions:
                    raise TemplateError(f'--format: function "{value}" is not defined (in {part}); '
                                        f"known: {', '.join(sorted(self.functions))}")
            elif kind == "op":
                raise TemplateError(f"--format: unexpected {value!r} in operand of {part}")
            elif kind == "chain":
                raise TemplateError(f"--format: unexpected field after a value in {part}")
            args.append(_Node(kind, value=value))
            i += 1
        return args


# -- execution ----------------------------------------------------------------------------------
def _is_true(value) -> bool:
    if value is NO_VALUE or value is None:
        return False
    if isinstance(value, (bool, int, float, str, list, tuple, dict)):
        return bool(value)
    return True


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
        from . import gofuncs

        self.text = text
        self.functions = dict(gofuncs.FUNCTIONS, **(functions or {}))
        self.nodes = _Parser(text, self.functions).parse()

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
                if _is_true(value):
                    self._walk(node.body, value if node.kind == "with" else dot, inner, out, funcs)
                else:
                    self._walk(node.otherwise, dot, inner, out, funcs)
        del scope[mark:]

    def _range(self, node, dot, scope, out, funcs) -> None:
        pipe = node.pipe
        value = self._pipe(_Node("pipe", decl=[], assign=False, cmds=pipe.cmds, part=pipe.part), dot, scope, funcs)
        if isinstance(value, dict):
            pairs = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, (list, tuple)):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        elif value is None or value is NO_VALUE:
            pairs = []
        else:
            raise TemplateError(f"--format: at <{pipe.part}>: range can't iterate over {go_str(value)}")
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
            value = arg if not isinstance(arg, _Node) else self._arg(arg, dot, scope, funcs, part)
            if _is_true(value) == (name == "or"):
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
