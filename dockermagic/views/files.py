"""Showing a file the notebook just wrote: its path, mode and size, and its text highlighted."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..text import ansi, units
from .markup import MUTED, PRE, box, code, esc

MAX_SHOWN = 20_000  # characters of a written file shown; the file itself is whole


def _heredoc_lines(text: str) -> set[int]:
    """Lines (1-based) that are heredoc bodies or their closing delimiters: text, not instructions."""
    from ..dockerfile.parser import SyntaxProblem, parse_nodes

    try:
        nodes, _, _ = parse_nodes(text)
    except SyntaxProblem:
        return set()
    return {n for node in nodes for doc in node.heredocs for n in range(doc.start_line, doc.end_line + 1)}


def _highlight_dockerfile(text: str) -> str:
    """Instructions highlighted, heredoc bodies shown as the text they are."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    bodies = _heredoc_lines(text)
    lexer = get_lexer_by_name("docker", stripnl=False, ensurenl=False)
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style="friendly")
    chunks, html = [], []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        kind = number in bodies
        if chunks and chunks[-1][0] == kind:
            chunks[-1][1].append(line)
        else:
            chunks.append((kind, [line]))
    for is_body, lines in chunks:
        chunk = "".join(lines)
        html.append(f'<span style="color:#4070a0">{esc(chunk)}</span>' if is_body
                    else highlight(chunk, lexer, formatter))
    return "".join(html)


def _highlight(text: str, path: Path, language: str | None) -> str:
    text = ansi.strip(text)  # an escape byte in a file would reach the page through the highlighter
    try:
        if language == "docker":
            return _highlight_dockerfile(text)
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_by_name(language) if language else get_lexer_for_filename(path.name, text)
        except ClassNotFound:
            return esc(text)
        html = highlight(text, lexer, HtmlFormatter(noclasses=True, nowrap=True, style="friendly"))
        return html
    except ImportError:  # pragma: no cover
        return esc(text)


def file_bundle(path: Path, text: str, language: str | None = None) -> dict:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    shown = text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN]
    cut = "" if shown is text else f"\n… {len(text) - MAX_SHOWN} more characters in the file"
    head = (
        f"<div>wrote {code(str(path))} <span style=\"{MUTED}\">· mode {oct(mode)[2:]} · "
        f"{esc(units.size(len(text.encode('utf-8'))))}</span></div>"
    )
    html = box(f'{head}<pre style="{PRE}">{_highlight(shown, path, language)}{esc(cut)}</pre>', "dm-file")
    plain = f"wrote {path} (mode {oct(mode)[2:]}, {units.size(len(text.encode('utf-8')))})"
    return {"text/plain": plain, "text/html": html}


def show_file(path: Path, text: str, language: str | None = None) -> None:
    from IPython.display import display

    from .live import default_mode

    bundle = file_bundle(Path(path), text, language)
    if default_mode() == "text":
        print(bundle["text/plain"])
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        display(bundle, raw=True)
