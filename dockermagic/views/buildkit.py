"""The BuildKit build view: a header naming the builder, the base images pulled first (each a
transfer view), one row per vertex in the order it started (state, Dockerfile line, duration
from the engine's own timestamps, progress sub-rows, a bounded tail of its log), a summary.

Stages that run at once show as rows running at once.  A failed vertex stays open with its log
and exit code.  Live as ipywidgets in a kernel (the rows are HTML widgets re-rendered by the
same functions that make the static snapshot), buildx's plain progress in a terminal.
"""

from __future__ import annotations

from ..build.request import BuildSucceeded
from ..buildkit.vertices import (
    BasePull,
    BuildKitResult,
    ContextRoute,
    Vertex,
    VertexChanged,
    VertexLogged,
    VertexProgress,
)
from ..text import ansi, units
from .build import pushed_html, summary_lines
from .files import build_lines, warnings_html
from .lines import BoundedLines
from .live import HTML, LiveView
from .markup import MONO, MUTED, PRE, badge, box, code, esc
from .transfer import TransferView

RUNNING_TAIL = 8  # lines a running vertex shows
FINISHED_TAIL = 20  # lines a finished, successful vertex keeps (collapsed)
COLOURS = {"error": "failed", "canceled": "interrupted"}  # vertex state -> badge colour family


def bundle(result: BuildKitResult) -> dict:
    """The mimebundle of a finished (or failed) BuildKit build, for displaying it again."""
    return BuildKitView.snapshot(result)


def _sec(seconds) -> str:
    return "" if seconds is None else f"{seconds:.1f}s"


def route(result: BuildKitResult) -> str:
    """How the context went: what the session's DiffCopy moved, or why it went whole as a tar."""
    if result.no_session:
        return f"no BuildKit session ({result.no_session}): the whole context went as a tar"
    sent = result.context_transfer
    if sent is None:
        return ""
    return (f"context by session: {sent.files} files, {sent.files_sent} sent ({units.size(sent.bytes_sent)}), "
            f"{sent.already_had} already on the engine")


class BuildKitView(LiveView):
    def __init__(self, result: BuildKitResult, max_lines: int = 400, planned=(), **kwargs):
        """`planned`: the Dockerfile's steps as waiting vertices (`vertices.planned`), shown
        until the engine names each."""
        super().__init__(**kwargs)
        self.planned = list(planned)
        self.result = result
        self.max_lines = max_lines
        self.logs: dict[str, BoundedLines] = {}
        self.pulls: list[TransferView] = []
        self.state = "running"
        self.error: str | None = None
        self._rows: list = []
        self._announced: set = set()

    @classmethod
    def snapshot(cls, result: BuildKitResult) -> dict:
        view = cls(result, mode="none")
        view.pulls = [TransferView(t, mode="none") for t in result.pulls]
        for pull in view.pulls:
            pull.state = "succeeded" if pull.result.ok else "failed"
        for vertex in result.vertices:
            lines = view.logs[vertex.digest] = BoundedLines(view.max_lines)
            for line in vertex.log_lines:
                lines.add(line)
            if vertex.state not in ("error", "canceled") and len(lines) > FINISHED_TAIL:
                view.logs[vertex.digest] = lines.last(FINISHED_TAIL)
        view.state = "succeeded" if result.ok else ("canceled" if result.error == "canceled" else "failed")
        view.error = result.error
        view.ended = view.started + (result.duration or 0)
        return view._repr_mimebundle_()

    # -- state ----------------------------------------------------------------------------
    def apply(self, event) -> None:
        if isinstance(event, VertexLogged):
            self.logs.setdefault(event.vertex.digest, BoundedLines(self.max_lines)).add(event.line)
        elif isinstance(event, VertexChanged):
            kept = self.logs.get(event.vertex.digest)
            if kept is not None and event.vertex.state in ("done", "cached") and len(kept) > FINISHED_TAIL:
                self.logs[event.vertex.digest] = kept.last(FINISHED_TAIL)
        elif isinstance(event, BasePull):
            self.pulls.append(TransferView(event.transfer, mode="none"))
        elif isinstance(event, BuildSucceeded):
            self.state = "succeeded"
        elif self.pulls and not isinstance(event, (VertexProgress, ContextRoute)):
            self.pulls[-1].apply(event)  # the pull's own events

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            canceled = isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "BuildCanceled"
            self.state = "canceled" if canceled else "failed"
            self.error = str(exc) if str(exc) else "canceled"
            for pull in self.pulls:
                if pull.state == "running":
                    pull.fail(exc)

    # -- HTML -----------------------------------------------------------------------------
    def header_html(self) -> str:
        r = self.result
        tags = ", ".join(code(t) for t in r.tags) or f'<span style="{MUTED}">untagged</span>'
        steps = r.steps
        done = sum(1 for v in steps if v.state in ("done", "cached"))
        pct = int(100 * done / len(steps)) if steps else (100 if self.state == "succeeded" else 0)
        colour = {"failed": "#cf222e", "canceled": "#b58900"}.get(self.state, "#2472c8" if self.state == "running" else "#1a7f37")
        state = badge(COLOURS.get(self.state, self.state) if self.state != "canceled" else "interrupted", self.state)
        return (
            f'<div><b>docker build</b> <span style="{MUTED}">with BuildKit</span> {state} {tags} '
            f'<span style="{MUTED}">· context {code(r.context)} · {esc(units.duration(self._clock()))}</span></div>'
            f'<div style="{MUTED};font-size:11.5px">{esc(r.engine)}</div>'
            f'{warnings_html(r.checks)}'
            f'{self.route_html()}'
            f'<div title="{done}/{len(steps)} steps" style="height:4px;background:rgba(128,128,128,.2);border-radius:2px;margin:4px 0">'
            f'<div style="width:{pct}%;height:4px;background:{colour};border-radius:2px"></div></div>'
        )

    def route_html(self) -> str:
        said = route(self.result)
        if not said:
            return ""
        colour = "#b58900" if self.result.no_session else "inherit"
        return f'<div class="dm-context-route" style="{MUTED};font-size:11.5px;color:{colour}">{esc(said)}</div>'

    def _clock(self) -> float:
        return self.result.duration if self.result.duration is not None else self.elapsed

    def ordered(self) -> list[Vertex]:
        """Vertices in the order they started; those still waiting after them, then (while the
        build runs) the Dockerfile's steps the engine has not named yet."""
        named = sorted(self.result.vertices, key=lambda v: (v.started is None, v.started or 0, v.number))
        if self.state != "running" or not self.planned:
            return named
        seen = {(v.stage, v.index) for v in named if v.index is not None}
        return named + [v for v in self.planned if (v.stage, v.index) not in seen]

    def vertex_html(self, vertex: Vertex) -> str:
        name = vertex.name if len(vertex.name) <= 160 else vertex.name[:157] + "…"
        line = f" · line {vertex.line}" if vertex.line else ""
        exit_code = f" · exit code {vertex.exit_code}" if vertex.exit_code is not None else ""
        head = (
            f'<span style="{MONO};font-size:12px;{MUTED}">#{vertex.number or "·"}</span> '
            f'{badge(COLOURS.get(vertex.state, vertex.state), vertex.state)} '
            f'<code style="{MONO};font-size:12px" title="{esc(vertex.name)}">{esc(name)}</code> '
            f'<span style="{MUTED};font-size:11.5px">{esc(_sec(vertex.duration))}{esc(line)}{esc(exit_code)}</span>'
        )
        progress = "".join(
            f'<div style="{MONO};font-size:11.5px;{MUTED};padding-left:2.5em">{esc(p.name)} '
            f'{esc(self.amount(p))}{" ✓" if p.completed else ""}</div>'
            for p in vertex.progress.values() if p.total or p.current
        )
        lines = self.logs.get(vertex.digest)
        if vertex.state == "error" and vertex.error:
            error = f'<div style="color:#cf222e;font-size:12px;padding-left:2.5em">{esc(vertex.error)}</div>'
        else:
            error = ""
        if not lines or not len(lines):
            return f"<div>{head}{progress}{error}</div>"
        shown = lines.last(RUNNING_TAIL) if vertex.state == "running" else lines
        is_open = " open" if vertex.state in ("running", "error", "canceled") else ""
        return (
            f'<details{is_open} style="margin:1px 0"><summary style="cursor:pointer">{head}</summary>'
            f'{progress}<pre style="{PRE}">{shown.html()}</pre>{error}</details>'
        )

    @staticmethod
    def amount(progress) -> str:
        if progress.total:
            return f"{units.size(progress.current)} / {units.size(progress.total)}"
        return units.size(progress.current) if progress.current else ""

    def footer_html(self) -> str:
        r = self.result
        if self.state == "succeeded" and r.exported:
            return (f'<div style="margin-top:4px">Exported to {code(r.exported)} · {r.cached} of {r.cacheable} '
                    f'steps from cache · {esc(units.duration(self._clock()))}</div>')
        if self.state == "succeeded":
            tags = ", ".join(code(t) for t in r.tags)
            return (
                f'<div style="margin-top:4px">Built {code(r.short_id)}{" → " + tags if tags else ""} · '
                f'{esc(units.size(r.size))} · {r.cached} of {r.cacheable} steps from cache · '
                f'{esc(units.duration(self._clock()))}</div>' + pushed_html(r)
            )
        if self.error:
            return f'<div style="margin-top:4px;color:#cf222e"><b>{esc(self.state)}:</b> {ansi.to_html(self.error)}</div>'
        return ""

    def pulls_html(self) -> str:
        return "".join(pull.html() for pull in self.pulls)

    def html(self) -> str:
        body = "".join(self.vertex_html(v) for v in self.ordered())
        return box(self.header_html() + self.pulls_html() + body + self.footer_html(), "dm-build dm-buildkit")

    # -- widgets --------------------------------------------------------------------------
    def build_widget(self):
        import ipywidgets as w

        self._header = HTML(self.header_html())
        self._pulls = HTML(self.pulls_html())
        self._steps = w.VBox([])
        self._footer = HTML(self.footer_html())
        box_layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox([self._header, self._pulls, self._steps, self._footer], layout=box_layout)

    def refresh(self) -> None:
        vertices = self.ordered()
        if len(self._rows) != len(vertices):  # planned rows go as the engine names their steps
            self._rows = self._rows[:len(vertices)] + [HTML() for _ in range(len(vertices) - len(self._rows))]
            self._steps.children = tuple(self._rows)
        for row, vertex in zip(self._rows, vertices):
            row.value = self.vertex_html(vertex)  # unchanged values are not sent again
        self._header.value = self.header_html()
        self._pulls.value = self.pulls_html()
        self._footer.value = self.footer_html()

    # -- text -----------------------------------------------------------------------------
    def text(self) -> str:
        r = self.result
        lines = [f"docker build (BuildKit) {r.context} [{self.state} in {units.duration(self._clock())}]"]
        lines += [said] if (said := route(r)) else []
        lines += [pull.text() for pull in self.pulls]
        for vertex in self.ordered():
            line = f"line {vertex.line}" if vertex.line else ""
            lines.append(f" #{vertex.number or '-':<3} {vertex.state:<8} {_sec(vertex.duration):>6}  {line:<8} {vertex.name}")
            if vertex.state in ("error", "canceled") and vertex.digest in self.logs:
                lines += ["    " + text for text in self.logs[vertex.digest].text().split("\n")[-20:]]
            if vertex.state == "error" and vertex.error:
                lines.append(f"    ERROR: {vertex.error}")
        return "\n".join(lines + summary_lines(r, self.state, self.error))

    def echo(self, event) -> None:
        """buildx's plain progress: `#N name`, `#N 0.123 output`, `#N DONE 0.1s` / `CACHED` / `ERROR`."""
        if isinstance(event, VertexChanged):
            v = event.vertex
            if v.state == "waiting":
                return  # buildx names a vertex when it starts
            if v.number not in self._announced:
                self._announced.add(v.number)
                print(f"#{v.number} {v.name}", flush=True)
            if v.state == "cached":
                print(f"#{v.number} CACHED", flush=True)
            elif v.state == "done":
                print(f"#{v.number} DONE {_sec(v.duration)}", flush=True)
            elif v.state in ("error", "canceled"):
                print(f"#{v.number} {v.state.upper()}: {v.error or ''}", flush=True)
        elif isinstance(event, VertexLogged):
            v = event.vertex
            print(f"#{v.number} {event.line}", flush=True)
        elif isinstance(event, ContextRoute):
            if not event.session:
                print(route(self.result), flush=True)
        elif isinstance(event, BasePull):
            print(f"pulling {event.image} (a base image this engine does not have)", flush=True)
        elif self.pulls and not isinstance(event, (VertexProgress, BuildSucceeded)) and event is not None:
            self.pulls[-1].echo(event)
        elif event is None:
            r = self.result
            if self.state == "succeeded":
                if r.context_transfer is not None:
                    print(route(r), flush=True)
                if r.exported:
                    print(f"Exported to {r.exported} with BuildKit in {units.duration(self._clock())}")
                    return
                print(f"Successfully built {r.short_id} with BuildKit in {units.duration(self._clock())} "
                      f"({units.size(r.size)}, {r.cached} of {r.cacheable} steps from cache)")
                for tag in r.tags:
                    print(f"Successfully tagged {tag}")
            for line in build_lines(r.checks):  # buildx ends a build with its warnings
                print(line, flush=True)
