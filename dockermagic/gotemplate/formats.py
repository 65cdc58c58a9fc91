"""`--format` as the docker CLI applies it to a listing (`ls`, `ps`, `images` ...) and to
`inspect`.

A listing's format is `table` (the command's default columns), `table TEMPLATE` (a header row
made by rendering TEMPLATE over the column names, then one row per object, aligned as the
CLI's tabwriter aligns them: columns at least 10 wide, 3 spaces apart), `json` (one JSON object
per line) or a bare TEMPLATE (one line per object, no header).  `\\t` and `\\n` typed in the
format are a tab and a newline, as in the CLI.  `inspect --format TEMPLATE` renders each object's
JSON, one line each; `inspect --format json` is the JSON list on one line.

`Listing` is what those commands return without `--format`: their rows, which a view shows as
the `table` format would.  It lives here, beside the listings' text, because every package with a
listing (engine, images, resources, containers) sits above this one and can import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .funcs import HEADER_FUNCTIONS
from .template import Template, TemplateError, parse


@dataclass
class Formatted:
    """What a `--format` template (or `-q`) printed: shown as is, kept as `.text`."""

    text: str

    def __repr__(self) -> str:
        return self.text.rstrip("\n")

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class Listing:
    """A mixin for a listing's dataclass: `len()`, iteration and `.names` over its rows.  `ROWS`
    names the field that holds them (each result keeps the name its users read: `.rows`,
    `.volumes`, `.contexts`); a row's name is its `.name` (or `.Name`, the CLI's field, on a row that
    keeps the CLI's fields) unless the subclass reads it elsewhere."""

    ROWS = "rows"  # unannotated: a subclass's type hints, read in its own module, stay its fields

    def __iter__(self):
        return iter(getattr(self, self.ROWS))

    def __len__(self) -> int:
        return len(getattr(self, self.ROWS))

    @property
    def names(self) -> list[str]:
        return [self._name(row) for row in self]

    @staticmethod
    def _name(row) -> str:
        return row.name if hasattr(row, "name") else row.Name


def tabwrite(text: str, minwidth: int = 10, padding: int = 3) -> str:
    """Go's text/tabwriter (flags 0, padchar ' '): tab-terminated cells aligned per column block
    of consecutive lines; a line's last cell is not aligned."""
    ends_with_newline = text.endswith("\n")
    lines = [line.split("\t") for line in (text[:-1] if ends_with_newline else text).split("\n")]
    out: list[str] = []

    def write(first: int, last: int, widths: list[int]) -> None:
        for line in lines[first:last]:
            out.append("".join(cell.ljust(widths[j]) if j < len(widths) else cell for j, cell in enumerate(line)))

    def block(first: int, last: int, widths: list[int]) -> None:
        column, this = len(widths), first
        while this < last:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write(first, this, widths)
            first, width = this, minwidth
            while this < last and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            block(first, this, widths + [width])
            first = this
        write(first, last, widths)

    block(0, len(lines), [])
    return "\n".join(out) + ("\n" if ends_with_newline else "")


class Header(dict):
    """The column names a table's header row is rendered over; `{{.Label "com.x.my-key"}}`
    heads its column `my key`, as the CLI's does."""

    def __init__(self, names: dict):
        super().__init__(names)
        self["Label"] = lambda name: str(name).split(".")[-1].replace("-", " ").replace("_", " ")


def _listing_template(fmt: str, default_table: str, quiet: bool) -> tuple[str, bool]:
    is_table = fmt.startswith("table")
    if fmt == "json":
        text = "{{json .}}"
    elif is_table:
        text = fmt[len("table"):].strip(" ") or ("{{.ID}}" if quiet else default_table[len("table"):].strip(" "))
    else:
        text = fmt.strip(" ")
    return text.replace("\\t", "\t").replace("\\n", "\n"), is_table


def check_listing(fmt: str) -> None:
    """A listing's `--format` parsed, so a bad template fails before the engine is asked."""
    if fmt:
        parse(_listing_template(fmt, "table", False)[0])


def listing(fmt: str, rows, header: dict, default_table: str, quiet: bool = False) -> str:
    """A listing formatted as the CLI formats it; `rows` are dicts or objects with the fields,
    `header` the column name of each field, `default_table` the command's `table ...` format."""
    rows = list(rows)
    text, is_table = _listing_template(fmt or "table", default_table, quiet)
    template = parse(text)
    body = "".join(template.execute(row) + "\n" for row in rows)
    if not is_table:
        return body
    head = template.execute(Header(header), functions=HEADER_FUNCTIONS)
    return tabwrite(head + "\n" + body)


def inspect(fmt: str, objects: list) -> str:
    """`docker inspect [--format F]` of the engine's JSON objects."""
    if not fmt:
        return json.dumps(objects, indent=4, ensure_ascii=False) + "\n"
    if fmt == "json":
        return json.dumps(objects, ensure_ascii=False, separators=(",", ":")) + "\n"
    template = parse(fmt)
    return "".join(template.execute(obj) + "\n" for obj in objects)


__all__ = ["Formatted", "Header", "Listing", "Template", "TemplateError", "inspect", "listing", "tabwrite"]


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """The docker CLI's column layout: left-aligned, three spaces between columns."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row)]
    lines = [
        "   ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        for r in [headers, *rows]
    ]
    return "\n".join(lines)
