"""The build view: a header, one row per `Step i/N`, the running step's output, a summary.

Live as ipywidgets in a kernel (the rows are HTML widgets re-rendered by the same functions
that make the static snapshot, so live and saved never disagree), docker-CLI-like lines in a
terminal.
"""

from __future__ import annotations

from ..build.classic import StepFinished, StepOutput, StepStarted
from ..build.request import BuildResult, BuildSucceeded, Step
from ..text import ansi, units
from .files import build_lines, warnings_html
from .lines import BoundedLines
from .live import HTML, LiveView
from .markup import MONO, MUTED, PRE, badge, box, code, esc

FINISHED_TAIL = 20  # lines a finished, successful step keeps (collapsed)


class BuildView(LiveView):
    def __init__(self, result: BuildResult, max_lines: int = 400, dockerfile=None, **kwargs):
        """`dockerfile`: the build's parsed `dockerfile.Dockerfile`, whose instructions show as
        waiting steps before the engine names them (the classic builder counts every one)."""
        super().__init__(**kwargs)
        self.result = result
        count = len(dockerfile.instructions) if dockerfile is not None else 0
        self.planned = [Step(i + 1, count, ins.original.strip(), state="waiting")
                        for i, ins in enumerate(dockerfile.instructions)] if dockerfile is not None else []
        self.max_lines = max_lines
        self.outputs: dict[int, BoundedLines] = {}
        self.loose = BoundedLines(max_lines)  # lines outside any step (base image pulls, ...)
        self.state = "running"
        self.error: str | None = None
        self._rows: list = []

    @classmethod
    def snapshot(cls, result: BuildResult) -> dict:
        """HTML and text of a finished (or failed) build, for displaying a result again."""
        view = cls(result, mode="none")
        for step in result.steps:
            view.outputs[step.index] = lines = BoundedLines(view.max_lines)
            for line in step.output.split("\n") if step.output else []:
                lines.add(line)
        view.state = result.state
        view.error = result.error
        view.ended = view.started + (result.duration or 0)
        return view._repr_mimebundle_()

    # -- state ----------------------------------------------------------------------------
    def apply(self, event) -> None:
        if isinstance(event, StepStarted):
            self.outputs[event.step.index] = BoundedLines(self.max_lines)
        elif isinstance(event, StepOutput):
            target = self.outputs.get(event.step.index) if event.step else None
            (self.loose if target is None else target).add(event.line)
        elif isinstance(event, StepFinished):
            kept = self.outputs.get(event.step.index)
            if kept is not None and event.step.state != "failed" and len(kept) > FINISHED_TAIL:
                self.outputs[event.step.index] = kept.last(FINISHED_TAIL)
        elif isinstance(event, BuildSucceeded):
            self.state = "succeeded"

    def fail(self, exc: BaseException) -> None:
        # the steps' own states are the build's (`build()` ends them); this is what the view says
        with self._lock:
            interrupted = isinstance(exc, KeyboardInterrupt) or self.result.state == "interrupted"
            self.state = "interrupted" if interrupted else "failed"
            self.error = self.result.error if interrupted else str(exc)

    def rows(self) -> list[Step]:
        """The steps the engine named, then (while the build runs) those the Dockerfile says come next."""
        steps = self.result.steps
        if self.state != "running" or not self.planned:
            return list(steps)
        total = steps[-1].total if steps else len(self.planned)
        last = steps[-1].index if steps else 0
        return [*steps, *(s for s in self.planned if last < s.index <= total)]

    # -- HTML -----------------------------------------------------------------------------
    def header_html(self) -> str:
        r = self.result
        tags = ", ".join(code(t) for t in r.tags) or f'<span style="{MUTED}">untagged</span>'
        steps = r.steps
        total = steps[-1].total if steps else len(self.planned)
        done = sum(1 for s in steps if s.state in ("done", "cached", "base"))
        pct = int(100 * done / total) if total else (100 if self.state == "succeeded" else 0)
        colour = {"failed": "#cf222e", "interrupted": "#b58900"}.get(self.state, "#2472c8" if self.state == "running" else "#1a7f37")
        return (
            f'<div><b>docker build</b> <span style="{MUTED}">with the classic builder</span> {badge(self.state)} {tags} '
            f'<span style="{MUTED}">· context {code(r.context)} · {esc(units.duration(self._clock()))}</span></div>'
            f'<div style="{MUTED};font-size:11.5px">{esc(r.engine)}</div>'
            f'{warnings_html(r.checks)}'
            f'<div title="{done}/{total} steps" style="height:4px;background:rgba(128,128,128,.2);border-radius:2px;margin:4px 0">'
            f'<div style="width:{pct}%;height:4px;background:{colour};border-radius:2px"></div></div>'
        )

    def _clock(self) -> float:
        """The build's own duration once it has one (so header and footer agree), else the view's."""
        return self.result.duration if self.result.duration is not None else self.elapsed

    def step_html(self, step: Step) -> str:
        instruction = step.instruction if len(step.instruction) <= 160 else step.instruction[:157] + "…"
        layer = code(units.short_id(step.layer_id)) if step.layer_id else ""
        exit_code = f" · exit code {step.exit_code}" if step.exit_code is not None else ""
        head = (
            f'<span style="{MONO};font-size:12px">Step {step.index}/{step.total}</span> {badge(step.state)} '
            f'<code style="{MONO};font-size:12px" title="{esc(step.instruction)}">{esc(instruction)}</code> '
            f'<span style="{MUTED};font-size:11.5px">{esc(units.duration(step.duration))} {layer}{esc(exit_code)}</span>'
        )
        lines = self.outputs.get(step.index)
        if not lines or not len(lines):
            return f"<div>{head}</div>"
        is_open = " open" if step.state in ("running", "failed", "interrupted") else ""
        return (
            f'<details{is_open} style="margin:1px 0"><summary style="cursor:pointer">{head}</summary>'
            f'<pre style="{PRE}">{lines.html()}</pre></details>'
        )

    def footer_html(self) -> str:
        r = self.result
        loose = f'<pre style="{PRE}">{self.loose.html()}</pre>' if len(self.loose) else ""
        if self.state == "succeeded":
            tags = ", ".join(code(t) for t in r.tags)
            return loose + (
                f'<div style="margin-top:4px">Built {code(r.short_id)}{" → " + tags if tags else ""} · '
                f'{esc(units.size(r.size))} · {r.cached} of {r.cacheable} steps from cache · '
                f'{esc(units.duration(self._clock()))}</div>' + pushed_html(r)
            )
        if self.error:
            return loose + f'<div style="margin-top:4px;color:#cf222e"><b>{esc(self.state)}:</b> {ansi.to_html(self.error)}</div>'
        return loose

    def html(self) -> str:
        body = "".join(self.step_html(s) for s in self.rows())
        return box(self.header_html() + body + self.footer_html(), "dm-build")

    # -- widgets --------------------------------------------------------------------------
    def build_widget(self):
        import ipywidgets as w

        self._header = HTML(self.header_html())
        self._steps = w.VBox([])
        self._footer = HTML(self.footer_html())
        box_layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox([self._header, self._steps, self._footer], layout=box_layout)

    def refresh(self) -> None:
        steps = self.rows()
        if len(self._rows) != len(steps):
            self._rows = self._rows[:len(steps)] + [HTML() for _ in range(len(steps) - len(self._rows))]
            self._steps.children = tuple(self._rows)
        for row, step in zip(self._rows, steps):
            row.value = self.step_html(step)  # unchanged values are not sent again
        self._header.value = self.header_html()
        self._footer.value = self.footer_html()

    # -- text -----------------------------------------------------------------------------
    def text(self) -> str:
        r = self.result
        lines = [f"docker build (classic builder) {r.context} [{self.state} in {units.duration(self._clock())}]"]
        for step in self.rows():
            layer = units.short_id(step.layer_id)
            lines.append(f" Step {step.index}/{step.total}  {step.state:<8} {units.duration(step.duration):>6}  {layer:<12}  {step.instruction}")
            if step.state in ("failed", "interrupted") and step.index in self.outputs:
                lines += ["    " + line for line in self.outputs[step.index].text().split("\n")[-20:]]
        return "\n".join(lines + summary_lines(r, self.state, self.error))

    def echo(self, event) -> None:
        if isinstance(event, StepStarted):
            print(f"Step {event.step.index}/{event.step.total} : {event.step.instruction}", flush=True)
        elif isinstance(event, StepOutput):
            print(event.line, flush=True)
        elif isinstance(event, StepFinished):
            if event.step.state == "cached":
                print(" ---> Using cache")
            if event.step.layer_id:
                print(f" ---> {event.step.layer_id}", flush=True)
        elif event is None:
            r = self.result
            if self.state == "succeeded":
                print(f"Successfully built {r.short_id} in {units.duration(self._clock())} "
                      f"({units.size(r.size)}, {r.cached} of {r.cacheable} steps from cache)")
                for tag in r.tags:
                    print(f"Successfully tagged {tag}")
            for line in build_lines(r.checks):  # buildx ends a build with its warnings
                print(line, flush=True)


def build_bundle(result: BuildResult) -> dict:
    """A `BuildResult` shown again: its steps, their output and how it ended."""
    return BuildView.snapshot(result)


def summary_lines(result, state: str, error: str | None) -> list[str]:
    """The last lines of a build's text form, as `docker build` ends: built and tagged, or why not."""
    warned = build_lines(result.checks)
    if state == "succeeded" and getattr(result, "exported", None):
        return [f"Exported to {result.exported} ({result.cached} of {result.cacheable} steps from cache)"] + warned
    if state == "succeeded":
        return [f"Successfully built {result.short_id} ({units.size(result.size)}, {result.cached} of "
                f"{result.cacheable} steps from cache)"] + [f"Successfully tagged {tag}" for tag in result.tags] + [
                    pushed_line(transfer) for transfer in result.pushed] + warned
    return ([f"{state}: {ansi.strip(error)}"] if error else []) + warned


def pushed_line(transfer) -> str:
    """One line per tag `--push` sent after the build."""
    if transfer.ok:
        return f"Pushed {transfer.name}: {transfer.digest} ({transfer.summary()})"
    return f"Push of {transfer.name} failed: {transfer.error or 'not finished'}"


def pushed_html(result) -> str:
    return "".join(f'<div style="margin-top:2px">{esc(pushed_line(transfer))}</div>' for transfer in result.pushed)
