"""Showing a file the notebook just wrote: its path, mode and size, and its text highlighted;
for a Dockerfile, the warnings of BuildKit's build checks under it.  The checks' other forms
live here too: a `CheckReport` as `docker build --check` prints it (each warning with its rule,
link, message and the Dockerfile lines around it, buildx's framing) and the short list a
build's header carries ("N warnings found", then `- Rule: message (line N)`, as buildx ends a
build).  HTML and text from the same report; every string escaped."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..dockerfile.checks.rules import CheckReport, CheckWarning
from ..text import ansi, units
from .markup import MONO, MUTED, PRE, box, code, esc

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


def file_bundle(path: Path, text: str, language: str | None = None, checks=None) -> dict:
    """A written file; `checks`: a Dockerfile's `CheckReport`, its warnings shown under the file."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    shown = text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN]
    cut = "" if shown is text else f"\n… {len(text) - MAX_SHOWN} more characters in the file"
    head = (
        f"<div>wrote {code(str(path))} <span style=\"{MUTED}\">· mode {oct(mode)[2:]} · "
        f"{esc(units.size(len(text.encode('utf-8'))))}</span></div>"
    )
    html = box(f'{head}<pre style="{PRE}">{_highlight(shown, path, language)}{esc(cut)}</pre>{file_checks_html(checks)}',
               "dm-file")
    plain = "\n".join([f"wrote {path} (mode {oct(mode)[2:]}, {units.size(len(text.encode('utf-8')))})",
                        *file_checks_text(checks)])
    return {"text/plain": plain, "text/html": html}


def show_file(path: Path, text: str, language: str | None = None, checks=None) -> None:
    from IPython.display import display

    from .live import default_mode

    bundle = file_bundle(Path(path), text, language, checks)
    if default_mode() == "text":
        print(bundle["text/plain"].split("\n")[0])
        print(text, end="" if text.endswith("\n") else "\n")
        for line in file_checks_text(checks):
            print(line)
    else:
        display(bundle, raw=True)


# -- BuildKit's build checks ---------------------------------------------------------------------
WARN = "#b58900"
FAIL = "#cf222e"


def count(report: CheckReport) -> str:
    n = len(report.warnings)
    return f"{n} warning{'s' if n != 1 else ''}"


# -- text -----------------------------------------------------------------------------------------
def source_lines(report: CheckReport, warning: CheckWarning) -> list[str]:
    """The Dockerfile around a warning, framed as buildx frames it (errdefs Source.Print)."""
    lines = report.text.split("\n")
    start, end = warning.line, min(warning.end_line or warning.line, len(lines))
    if not 1 <= start <= len(lines):
        return []
    first, last, pad, padded = start, end, (4 if end == start else 2), 0
    while padded < pad:
        if first > 1:
            first -= 1
            padded += 1
        if last != len(lines):
            last += 1
            padded += 1
        padded += 1
    out = [f"{report.filename}:{start}", "-" * 20]
    for number in range(first, last + 1):
        marker = ">>>" if start <= number <= end else "   "
        out.append(f" {number:3d} | {marker} {lines[number - 1]}")
    return out + ["-" * 20]


def check_outcome(report: CheckReport) -> str:
    """`docker build --check`'s first line."""
    n = len(report.warnings)
    if not n:
        return "Check complete, no warnings found."
    return f"Check complete, {'1 warning has' if n == 1 else f'{n} warnings have'} been found!"


def check_text(report: CheckReport) -> str:
    """`docker build --check`'s output."""
    out = [check_outcome(report)]
    for warning in report.warnings:
        out += ["", f"WARNING: {warning.rule}" + (f" - {warning.url}" if warning.url else ""), warning.message]
        out += source_lines(report, warning)
    out += [f"note: {note}" for note in report.notes]
    if report.error:
        out += ["", f"ERROR: {report.error}"]
    return "\n".join(out)


def build_lines(report: CheckReport | None) -> list[str]:
    """What buildx prints of a build's warnings."""
    if report is None or not report.warnings:
        return []
    n = len(report.warnings)
    return [f"{n} warning{'s' if n != 1 else ''} found (use docker --debug to expand):"] + [
        f" - {warning.short}" for warning in report.warnings]


# -- HTML -----------------------------------------------------------------------------------------
def _rule(warning: CheckWarning) -> str:
    name = esc(warning.rule)
    link = (f'<a href="{esc(warning.url)}" target="_blank" rel="noopener" style="color:{WARN};font-weight:600">{name}</a>'
            if warning.url else f'<span style="color:{WARN};font-weight:600">{name}</span>')
    return link


def warning_html(warning: CheckWarning) -> str:
    return (f'<div class="dm-check" style="font-size:12.5px;margin:1px 0">'
            f'<span style="{MONO};{MUTED};font-size:11.5px">line {warning.line}</span> {_rule(warning)} '
            f'{esc(warning.message)}</div>')


def warnings_html(report: CheckReport | None, opened: bool = False) -> str:
    """The warnings as a build's header shows them: a folded list under buildx's count line."""
    if report is None or (not report.warnings and not report.error):
        return ""
    n = len(report.warnings)
    summary = f"{n} warning{'s' if n != 1 else ''} found (use docker --debug to expand)"
    error = (f'<div style="color:{FAIL};font-size:12px">{esc(report.error)}</div>' if report.error else "")
    return (f'<details class="dm-checks"{" open" if opened else ""} style="margin:2px 0">'
            f'<summary style="cursor:pointer;color:{WARN};font-size:12px">{esc(summary)}</summary>'
            + "".join(warning_html(w) for w in report.warnings) + error + "</details>")


def file_checks_html(report: CheckReport | None) -> str:
    """Under a written Dockerfile: each warning with its line, rule (linked) and message."""
    if report is None:
        return ""
    if not report.warnings:
        notes = "".join(f' · {esc(note)}' for note in report.notes)
        return f'<div style="{MUTED};font-size:11.5px">build checks: no warnings{notes}</div>'
    head = (f'<div style="color:{WARN};font-size:12px;margin-top:4px"><b>{esc(count(report))}</b> '
            f'<span style="{MUTED}">from BuildKit\'s build checks (the file is written; a build runs it as it is)</span></div>')
    notes = "".join(f'<div style="{MUTED};font-size:11.5px">{esc(note)}</div>' for note in report.notes)
    return head + "".join(warning_html(w) for w in report.warnings) + notes


def file_checks_text(report: CheckReport | None) -> list[str]:
    if report is None:
        return []
    notes = [f"note: {note}" for note in report.notes]
    if not report.warnings:
        return notes
    return [f"{count(report)} (BuildKit's build checks):"] + [
        f" - line {w.line}: {w.rule}: {w.message}" + (f" ({w.url})" if w.url else "") for w in report.warnings] + notes


def check_html(report: CheckReport) -> str:
    n = len(report.warnings)
    state = (f'<span style="color:{FAIL};font-weight:600">{esc(report.error)}</span>' if report.error else
             f'<span style="color:{WARN if n else "#1a7f37"}">{esc(check_outcome(report))}</span>')
    head = f'<div><b>docker build --check</b> {code(report.filename)} · {state}</div>'
    items = []
    for warning in report.warnings:
        source = "\n".join(source_lines(report, warning)[2:-1])
        items.append(warning_html(warning) + (f'<pre style="{PRE};margin:1px 0 4px 2.5em">{esc(source)}</pre>' if source else ""))
    notes = "".join(f'<div style="{MUTED};font-size:11.5px">{esc(note)}</div>' for note in report.notes)
    return box(head + "".join(items) + notes, "dm-check-report")


def report_bundle(report: CheckReport) -> dict:
    """A `CheckReport` (what `%docker_build --check` returns) displayed."""
    return {"text/plain": check_text(report), "text/html": check_html(report)}
