"""The functions a docker CLI `--format` template can call: Go's text/template built-ins and the
CLI's own (templates/templates.go: json, split, join, title, lower, upper, pad, truncate), with
Go's argument rules, so a template that fails in a terminal fails here too.  `HEADER_FUNCTIONS`
are the CLI's replacements while it renders a table's header: the column names stay intact."""

from __future__ import annotations

import html as _html
from urllib.parse import quote_plus

from .gofmt import NO_VALUE, go_json, go_str, go_type, is_true, printf, sprint, sprintln
from .syntax import TemplateError


def _want(value, kind, name: str):
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        expected = {str: "string", int: "int", list: "[]string"}[kind]
        raise TemplateError(f"--format: at <{name}>: wrong type for value; expected {expected}; got {go_type(value)}")
    return value


def _args(name: str, args, count: int):
    if len(args) != count:
        raise TemplateError(f"--format: at <{name}>: wrong number of args for {name}: want {count} got {len(args)}")
    return args


def _not(*args):
    (value,) = _args("not", args, 1)
    return not is_true(value)


def _len(*args):
    (value,) = _args("len", args, 1)
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    raise ValueError(f"len of type {go_type(value)}")


def _index(value, *keys):
    for key in keys:
        if value is None or value is NO_VALUE:
            raise ValueError("index of untyped nil")
        if isinstance(value, dict):
            if not isinstance(key, str):
                raise ValueError(f"value has type {go_type(key)}; should be string")
            # a missing key gives the map's zero value: "" for the CLI's string maps (labels)
            value = value.get(key, "" if all(isinstance(v, str) for v in value.values()) else None)
            continue
        if isinstance(value, str):
            value = value.encode("utf-8", "surrogatepass")
        if not isinstance(value, (list, tuple, bytes)):
            raise ValueError(f"can't index item of type {go_type(value)}")
        if not isinstance(key, int) or isinstance(key, bool):
            raise ValueError(f"cannot index slice/array with type {go_type(key)}")
        if not 0 <= key < len(value):
            raise ValueError(f"index out of range: {key}")
        value = value[key]
    return value


def _slice(value, *bounds):
    if not isinstance(value, (str, list, tuple)):
        raise ValueError(f"can't slice item of type {go_type(value)}")
    if len(bounds) > (2 if isinstance(value, str) else 3):
        raise ValueError("too many slice indexes")
    seq = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    if any(not isinstance(b, int) or isinstance(b, bool) for b in bounds):
        raise ValueError("cannot index slice/array with a non-integer")
    lo = bounds[0] if bounds else 0
    hi = bounds[1] if len(bounds) > 1 else len(seq)
    if not 0 <= lo <= hi <= len(seq):
        raise ValueError(f"index out of range: {lo}:{hi}")
    part = seq[lo:hi]
    return part.decode("utf-8", "replace") if isinstance(part, bytes) else list(part)


def _kind(value) -> str:
    if value is None or value is NO_VALUE:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise ValueError("non-comparable type")


def _eq(first=NO_VALUE, *others):
    if first is NO_VALUE:
        raise ValueError("missing argument for comparison")
    if not others:
        raise ValueError("missing argument for comparison")
    kind = _kind(first)
    for other in others:
        if _kind(other) != kind:
            raise ValueError("incompatible types for comparison")
        if other == first:
            return True
    return False


def _ne(*args):
    return not _eq(*_args("ne", args, 2))


def _ordered(name: str, test):
    def compare(*args):
        a, b = _args(name, args, 2)
        if _kind(a) != _kind(b):
            raise ValueError("incompatible types for comparison")
        if _kind(a) in ("bool", "nil"):
            raise ValueError("invalid type for comparison")
        return test(a, b)
    return compare


def _js(*args):
    out = []
    for ch in sprint(*args):
        if ch in "\\'\"":
            out.append("\\" + ch)
        elif ch in "<>&=" or ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _json(*args):
    (value,) = _args("json", args, 1)
    return go_json(value)


def _split(*args):
    text, sep = (_want(a, str, "split") for a in _args("split", args, 2))
    return list(text) if sep == "" else text.split(sep)


def _join(*args):
    items, sep = _args("join", args, 2)
    _want(sep, str, "join")
    if not isinstance(items, (list, tuple)) or any(not isinstance(i, str) for i in items):
        _want(None, list, "join")
    return sep.join(items)


def _title(*args):
    (text,) = _args("title", args, 1)
    out, prev_sep = [], True
    for ch in _want(text, str, "title"):
        out.append(ch.upper() if prev_sep and ch.isalpha() else ch)
        prev_sep = not (ch.isalnum() or ch == "_") if ord(ch) < 0x80 else ch.isspace()
    return "".join(out)


def _pad(*args):
    text, prefix, suffix = _args("pad", args, 3)
    _want(text, str, "pad"), _want(prefix, int, "pad"), _want(suffix, int, "pad")
    return text if text == "" else " " * prefix + text + " " * suffix


def _truncate(*args):
    text, length = _args("truncate", args, 2)
    _want(text, str, "truncate"), _want(length, int, "truncate")
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) < length:
        return text
    if length < 0:
        raise ValueError(f"slice bounds out of range [:{length}]")
    return raw[:length].decode("utf-8", "replace")


def _one(name: str, fn):
    def call(*args):
        (value,) = _args(name, args, 1)
        return fn(_want(value, str, name))
    return call


def _header(name: str, count: int):
    def same(*args):
        return _want(_args(name, args, count)[0], str, name)
    return same


FUNCTIONS = {
    "and": None, "or": None,  # short-circuiting: evaluated by the template itself
    "not": _not, "len": _len, "index": _index, "slice": _slice,
    "print": sprint, "printf": printf, "println": sprintln,
    "eq": _eq, "ne": _ne,
    "lt": _ordered("lt", lambda a, b: a < b), "le": _ordered("le", lambda a, b: a <= b),
    "gt": _ordered("gt", lambda a, b: a > b), "ge": _ordered("ge", lambda a, b: a >= b),
    "html": lambda *a: _html.escape(sprint(*a)).replace("&#x27;", "&#39;").replace("&quot;", "&#34;"),
    "urlquery": lambda *a: quote_plus(sprint(*a), safe=""), "js": _js,
    "json": _json, "split": _split, "join": _join, "title": _title,
    "lower": _one("lower", str.lower), "upper": _one("upper", str.upper),
    "pad": _pad, "truncate": _truncate,
}

HEADER_FUNCTIONS = {
    "json": _header("json", 1), "split": _header("split", 2), "join": _header("join", 2),
    "title": _header("title", 1), "lower": _header("lower", 1), "upper": _header("upper", 1),
    "truncate": _header("truncate", 2),
}

__all__ = ["FUNCTIONS", "HEADER_FUNCTIONS", "go_str"]
