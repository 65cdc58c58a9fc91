"""Services as the docker CLI shows them, and converging live.

`ConvergenceView`: one row per slot (a replica, or a node of a global service) with its
desired and current state, a bar of the CLI's nine steps, its node and the scheduler's words
(`no suitable node (scheduling constraints not satisfied on 2 nodes)`); the overall count, nodes
that went down (a line each, then the cluster picture: where the slots run now) and the slots the
scheduler moved off them, the verify line.  In a terminal, the CLI's progress lines.  The bundles:
`service ls` as the CLI's table (`service ps`: views/swarm/nodes.py's task list), a `Service` as its facts (and how it last
converged)."""

from __future__ import annotations

from ...gotemplate import formats
from ...swarm.convergence import STEPS, Converged, NodeDown, ProgressChanged, SlotChanged, TaskMoved, Verifying
from ...swarm.services import LS_HEADER, LS_TABLE
from ...text import units
from ..live import HTML, LiveView
from ..markup import MONO, MUTED, badge, box, code, esc, table
from .cluster import picture_html

BAR_WIDTH = 50  # the CLI's progress bar
KINDS = {"running": "succeeded", "failed": "failed", "rejected": "failed", "pending": "waiting", "shutdown": "base",
         "complete": "done", "orphaned": "failed", "remove": "base"}
OUTCOMES = {"converged": "succeeded", "verifying": "running", "waiting": "running", "timeout": "failed",
            "paused": "failed", "interrupted": "interrupted", "failed": "failed"}


def slot_kind(slot) -> str:
    if slot.error and slot.state not in ("running",):
        return "failed" if slot.state != "pending" else "interrupted"
    return KINDS.get(slot.state, "running")


def text_bar(step: int) -> str:
    filled = min(BAR_WIDTH, round(BAR_WIDTH * step / STEPS["running"]))
    head = ">" if filled else ""
    return "[" + ("=" * max(0, filled - 1) + head).ljust(BAR_WIDTH) + "]"


def slot_line(slot) -> str:
    """A slot as the CLI's progress prints it: `1/4: running   [====>   ]`, or its error."""
    if slot.error:
        error = slot.error.replace("\n", " ")
        return f"{slot.key}: {error[:74] + '…' if len(error) > 75 else error}"
    return f"{slot.key}: {slot.state:<9} {text_bar(slot.step)}"


def down_line(c, node: str, why: str) -> str:
    """A node the manager marked down while the service converged, as one line."""
    then = "its task leaves the count" if c.mode == "global" else "the scheduler moves its tasks"
    return f"node {node} is down: {why} -- {then}"


def moved_line(moved) -> str:
    return f"{moved.name} moved from {moved.source} to {moved.target}"


def overall(c) -> str:
    if c.mode == "global" and not c.desired:
        return "overall progress: waiting for new tasks"
    verb = "rolling back update: " if c.rollback else ""
    return f"overall progress: {verb}{c.running} out of {c.desired} tasks"


class ConvergenceView(LiveView):
    """A service's tasks converging (create, update, rollback, scale without -d)."""

    def __init__(self, service, action: str = "create", **kwargs):
        super().__init__(**kwargs)
        self.service = service
        self.action = action
        self.error: str | None = None
        self._printed: dict = {}  # slot -> its last line printed (terminal)

    @property
    def convergence(self):
        return self.service.convergence

    @classmethod
    def snapshot(cls, service) -> dict:
        view = cls(service, service.convergence.action if service.convergence else "", mode="none")
        if service.convergence is not None:
            view.ended = view.started + service.convergence.duration
        return view._repr_mimebundle_()

    def apply(self, event) -> None:
        pass  # the core keeps the convergence up to date; this view reads it

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            self.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)

    # -- HTML -----------------------------------------------------------------------------
    def outcome(self) -> str:
        c = self.convergence
        if c is None:
            return ""
        return c.outcome

    def header_html(self) -> str:
        s, c = self.service, self.convergence
        outcome = self.outcome()
        state = badge(OUTCOMES.get(outcome, "running"), outcome) if outcome else ""
        progress = f' <span style="{MUTED}">· {esc(overall(c))} · {esc(units.duration(self.elapsed))}</span>' if c else ""
        return (f'<div><b>docker service {esc(self.action or "")}</b> {code(s.name)} {state}{progress}</div>'
                f'<div style="{MUTED};font-size:11.5px">{esc(s.id[:12])} · {esc(s.mode)} · {esc(s.image)} · {esc(s.label)}</div>')

    def bar_html(self, slot) -> str:
        colour = {"succeeded": "#1a7f37", "failed": "#cf222e", "interrupted": "#b58900"}.get(slot_kind(slot), "#2472c8")
        pct = int(100 * min(slot.step, STEPS["running"]) / STEPS["running"])
        return (f'<div title="{pct}%" style="display:inline-block;width:120px;height:8px;background:rgba(128,128,128,.2);'
                f'border-radius:4px;vertical-align:middle"><div style="width:{pct}%;height:8px;background:{colour};'
                f'border-radius:4px"></div></div>')

    def row_cells(self, slot) -> list[str]:
        said = slot.error or (slot.message if slot.state != "running" else "")
        words = f'<span style="color:#cf222e">{esc(slot.error)}</span>' if slot.error else f'<span style="{MUTED}">{esc(said)}</span>'
        return [f'<code style="{MONO};font-size:12px">{esc(slot.key)}</code>', badge(slot_kind(slot), slot.state or "new"),
                self.bar_html(slot), esc(slot.desired), esc(slot.node), words]

    def rows_html(self) -> str:
        c = self.convergence
        if c is None or not c.slots:
            return ""
        return table(["SLOT", "STATE", "", "DESIRED", "NODE", ""], [self.row_cells(s) for s in c.slots.values()], raw=True)

    def footer_html(self) -> str:
        c, out = self.convergence, []
        if c is not None:
            out += [f'<div style="color:#cf222e">{esc(down_line(c, n, why))}</div>' for n, why in c.nodes_down.items()]
            out += [f'<div style="color:#b58900">{esc(moved_line(m))}</div>' for m in c.moved]
            if c.nodes_down and c.nodes:  # where the slots run now, the down node empty
                out.append(picture_html(c.cluster))
            reasons = c.pending_reasons()
            out += [f'<div style="color:#b58900">the scheduler: {esc(r)}</div>' for r in reasons]
            if c.message:
                out.append(f"<div>rollback: {esc(c.message)}</div>")
            if c.note:
                out.append(f'<div>verify: {esc(c.note)}</div>' if c.outcome in ("verifying", "converged") else f"<div>{esc(c.note)}</div>")
        out += [f'<div style="color:#b58900">warning: {esc(w)}</div>' for w in self.service.warnings]
        if self.error:
            out.append(f'<div style="color:#cf222e"><b>{esc(self.outcome() or "failed")}:</b> {esc(self.error)}</div>')
        return "".join(out)

    def html(self) -> str:
        return box(self.header_html() + self.rows_html() + self.footer_html(), "dm-service")

    # -- widgets --------------------------------------------------------------------------
    def build_widget(self):
        import ipywidgets as w

        self._header, self._table, self._footer = HTML(self.header_html()), HTML(self.rows_html()), HTML(self.footer_html())
        layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox([self._header, self._table, self._footer], layout=layout)

    def refresh(self) -> None:
        self._header.value = self.header_html()  # unchanged values are not sent again
        self._table.value = self.rows_html()
        self._footer.value = self.footer_html()

    # -- text -----------------------------------------------------------------------------
    def text(self) -> str:
        s, c = self.service, self.convergence
        lines = [s.id] + [f"warning: {w}" for w in s.warnings]
        if c is not None:
            lines.append(overall(c))
            lines += [slot_line(slot) for slot in c.slots.values()]
            lines += [down_line(c, n, why) for n, why in c.nodes_down.items()]
            lines += [moved_line(m) for m in c.moved]
            lines += [f"rollback: {c.message}"] if c.message else []
            if c.note:
                lines.append(f"verify: {c.note}" if c.outcome in ("verifying", "converged") else c.note)
        if self.error:
            lines.append(f"{self.outcome() or 'failed'}: {self.error}")
        return "\n".join(lines)

    def echo(self, event) -> None:
        c = self.convergence
        if isinstance(event, SlotChanged):
            line = slot_line(event.slot)
            if self._printed.get(event.slot.key) != line:
                self._printed[event.slot.key] = line
                print(line, flush=True)
        elif isinstance(event, ProgressChanged):
            print(overall(c), flush=True)
        elif isinstance(event, NodeDown):
            print(f"node {event.node} is {event.state}{': ' + event.message if event.message else ''}", flush=True)
        elif isinstance(event, TaskMoved):
            print(moved_line(event), flush=True)
        elif isinstance(event, (Verifying, Converged)):
            print(f"verify: {c.note}", flush=True)
        elif event is None and self.error:
            print(f"{self.outcome() or 'failed'}: {self.error}", flush=True)


# -- bundles -----------------------------------------------------------------------------------
def _title(text: str, label: str) -> str:
    return f'<div><b>{esc(text)}</b> <span style="{MUTED}">· {esc(label)}</span></div>'


def service_text(service) -> str:
    if service.convergence is not None:
        return ConvergenceView.snapshot(service)["text/plain"]
    replicas = f" · {service.replicas} replicas" if service.replicas is not None else ""
    ports = f" · {service.ports}" if service.ports else ""
    return f"service {service.name} ({service.id[:12]}) · {service.mode}{replicas} · {service.image}{ports}"


def service_bundle(service) -> dict:
    """A `Service`: its facts, and how it converged when it was watched."""
    if service.convergence is not None:
        return ConvergenceView.snapshot(service)
    facts = [service.mode] + ([f"{service.replicas} replicas"] if service.replicas is not None else [])
    facts += [service.ports] if service.ports else []
    facts += [f"update {service.update_state}"] if service.update_state else []
    labels = "".join(f" {badge('base', f'{k}={v}')}" for k, v in sorted(service.labels.items()))
    warn = "".join(f'<div style="color:#b58900">warning: {esc(w)}</div>' for w in service.warnings)
    html = box(_title(f"service {service.name}", service.label)
               + f"<div>{code(service.id[:12])} {esc(' · '.join(facts))} · {code(service.image)}{labels}</div>{warn}",
               "dm-service")
    return {"text/plain": service_text(service), "text/html": html}


def services_text(listing) -> str:
    return formats.listing(LS_TABLE, listing.rows, LS_HEADER, LS_TABLE).rstrip("\n")


def services_bundle(listing) -> dict:
    rows = [[code(r.ID), esc(r.Name), esc(r.Mode), esc(r.Replicas), esc(r.Image), esc(r.Ports)] for r in listing.rows]
    html = box(_title("docker service ls", listing.label) + table(list(LS_HEADER.values()), rows, raw=True), "dm-services")
    return {"text/plain": services_text(listing), "text/html": html}
