"""Tab completion for dockermagic, as an IPython matcher (the v2 API: `context_matcher`), so the
one implementation serves JupyterLab, Notebook 7, VS Code and terminal IPython alike.

This module is the door: it finds what the cursor is in -- a `%docker...` line (walked down
the command tree `tree.py` reads from the magics' parsers), the body of a `%%dockerfile` or
`%%compose` cell -- and hands the text to the core (`dockermagic/completion/`), which answers.  Where it answers, Jedi's Python names are suppressed."""

from __future__ import annotations

import atexit
import re
import threading

from IPython.core.completer import SimpleCompletion, SimpleMatcherResult, context_matcher

from ...completion import commands, compose_cell, dockerfile_cell, line
from ...completion.candidates import Answer, Candidate, matching, short
from ...completion.commands import Command
from .tree import summary, tree

IDENTIFIER = "dockermagic"
_MAGIC_LINE = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?(%{1,2})([\w-]*)(\s.*)?$", re.DOTALL)
_CELLS = {"dockerfile": dockerfile_cell.complete, "compose": compose_cell.complete}
NOTHING = "nothing to complete"  # the type of the one no-op entry that keeps Jedi's names out
#: the one-word types a kernel's frontends get: a description's last word, some renamed
_WORDS = {"container", "image", "network", "volume", "node", "service", "stack", "platform", "context", "folder",
          "file", "choice", "instruction", "stage", "key", "field", "subcommand"}
_RENAMED = {"empty base": "image", "stage name follows": "keyword", "mount type": "mount", "network mode": "network",
            "security mode": "security", "line magic": "magic", "cell magic": "magic"}


def register(shell) -> None:
    """Put the matcher in the shell's completer (`%load_ext`); once, however often it is loaded."""
    completer = getattr(shell, "Completer", None)
    if completer is None:
        return
    unregister(shell)
    completer.custom_matchers.insert(0, _matcher(shell))
    warming = threading.Thread(target=_warm, name="dm-complete-warm", daemon=True)
    warming.start()
    # an interpreter that ends while the import runs would stop the thread inside it (and may abort):
    # let the import finish first, for a moment at most
    atexit.register(warming.join, 2.0)


def _warm() -> None:
    """docker-py imported before the first Tab needs it (it takes longer than a Tab may wait)."""
    try:
        import docker  # noqa: F401

        from ...engine import connection  # noqa: F401
    except Exception:  # noqa: BLE001 -- the magics report a broken install when they run
        pass


def unregister(shell) -> None:
    completer = getattr(shell, "Completer", None)
    if completer is not None:
        completer.custom_matchers[:] = [m for m in completer.custom_matchers
                                        if getattr(m, "matcher_identifier", None) != IDENTIFIER]


def _matcher(shell):
    trees: dict = {}
    # a kernel's frontends (JupyterLab, Notebook 7, VS Code) show the type as a one-letter icon
    # and a one-word column; the terminal shows it whole beside the item
    in_kernel = getattr(shell, "kernel", None) is not None

    @context_matcher(priority=1, identifier=IDENTIFIER)
    def dockermagic_matcher(context) -> SimpleMatcherResult:
        try:
            answer = answer_for(shell, context.full_text, context.cursor_line, context.cursor_position, trees)
        except Exception:  # noqa: BLE001 -- Tab never shows a traceback: no answer lets IPython's own matchers speak
            answer = None
        if answer is None:
            return {"completions": [], "suppress": False}
        found = [SimpleCompletion(c.text, type=(kind_word(c) if in_kernel else c.kind) or None)
                 for c in answer.candidates]
        # IPython lets only an answer with candidates silence the others: nothing to offer is said
        # with the fragment itself (inserting it changes nothing; the terminal drops an empty one),
        # so Jedi's Python names never fill the menu of a docker line
        return {"completions": found or [SimpleCompletion(answer.fragment, type=NOTHING)],
                "matched_fragment": answer.fragment, "suppress": True, "ordered": True}

    return dockermagic_matcher


def kind_word(candidate: Candidate) -> str:
    """The candidate's type in one word, as JupyterLab's completer lays it out: `container` for
    "running container", `option` for an option (its help stays the terminal's), `magic` ..."""
    if candidate.text.startswith("%"):
        return "magic"
    if candidate.text.startswith("-"):
        return "option"
    if candidate.kind in _RENAMED:
        return _RENAMED[candidate.kind]
    words = candidate.kind.split()
    if 0 < len(words) <= 2 and words[-1] in _WORDS:
        return words[-1]
    return "subcommand" if words else ""  # what else has a sentence: a subcommand's summary


def answer_for(shell, text: str, row: int, column: int, trees: dict | None = None) -> Answer | None:
    """dockermagic's answer at (row, column) of a cell's `text`, or None where it is not dockermagic's to answer."""
    lines = text.split("\n")
    if row == 0 and column > len(lines[0]):  # IPython's older `complete()` gives an offset in the whole cell
        before = text[:column].split("\n")
        row, column = len(before) - 1, len(before[-1])
    first = _MAGIC_LINE.match(lines[0])
    if row > 0 and first and first.group(1) == "%%" and first.group(2) in _CELLS:
        return _CELLS[first.group(2)](lines[1:], row - 1, column)
    match = _MAGIC_LINE.match(lines[row][:column])
    if match is None or not match.group(2).startswith("docker") and match.group(2) not in ("compose", "context_file"):
        return None
    percent, name, rest = match.groups()
    if rest is None:
        return _magic_names(shell, percent, name)
    root = tree(shell, trees)
    command = _command_of(shell, root, percent, name)
    if command is None:
        return None
    return line.complete(command, rest, globals_=root.options)


def _magic_names(shell, percent: str, name: str) -> Answer:
    kind = "line" if percent == "%" else "cell"
    names = shell.magics_manager.magics[kind]
    ours = sorted(n for n in names if n.startswith("docker") or n in ("compose", "context_file"))
    return Answer(percent + name, matching(percent + name, [
        Candidate(percent + n, short(summary(names[n])) or f"{kind} magic") for n in ours]))


def _command_of(shell, root: Command, percent: str, name: str) -> Command | None:
    if percent == "%" and name == "docker":
        return root
    sub = name[len("docker_"):] if name.startswith("docker_") else name.replace("docker-", "")
    if percent == "%" and sub in root.subcommands:
        return root.subcommands[sub]
    method = shell.magics_manager.magics["cell" if percent == "%%" else "line"].get(name)
    if method is None:
        return None
    return commands.from_parser(sub, getattr(method, "parser", None))
