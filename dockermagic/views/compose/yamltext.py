"""Compose files as a page shows them: YAML highlighted (keys, strings, numbers, booleans and
null, comments, anchors, aliases, tags and merge keys, block scalars), and the canonical
model written as the YAML `docker compose config` prints (two spaces a level, sequences
indented under their key, a string quoted only where YAML would read it otherwise).

A line-by-line highlighter, no parser: it colours what it recognises and leaves the rest as
plain escaped text, so a file the loader refused still shows as written.
"""

from __future__ import annotations

import json
import re

from ..markup import MONO, esc

COLOURS = {"key": "#0550ae", "string": "#116329", "number": "#953800", "literal": "#8250df",
           "comment": "#6e7781", "anchor": "#cf222e", "punct": "#57606a"}
PRE_STYLE = (f"{MONO};font-size:12px;line-height:1.45;white-space:pre;margin:4px 0;padding:8px 10px;"
             "background:rgba(128,128,128,.06);border-radius:4px;max-height:40em;overflow:auto;color:#24292f")

_KEY = re.compile(r"""^(\s*(?:-\s+)*)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|<<|[^\s#'"\-{\[][^#]*?|-[^\s#][^#]*?)(\s*:)(?=\s|$)""")
_ITEM = re.compile(r"^(\s*(?:-\s+)*-)(?=\s|$)")
_NUMBER = re.compile(r"^[-+]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$")
_LITERALS = {"true", "false", "null", "~", "True", "False", "Null", "NULL", "TRUE", "FALSE"}
_BLOCK = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")


def _span(kind: str, text: str) -> str:
    if not text:
        return ""
    style = f"color:{COLOURS[kind]}" + (";font-style:italic" if kind == "comment" else "")
    return f'<span style="{style}">{esc(text)}</span>'


def _split_comment(text: str) -> tuple[str, str]:
    """(value, comment): a `#` starts a comment at the line's start or after a blank, outside quotes."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or text[i - 1] in " \t[{,:"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i], text[i:]
    return text, ""


def _value(text: str) -> str:
    """A scalar (or flow collection) after `key:` or `- `, coloured by what YAML reads in it."""
    body, comment = _split_comment(text)
    stripped = body.strip()
    lead, trail = body[: len(body) - len(body.lstrip())], body[len(body.rstrip()):]
    out = esc(lead)
    words = stripped
    prefix = ""
    while words[:1] in ("&", "!") or (words[:1] == "*" and " " not in words):   # anchors, tags, aliases
        mark, _, rest = words.partition(" ")
        prefix += _span("anchor", mark) + (" " if _ else "")
        words = rest
    if not words:
        core = ""
    elif words[0] in "\"'":
        core = _span("string", words)
    elif words in _LITERALS:
        core = _span("literal", words)
    elif _NUMBER.match(words):
        core = _span("number", words)
    elif _BLOCK.match(words) or words[0] in "[{":
        core = _span("punct", words)
    else:
        core = _span("string", words)
    return out + prefix + core + esc(trail) + _span("comment", comment)


def highlight(text: str) -> str:
    """YAML as HTML spans (no wrapping element); every character of `text` kept, escaped."""
    out = []
    block_indent = None   # the indent a block scalar's lines must exceed
    for line in str(text).split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                out.append(esc(line[:indent]) + _span("string", line[indent:]))
                continue
            block_indent = None
        if line.strip() in ("---", "..."):
            out.append(_span("punct", line))
            continue
        if line.lstrip().startswith("#"):
            out.append(esc(line[:indent]) + _span("comment", line[indent:]))
            continue
        key = _KEY.match(line)
        if key:
            lead, name, colon = key.groups()
            rest = line[key.end():]
            out.append(_items(lead) + _span("anchor" if name == "<<" else "key", name) + _span("punct", colon) + _value(rest))
            if _BLOCK.match(rest.strip()):
                block_indent = indent + (len(lead) - indent if "-" in lead else 0)
            continue
        item = _ITEM.match(line)
        if item:
            rest = line[item.end():]
            out.append(_items(item.group(1)) + _value(rest))
            if _BLOCK.match(rest.strip()):
                block_indent = indent
            continue
        out.append(_value(line) if line.strip() else esc(line))
    return "\n".join(out)


def _items(lead: str) -> str:
    return "".join(_span("punct", ch) if ch == "-" else esc(ch) for ch in lead)


def highlighted(text: str) -> str:
    """The highlighted YAML in its own `<pre>`."""
    return f'<pre style="{PRE_STYLE}">{highlight(text)}</pre>'


# -- the model as YAML ----------------------------------------------------------------------------
_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@%+=,\-()\[\]{}<>$*&!|? ]*$")
_RESERVED = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|"
                       r"null|Null|NULL|~)$")


def scalar(value) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if (not text or not _PLAIN.match(text) or _RESERVED.match(text) or _NUMBER.match(text) or text != text.strip()
            or ": " in text or " #" in text or text[0] in "&*!|>{[?-,%@`" or text.endswith(":")):
        return json.dumps(text, ensure_ascii=False)
    return text


def to_yaml(value, indent: int = 0) -> str:
    """A JSON-like value as block YAML, in the model's key order."""
    return "\n".join(_lines(value, indent)) + "\n"


def _lines(value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        out = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{scalar(str(key))}:")
                out += _lines(item, indent + 2)
            else:
                out.append(f"{pad}{scalar(str(key))}: {_inline(item)}")
        return out
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + _inline(value)]


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str) and "\n" in value:
        return json.dumps(value, ensure_ascii=False)
    return scalar(value)
