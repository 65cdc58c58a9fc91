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
from decimal import Decimal

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                          "\u2028": "\\u2028", "\u2029": "\\u2029"})


class NilList(list):
    """An empty sequence Go holds as a nil slice (compose-go reads `[]` so where it does not rebuild
    the list): `null` in JSON, `[]` in YAML (yaml.v3 writes both kinds alike)."""


def _go_numbers(value, small: list):
    if isinstance(value, NilList):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, float) and 0 < abs(value) < 1e-4:  # Python writes 2.5e-05 where Go writes 0.000025
        small.append(_small_float(value))
        return f"\0{len(small) - 1}\0"
    if isinstance(value, dict):
        return {key: _go_numbers(item, small) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item, small) for item in value]
    return value


def _small_float(value: float) -> str:
    """Go's float64 in JSON below 1e-4: fixed down to 1e-6, then `1e-7` (one exponent digit where one will do)."""
    if abs(value) >= 1e-6:
        return format(Decimal(repr(value)), "f")
    mantissa, exponent = repr(value).split("e")
    return f"{mantissa}e-{int(exponent[1:])}"


def dumps(value, indent: int | None = None) -> str:
    """`json.Marshal(value)` (compact) or `json.MarshalIndent(value, "", "  ")` (indent=2)."""
    separators = (",", ":") if indent is None else (",", ": ")
    small: list[str] = []
    text = json.dumps(_go_numbers(value, small), ensure_ascii=False, indent=indent, separators=separators)
    for index, number in enumerate(small):  # the tiny floats, held as placeholder strings while Python writes
        text = text.replace(f'"\\u0000{index}\\u0000"', number, 1)
    # the escapes can only come from inside strings: JSON syntax has none of these characters
    return text.translate(_ESCAPES)
