"""YAML as compose-go reads it: YAML 1.2's core schema on PyYAML's C parser.

PyYAML resolves plain scalars by YAML 1.1 (`yes`, `on`, `off` are booleans, `010` is octal,
`1:20` is sexagesimal); Go's yaml.v3 uses the 1.2 core schema, where those stay strings.  The
resolver below is 1.2's, anchors and `<<` merge keys work as in yaml.v3, and the two tags
Compose adds mean: `!reset` (drop what earlier files or `extends` set) and `!override`
(replace it instead of merging).  Errors are one line with the line and column, as v2's.
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import BaseResolver

from ...errors import ComposeFileError

try:  # libyaml's reader, scanner, parser and composer in one: about ten times faster than Python's
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class Reset:
    """A value tagged `!reset`: merging it removes the key."""

    def __repr__(self) -> str:
        return "!reset"


class Override:
    """A value tagged `!override`: merging it replaces the earlier value whole."""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        return f"!override {self.value!r}"


class _CoreResolver(BaseResolver):
    pass


_CORE = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    # yaml.v3 drops `_` and reads the rest with Go's ParseInt(s, 0, 64): 1_000, 0b11, 0o17, 0x1f, 017
    ("tag:yaml.org,2002:int", r"^[-+]?(?:[0-9][0-9_]*|0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+.0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]
for _tag, _pattern, _first in _CORE:
    _CoreResolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Constructor(SafeConstructor):
    def construct_yaml_int(self, node):
        text = self.construct_scalar(node).replace("_", "")
        sign, body = (-1 if text[0] == "-" else 1, text[1:]) if text[0] in "+-" else (1, text)
        for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
            if body.startswith(prefix):
                return sign * int(body[2:], base)
        digits = text.lstrip("+-")
        if len(digits) > 1 and digits.startswith("0") and set(digits) <= set("01234567"):
            return int(text[0] + "0o" + digits if text[0] in "+-" else "0o" + digits, 8)  # yaml.v3: 010 is 8
        return int(text)

    def construct_yaml_float(self, node):
        text = self.construct_scalar(node).lower()
        if text.endswith("inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        return float("nan") if text == ".nan" else float(text)

    def construct_yaml_bool(self, node):
        return self.construct_scalar(node).lower() == "true"

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = key_node.value
            if key in seen:
                raise ConstructorError(None, None, f"mapping key {key!r} already defined at line {seen[key] + 1}",
                                       key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_reset(self, node):
        return Reset()

    def construct_override(self, node):
        if isinstance(node, yaml.MappingNode):
            return Override(self.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return Override(self.construct_sequence(node, deep=True))
        return Override(self.construct_scalar(node))


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)
_Constructor.add_constructor("tag:yaml.org,2002:bool", _Constructor.construct_yaml_bool)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
_Constructor.add_constructor("!reset", _Constructor.construct_reset)
_Constructor.add_constructor("!override", _Constructor.construct_override)


class _Loader(_Parser, _Constructor, _CoreResolver):
    def __init__(self, stream):
        _Parser.__init__(self, stream)
        _Constructor.__init__(self)
        _CoreResolver.__init__(self)


def parse(text: str, path: str = "") -> object:
    """The YAML document in `text` as plain Python data (None for an empty document)."""
    return parse_marked(text, path)[0]


def parse_marked(text: str, path: str = "") -> tuple[object, Marks]:
    """The document in `text`, and where each of its keys stands (for refusals naming a line)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (None if node is None else loader.construct_document(node)), Marks(node)
    except yaml.MarkedYAMLError as exc:
        raise ComposeFileError(f"yaml: {path + ': ' if path else ''}{_where(exc)}") from None
    except yaml.YAMLError as exc:
        raise ComposeFileError(f"yaml: {path + ': ' if path else ''}{str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


def _where(exc: yaml.MarkedYAMLError) -> str:
    """`line L, column C: problem` and, when the parser was inside something, where that began (yaml.v3
    prints only one line number, sometimes the context's: both are given here)."""
    mark = exc.problem_mark or exc.context_mark
    text = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    text += exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context and exc.context_mark and exc.context_mark is not mark:
        text += f" ({exc.context} at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
    return text


class Marks:
    """Where the keys and items of one parsed document stand: `at(("services", "web", "foo"))` is
    the (line, column) of key `foo`, 1-based.  Read from PyYAML's node tree, kept from the parse (so
    a refusal costs one walk down one path, and a file that loads costs nothing)."""

    def __init__(self, node):
        self.node = node

    def at(self, keys) -> tuple[int, int] | None:
        """The mark of the deepest key of `keys` found in the document (None: not even the first)."""
        node, found = self.node, None
        for key in keys:
            step = _child(node, key)
            if step is None:
                break
            found, node = step
        return found


def _child(node, key):
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in reversed(node.value):  # the last of a repeated key wins
            if key_node.tag == "tag:yaml.org,2002:merge":
                for source in (value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]):
                    step = _child(source, key)
                    if step is not None:
                        return step
            elif key_node.value == str(key):
                return (key_node.start_mark.line + 1, key_node.start_mark.column + 1), value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return (item.start_mark.line + 1, item.start_mark.column + 1), item
    return None
