"""The syntax of Go's text/template, as far as docker CLI `--format` templates go: actions and
their `{{- -}}` trimming, comments, tokens (fields, variables, strings, numbers), pipelines and
the `if` / `range` / `with` / `else` / `end` structure, read into nodes `gotemplate` executes.
Anything else is one `TemplateError` naming the part."""

from __future__ import annotations

import re

from ..errors import InvalidInput
from ..text.strconv import shown


class TemplateError(InvalidInput):
    """A `--format` template that does not parse, or fails on the data it is given."""


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


class Node:
    """One piece of a parsed template: text, an action, a control structure, a pipeline, an operand."""

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


class Parser:
    """A template's text read into a list of nodes (`parse()`)."""

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
            part = shown(m.group())  # every message quotes the action as this: one line whatever it holds
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
                    nodes.append(Node("text", text=item[1]))
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
                nodes.append(Node(head))
            elif head in ("define", "template", "block"):
                raise TemplateError(f"--format: {{{{{head}}}}} is not supported here (in {part})")
            else:
                nodes.append(Node("action", pipe=self.pipeline(tokens, part)))
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
        return Node(head, pipe=pipe, body=body, otherwise=otherwise)

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
        cmds, current, depth = [], [], 0
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
        return Node("pipe", decl=decl, assign=assign, cmds=[self.command(c, part) for c in cmds], part=part)

    def command(self, tokens, part: str):
        args, i = [], 0
        while i < len(tokens):
            kind, value = tokens[i]
            if kind == "op" and value == "(":
                depth, j = 1, i + 1
                while depth:
                    depth += 1 if tokens[j] == ("op", "(") else -1 if tokens[j] == ("op", ")") else 0
                    j += 1
                node = Node("sub", pipe=self.pipeline(tokens[i + 1:j - 1], part), chain=[])
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
                    raise TemplateError(f'--format: function "{value}" not defined (in {part}); '
                                        f"known: {', '.join(sorted(self.functions))}")
            elif kind == "op":
                raise TemplateError(f"--format: unexpected {value!r} in operand of {part}")
            elif kind == "chain":
                raise TemplateError(f"--format: unexpected field after a value in {part}")
            args.append(Node(kind, value=value))
            i += 1
        return args
