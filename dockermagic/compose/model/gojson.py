"""JSON text as Go's `encoding/json` writes it: the bytes v2 prints (`config --format json`) and
hashes (`config-hash`).

Python's `json` differs from Go's in three ways that matter here: Go escapes `<`, `>`, `&`,
U+2028 and U+2029 (HTML-safe output), writes an integral float64 without `.0`, and its
`MarshalIndent` prints an empty object or list as `{}` / `[]` (Python's `indent=` does too).
Key order is the dict's own: the loader builds every mapping in Go's order (struct fields in
declaration order, map keys sorted), so nothing is re-sorted here.
"""

from __future__ import annotations

import json

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                          "\u2028": "\\u2028", "\u2029": "\\u2029"})


class NilList(list):
    """An empty sequence Go holds as a nil slice (compose-go reads `[]` so where it does not rebuild
    the list): `null` in JSON, `[]` in YAML (yaml.v3 writes both kinds alike)."""


def _go_numbers(value):
    if isinstance(value, NilList):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {key: _go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item) for item in value]
    return value


def dumps(value, indent: int | None = None) -> str:
    """`json.Marshal(value)` (compact) or `json.MarshalIndent(value, "", "  ")` (indent=2)."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(_go_numbers(value), ensure_ascii=False, indent=indent, separators=separators)
    # the escapes can only come from inside strings: JSON syntax has none of these characters
    return text.translate(_ESCAPES)
