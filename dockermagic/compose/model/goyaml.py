"""YAML text as v2's `config` prints it (Go's yaml.v3 encoder, indent 2): the project's keys in
compose-go's struct order, `command: null` left out (or, for `--no-interpolate`'s tree, every map's
keys in yaml.v3's own order); strings double-quoted where YAML would read them as something else,
single-quoted where plain style cannot hold them, multi-line strings as `|` blocks; floats as Go's
`%g`."""

from __future__ import annotations

import re
from decimal import Decimal

_TOP = ("name", "services", "networks", "volumes", "secrets", "configs", "models")
#: what yaml.v3 would read back as something other than a string: it writes those double-quoted
_SPECIAL = re.compile(r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|"
                      r"off|Off|OFF|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?|"
                      r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?0b[01_]+|[-+]?0o[0-7_]+|[-+]?0x[0-9a-fA-F_]+|"
                      r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|"
                      r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}.*)?)$")
_INDICATORS = set(",[]{}#&*!|>'\"%@`")


def _plain(text: str) -> bool:
    """Whether libyaml's emitter (yaml.v3's) writes `text` plain in block context."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if text[0] in _INDICATORS or (text[0] in "-?:" and (len(text) == 1 or text[1] == " ")):
        return False
    return ": " not in text and " #" not in text and not text.endswith(":") and not ({"\u2028", "\u2029"} & set(text))


def _printable(text: str) -> bool:
    """libyaml's printable characters (above U+FFFF none: an emoji is written `\\U0001F600`)."""
    return all(char == "\n" or " " <= char <= "~" or "\xa0" <= char <= "\ud7ff"
               or ("\ue000" <= char <= "\ufffd" and char != "\ufeff") for char in text)


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text == "" or _SPECIAL.match(text) or not _printable(text):
        return _double_quoted(text)
    if _plain(text):
        return text
    return "'" + text.replace("'", "''") + "'"  # what plain cannot hold, single-quoted as yaml.v3 does


_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
            "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N",
            "\u2028": "\\L", "\u2029": "\\P"}


def _double_quoted(text: str) -> str:
    """libyaml's double-quoted style: its short escapes, else `\\xXX`, `\\uXXXX` (hex in capitals)."""
    out = []
    for char in text:
        if _printable(char) and char not in '"\\\n':
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        else:
            code = ord(char)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def _go_float(value: float) -> str:
    """yaml.v3's float: Go's `strconv.FormatFloat(f, 'g', -1, 64)` (`0.5`, `2`, `1e+06`, `1e-05`)."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    number = Decimal(repr(value)).normalize()
    sign, digits, exponent = number.as_tuple()
    point = len(digits) + exponent - 1  # the decimal exponent of the first digit
    if digits == (0,) or -4 <= point < 6:
        return format(number, "f")
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"


def _emit(value, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            label = _scalar(key)
            if isinstance(item, dict) and item:
                lines.append(f"{pad}{label}:")
                _emit(item, indent + 2, lines)
            elif isinstance(item, list) and item:
                lines.append(f"{pad}{label}:")
                _emit(item, indent + 2, lines)
            elif isinstance(item, str) and "\n" in item:
                lines.append(f"{pad}{label}: |{'' if item.endswith(chr(10)) else '-'}")
                lines += [f"{pad}  {line}" if line else "" for line in item.rstrip("\n").split("\n")]
            else:
                lines.append(f"{pad}{label}: {_leaf(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                sub[0] = f"{pad}- " + sub[0][indent + 2:]
                lines += sub
            elif isinstance(item, list) and item:
                sub = []
                _emit(item, indent + 2, sub)
                sub[0] = f"{pad}- " + sub[0][indent + 2:]
                lines += sub
            else:
                lines.append(f"{pad}- {_leaf(item)}")


def _leaf(item) -> str:
    if isinstance(item, dict):
        return "{}"
    if isinstance(item, list):
        return "[]"
    return _scalar(item)


def _drop_nulls(service: dict) -> dict:
    service = {k: v for k, v in service.items() if not (k in ("command", "entrypoint") and v is None)}
    develop = service.get("develop")
    if isinstance(develop, dict) and isinstance(develop.get("watch"), list):  # a zero `exec` struct: left out
        service["develop"] = {**develop, "watch": [{k: v for k, v in item.items() if v != {"command": None}}
                                                   for item in develop["watch"]]}
    blkio = service.get("blkio_config")
    if isinstance(blkio, dict):  # ThrottleDevice's YAML tags are lowercase; its JSON has none (`Path`, `Rate`)
        service["blkio_config"] = {k: [{key.lower(): val for key, val in item.items()} for item in v]
                                   if isinstance(v, list) and k != "weight_device" else v for k, v in blkio.items()}
    if isinstance(service.get("deploy"), dict):  # yaml.v3's omitempty leaves out a zero struct; JSON keeps `{}`
        service["deploy"] = {k: v for k, v in service["deploy"].items() if not (k in ("resources", "placement")
                                                                                 and v == {})}
    return service


def _drop_empty_ipam(networks: dict) -> dict:
    return {name: {k: v for k, v in net.items() if not (k == "ipam" and not v)} for name, net in networks.items()}


def dumps(model: dict, models: dict | None = None) -> str:
    """The canonical model as v2's YAML (`models`: the top-level models, which its JSON leaves out)."""
    if models:
        model = {**model, "models": models}
    ordered = {key: model[key] for key in _TOP if key in model}
    ordered.update({key: value for key, value in model.items() if key not in ordered})
    if "services" in ordered:
        ordered["services"] = {name: _drop_nulls(svc) for name, svc in ordered["services"].items()}
    if "networks" in ordered:
        ordered["networks"] = _drop_empty_ipam(ordered["networks"])
    lines: list[str] = []
    _emit(ordered, 0, lines)
    return "\n".join(lines) + "\n"


def _natural_key(text: str):
    """yaml.v3's order of map keys (its `keyList.Less`): letters by code point, a run of digits by its
    value (`web9` before `web10`), a non-letter before a letter unless it follows a digit."""
    return _YamlKey(text)


class _YamlKey:
    __slots__ = ("runes",)

    def __init__(self, text: str):
        self.runes = text

    def __lt__(self, other: _YamlKey) -> bool:
        a, b = self.runes, other.runes
        digits = False
        for i in range(min(len(a), len(b))):
            if a[i] == b[i]:
                digits = a[i].isdigit()
                continue
            a_letter, b_letter = a[i].isalpha(), b[i].isalpha()
            if a_letter and b_letter:
                return a[i] < b[i]
            if a_letter or b_letter:
                return a_letter if digits else b_letter
            an = bn = 0
            if a[i] == "0" or b[i] == "0":
                j = i - 1
                while j >= 0 and a[j].isdigit():
                    if a[j] != "0":
                        an = bn = 1
                        break
                    j -= 1
            ai = i
            while ai < len(a) and a[ai].isdigit():
                an = an * 10 + int(a[ai])
                ai += 1
            bi = i
            while bi < len(b) and b[bi].isdigit():
                bn = bn * 10 + int(b[bi])
                bi += 1
            if an != bn:
                return an < bn
            if ai != bi:
                return ai < bi
            return a[i] < b[i]
        return len(a) < len(b)


def _sorted_tree(value):
    if isinstance(value, dict):
        return {key: _sorted_tree(value[key]) for key in sorted(value, key=lambda k: _natural_key(str(k)))}
    if isinstance(value, list):
        return [_sorted_tree(item) for item in value]
    return value


def dumps_tree(tree: dict) -> str:
    """A plain YAML tree (Go's `map[string]any`) as yaml.v3 encodes it: keys in its order, nothing left out."""
    lines: list[str] = []
    _emit(_sorted_tree(tree), 0, lines)
    return "\n".join(lines) + "\n"
