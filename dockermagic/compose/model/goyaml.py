"""YAML text as v2's `config` prints it (Go's yaml.v3 encoder, indent 2): the project's keys in
compose-go's struct order, `command: null` left out, strings quoted only where YAML 1.2 would read
them as something else, multi-line strings as `|` blocks."""

from __future__ import annotations

import json
import re

_TOP = ("name", "services", "networks", "volumes", "secrets", "configs", "models")
_PLAIN = re.compile(r"^(?:[^-?:,\[\]{}#&*!|>'\"%@`\s]|[-?:][^\s])(?:(?!: | #)[^\n])*(?<![:\s])$")
_SPECIAL = re.compile(r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|"
                      r"off|Off|OFF|[-+]?[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+|\.inf|\.nan|"
                      r"0o[0-7]+|0x[0-9a-fA-F]+|[0-9:]+)$")


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(int(value) if isinstance(value, float) and value.is_integer() else value)
    text = str(value)
    if text == "":
        return '""'
    if _SPECIAL.match(text) or not _PLAIN.match(text) or text != text.strip():
        return json.dumps(text, ensure_ascii=False)
    return text


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
    return {k: v for k, v in service.items() if not (k in ("command", "entrypoint") and v is None)}


def _drop_empty_ipam(networks: dict) -> dict:
    return {name: {k: v for k, v in net.items() if not (k == "ipam" and not v)} for name, net in networks.items()}


def dumps(model: dict) -> str:
    ordered = {key: model[key] for key in _TOP if key in model}
    ordered.update({key: value for key, value in model.items() if key not in ordered})
    if "services" in ordered:
        ordered["services"] = {name: _drop_nulls(svc) for name, svc in ordered["services"].items()}
    if "networks" in ordered:
        ordered["networks"] = _drop_empty_ipam(ordered["networks"])
    lines: list[str] = []
    _emit(ordered, 0, lines)
    return "\n".join(lines) + "\n"
