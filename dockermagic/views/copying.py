"""Files moving in or out of the engine (`cp`, `save`, `load`, `import`, `export`): a progress
bar of the bytes (against the file's size when it is known), the rate, and what the engine said."""

from __future__ import annotations

from ..text import units
from .live import LiveView
from .markup import MUTED, badge, box, code, esc

_BAR = "display:inline-block;height:10px;vertical-align:middle"


def _progress(result) -> str:
    rate = result.bytes / result.seconds if result.seconds > 0 else 0
    done = units.size(result.bytes) + (f" of {units.size(result.total)}" if result.total else "")
    return f"{done} · {units.size(rate)}/s · {units.duration(result.seconds)}"


def copied_text(result) -> str:
    return "\n".join([*result.lines, f"{result.verb} {result.source} -> {result.target}: {_progress(result)}"])


def copied_html(result, state: str | None = None) -> str:
    state = state or ("done" if result.ended else "running")
    width = 240
    share = result.bytes / result.total if result.total else (1.0 if result.ended else 0.0)
    filled = round(width * min(share, 1.0))
    bar = (f'<span style="{_BAR};width:{filled}px;background:#2472c8"></span>'
           f'<span style="{_BAR};width:{width - filled}px;background:rgba(128,128,128,.18)"></span>')
    head = (f"<div><b>docker {esc(result.verb)}</b> {code(result.source)} → {code(result.target)} "
            f'<span style="{MUTED}">· {esc(result.label)}</span></div>')
    lines = "".join(f"<div>{esc(line)}</div>" for line in result.lines[-20:])
    return box(f"{head}<div>{badge(state)} {bar} {esc(_progress(result))}</div>{lines}", "dm-copy")


def copied_bundle(result) -> dict:
    return {"text/plain": copied_text(result), "text/html": copied_html(result)}


class CopyView(LiveView):
    """The bar moves as bytes go; a terminal gets the engine's lines and the total at the end."""

    def __init__(self, result, **options):
        super().__init__(**options)
        self.result = result
        self.failed: str | None = None

    def apply(self, event) -> None:
        pass  # the result holds the counts

    def echo(self, event) -> None:
        line = getattr(event, "line", None)
        if line:
            print(line, flush=True)
        elif event is None and self.failed is None:
            print(f"{self.result.verb}: {_progress(self.result)}", flush=True)

    def fail(self, exc: BaseException) -> None:
        self.failed = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"

    def html(self) -> str:
        return copied_html(self.result, self.failed)

    def text(self) -> str:
        return copied_text(self.result)
