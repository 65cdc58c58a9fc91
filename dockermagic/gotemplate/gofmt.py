"""Values printed as Go's fmt and encoding/json print them, for `--format` templates: what
`{{.Config.Cmd}}` (`[sleep 600]`), `{{2.0}}` (`2`), `{{printf "%-6v" .X}}` or `{{json .X}}`
show in a terminal, so a notebook shows the same."""

from __future__ import annotations

import json
import re

from ..text.strconv import go_quote


class _NoValue:
    """Go's invalid value: what a template prints as `<no value>`."""

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE = _NoValue()


def is_true(value) -> bool:
    """Go's template truth: false, 0, nil, an empty string, slice or map, and no value are false."""
    if value is NO_VALUE or value is None:
        return False
    if isinstance(value, (bool, int, float, str, list, tuple, dict)):
        return bool(value)
    return True


_GO_NAME = re.compile(r"[A-Z]\w*\Z")


def go_type(value) -> str:
    if value is None or value is NO_VALUE:
        return "<nil>"
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
                       ((list, tuple), "[]interface {}"), (dict, "map[string]interface {}")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def go_float(value: float, verb: str = "g") -> str:
    """`%v` / `%g` of a float64: the shortest digits, an exponent below 1e-4 or from 1e+06 on
    (Go's shortest `%g` decides with precision 6 whatever the digits)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if value < 0 or (value == 0 and str(value).startswith("-")) else ""
    if value == 0:
        return sign + "0"
    mantissa, _, exp = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + int(exp or 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}{'E' if verb == 'G' else 'e'}{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    head, tail = digits[:exponent + 1].ljust(exponent + 1, "0"), digits[exponent + 1:]
    return sign + head + ("." + tail if tail else "")


def go_str(value, top: bool = True) -> str:
    """`fmt.Sprint(value)` for one value."""
    if value is NO_VALUE:
        return "<no value>"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_str(v, False) for v in value) + "]"
    if isinstance(value, dict):
        if value and all(isinstance(k, str) and _GO_NAME.match(k) for k in value):
            return "{" + " ".join(go_str(v, False) for v in value.values()) + "}"
        return "map[" + " ".join(f"{go_str(k, False)}:{go_str(value[k], False)}" for k in sorted(value, key=str)) + "]"
    return str(value)


def _plain(value):
    if value is NO_VALUE:
        return None
    if isinstance(value, float) and value == int(value) and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "fields") and callable(value.fields):
        return _plain(value.fields())
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def go_json(value) -> str:
    """`{{json .X}}` as the CLI gives it: compact, `<>&` left alone, U+2028/2029 escaped."""
    text = json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = re.sub(r"(?<=\d)e([+-])0*(\d)", r"e\1\2", text)  # Go writes 1e-7, not 1e-07
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8", "replace").decode()


def sprint(*args) -> str:
    """fmt.Sprint: a space between two operands when neither is a string."""
    out = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_str(arg))
    return "".join(out)


def sprintln(*args) -> str:
    return " ".join(go_str(a) for a in args) + "\n"


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])")


def _bad(verb: str, arg) -> str:
    return f"%!{verb}(<nil>)" if arg is None else f"%!{verb}({go_type(arg)}={go_str(arg)})"


def _one(verb: str, flags: str, width, prec, arg) -> str:
    if isinstance(arg, (list, tuple)) and verb in "vsdqxXobeEfFgGt":
        return "[" + " ".join(_one(verb, flags, width, prec, a) for a in arg) + "]"
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    if verb == "v":
        text = go_float(arg) if isinstance(arg, float) and prec is None else go_str(arg)
        if isinstance(arg, float) and prec is not None:
            text = f"%.{prec or 0}g" % arg
    elif verb == "s":
        text = arg if isinstance(arg, str) else go_str(arg) if isinstance(arg, dict) else _bad(verb, arg)
        if isinstance(arg, str) and prec is not None:
            text = arg[:int(prec or 0)]
    elif verb == "q":
        text = go_quote(arg) if isinstance(arg, str) else (repr(chr(arg)) if is_int and 0 <= arg < 0x110000 else _bad(verb, arg))
    elif verb in "dxXob" and is_int:
        spec = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb]
        text = format(arg, ("+" if "+" in flags else "") + spec)
    elif verb in "xX" and isinstance(arg, str):
        text = arg.encode().hex()
        text = text.upper() if verb == "X" else text
    elif verb == "c" and is_int and 0 <= arg < 0x110000:
        text = chr(arg)
    elif verb == "t" and isinstance(arg, bool):
        text = "true" if arg else "false"
    elif verb in "eEfFgG" and isinstance(arg, float):
        if verb in "gG" and prec is None:
            text = go_float(arg, verb)
        else:
            text = f"%{'+' if '+' in flags else ''}.{int(prec or 0) if prec is not None else 6}{verb}" % arg
            text = re.sub(r"([eE][+-])(\d)$", r"\g<1>0\2", text)
    else:
        return _bad(verb, arg)
    if width and len(text) < int(width):
        if "-" in flags:
            text = text.ljust(int(width))
        elif "0" in flags and verb in "dxXobeEfFgGv" and (is_int or isinstance(arg, float)):
            sign = text[0] if text[:1] in "+-" else ""
            text = sign + text[len(sign):].rjust(int(width) - len(sign), "0")
        else:
            text = text.rjust(int(width))
    return text


def printf(fmt, *args) -> str:
    """fmt.Sprintf for the verbs templates use (v s q d x X o b c t e E f F g G %), with flags,
    width and precision, and Go's `%!d(MISSING)` / `%!(EXTRA ...)` markers."""
    if not isinstance(fmt, str):
        raise TypeError(f"wrong type for value; expected string; got {go_type(fmt)}")
    out, pos, used = [], 0, 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_one(verb, flags, width, prec, args[used]))
        used += 1
    out.append(fmt[pos:])
    if used < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_str(a)}" for a in args[used:]) + ")")
    return "".join(out)


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)")


def go_time(text: str) -> str:
    """An engine timestamp (RFC 3339) as Go's `time.Time.String()` prints it, which is what the
    CLI's `CreatedAt` fields show: `2026-12-01 09:21:04.842140173 +0000 UTC`."""
    m = _RFC3339.fullmatch(text or "")
    if not m:
        return text or ""
    day, clock, frac, zone = m.groups()
    frac = (frac or "").rstrip("0")
    offset = "+0000 UTC" if zone == "Z" else f"{zone.replace(':', '')} {zone.replace(':', '')}"
    return f"{day} {clock}{'.' + frac if frac else ''} {offset}"
