"""The transfer view of a push or pull: one row per layer (short id, the engine's state, a
progress bar, bytes done / total), then the digest and what crossed the wire.

Live as ipywidgets in a kernel (a `FloatProgress` per layer; the labels are HTML made by the
same functions as the static snapshot), docker-CLI-like lines in a terminal: one per change
of a layer's state, never one per progress tick.
"""

from __future__ import annotations

from ..registry.transfer import FREE_STATES, LayerProgress, LayerUpdated, Transfer, TransferNote, TransferSucceeded
from ..text import units
from .live import HTML, LiveView
from .markup import MONO, MUTED, badge, box, code, esc

BAR_WIDTH = 24  # characters of a text progress bar
BAR_COLOURS = {"failed": "#cf222e", "shared": "#6f42c1", "done": "#1a7f37", "running": "#2472c8", "waiting": "#8a8a8a"}


def layer_kind(layer: LayerProgress) -> str:
    """The colour family of a layer's state (for badges and bars)."""
    if layer.failed:
        return "failed"
    if layer.mounted_from or layer.state in FREE_STATES:
        return "shared"
    if layer.done:
        return "done"
    if layer.state in ("Waiting", "Preparing", "Pulling fs layer"):
        return "waiting"
    return "running"


def bytes_text(layer: LayerProgress) -> str:
    if layer.mounted_from or layer.state in FREE_STATES:
        return "0B sent" if layer.state != "Already exists" else "0B"
    if layer.total:
        done = layer.total if layer.done else min(layer.current, layer.total)
        return f"{units.size(done)} / {units.size(layer.total)}"
    return units.size(layer.current) if layer.current else ""


def text_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = int(round(min(1.0, max(0.0, fraction)) * width))
    head = ">" if 0 < filled < width else ""
    return "[" + ("=" * max(0, filled - len(head)) + head).ljust(width) + "]"


class TransferView(LiveView):
    def __init__(self, result: Transfer, **kwargs):
        super().__init__(**kwargs)
        self.result = result
        self.state = "running"
        self.error: str | None = None
        self._rows: dict[str, tuple] = {}

    @classmethod
    def snapshot(cls, result: Transfer) -> dict:
        view = cls(result, mode="none")
        view.state = "succeeded" if result.ok else "failed"
        view.error = result.error
        view.ended = view.started + (result.duration or 0)
        return view._repr_mimebundle_()

    # -- state ----------------------------------------------------------------------------
    def apply(self, event) -> None:
        if isinstance(event, TransferSucceeded):
            self.state = "succeeded"

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            interrupted = isinstance(exc, KeyboardInterrupt)
            self.state = "interrupted" if interrupted else "failed"
            self.error = "interrupted" if interrupted else str(exc)

    # -- HTML -----------------------------------------------------------------------------
    def header_html(self) -> str:
        r = self.result
        done = sum(1 for layer in r.layers if layer.done)
        count = f"{done}/{len(r.layers)} layers" if r.layers else ""
        return (
            f'<div><b>docker {esc(r.kind)}</b> {badge(self.state)} {code(r.name)} '
            f'<span style="{MUTED}">· {esc(count)} · {esc(units.duration(self.elapsed))}</span></div>'
            f'<div style="{MUTED};font-size:11.5px">{esc(r.engine)}</div>'
        )

    def state_html(self, layer: LayerProgress) -> str:
        state = f"{layer.state} (failed)" if layer.failed else layer.state
        return f'<code style="{MONO};font-size:12px">{esc(layer.id)}</code> {badge(layer_kind(layer), state, max_width="15em")}'

    def bytes_html(self, layer: LayerProgress) -> str:
        return f'<span style="{MONO};font-size:11.5px;{MUTED}">{esc(bytes_text(layer))}</span>'

    def bar_html(self, layer: LayerProgress) -> str:
        colour = BAR_COLOURS.get(layer_kind(layer), BAR_COLOURS["running"])
        pct = int(100 * layer.fraction)
        return (
            f'<div title="{pct}%" style="display:inline-block;width:160px;height:8px;background:rgba(128,128,128,.2);'
            f'border-radius:4px;vertical-align:middle"><div style="width:{pct}%;height:8px;background:{colour};'
            f'border-radius:4px"></div></div>'
        )

    def footer_html(self) -> str:
        r = self.result
        if self.state == "succeeded":
            digest = "".join(f"<div>{esc(tag + ': ' if tag else '')}digest {code(d)}</div>" for tag, d in r.digests.items())
            return digest + f'<div style="margin-top:2px">{esc(r.summary())} · {esc(units.duration(r.duration or self.elapsed))}</div>'
        if self.error:
            return f'<div style="margin-top:4px;color:#cf222e"><b>{esc(self.state)}:</b> {esc(self.error)}</div>'
        return ""

    def rows_html(self) -> str:
        rows = "".join(
            f'<tr style="background:transparent"><td style="padding:1px 10px 1px 0">{self.state_html(layer)}</td>'
            f'<td style="padding:1px 10px 1px 0">{self.bar_html(layer)}</td>'
            f'<td style="padding:1px 0">{self.bytes_html(layer)}</td></tr>'
            for layer in self.result.layers
        )
        return f'<table style="border-collapse:collapse;margin:4px 0">{rows}</table>' if rows else ""

    def html(self) -> str:
        return box(self.header_html() + self.rows_html() + self.footer_html(), f"dm-{self.result.kind}")

    # -- widgets --------------------------------------------------------------------------
    def build_widget(self):
        import ipywidgets as w

        self._header = HTML(self.header_html())
        self._layers = w.VBox([])
        self._footer = HTML(self.footer_html())
        box_layout = w.Layout(border="1px solid rgba(128,128,128,.35)", padding="4px 10px", margin="2px 0")
        return w.VBox([self._header, self._layers, self._footer], layout=box_layout)

    def _row(self, layer: LayerProgress) -> tuple:
        import ipywidgets as w

        label = HTML(layout=w.Layout(width="22em"))
        bar = w.FloatProgress(min=0.0, max=1.0, layout=w.Layout(width="12em", height="16px"))
        amount = HTML()
        return label, bar, amount, w.HBox([label, bar, amount])

    def refresh(self) -> None:
        added = False
        for layer in self.result.layers:
            row = self._rows.get(layer.id)
            if row is None:
                row = self._rows[layer.id] = self._row(layer)
                added = True
            label, bar, amount, _ = row
            label.value = self.state_html(layer)  # unchanged values are not sent again
            bar.value = layer.fraction
            bar.style.bar_color = BAR_COLOURS.get(layer_kind(layer), BAR_COLOURS["running"])  # the badges' colours
            amount.value = self.bytes_html(layer)
        if added:
            self._layers.children = tuple(row[3] for row in self._rows.values())
        self._header.value = self.header_html()
        self._footer.value = self.footer_html()

    # -- text -----------------------------------------------------------------------------
    def layer_text(self, layer: LayerProgress, width: int = 20) -> str:
        state = f"{layer.state} (failed)" if layer.failed else layer.state
        return f"{layer.id}: {state:<{width}} {text_bar(layer.fraction)} {bytes_text(layer)}".rstrip()

    def text(self) -> str:
        r = self.result
        lines = [f"docker {r.kind} {r.name} [{self.state} in {units.duration(self.elapsed)}]"]
        width = max([len(layer.state) + 9 * layer.failed for layer in r.layers] + [20])
        lines += [self.layer_text(layer, width) for layer in r.layers]
        if self.state == "succeeded":
            lines += [f"{tag + ': ' if tag else ''}digest: {d}" for tag, d in r.digests.items()]
            lines.append(r.summary())
        elif self.error:
            lines.append(f"{self.state}: {self.error}")
        return "\n".join(lines)

    def echo(self, event) -> None:
        if isinstance(event, LayerUpdated):
            if event.state_changed:
                print(f"{event.layer.id}: {event.layer.state}", flush=True)
        elif isinstance(event, TransferNote):
            print(event.text, flush=True)
        elif event is None:
            r = self.result
            if self.state == "succeeded":
                print(f"{r.summary()} in {units.duration(self.elapsed)}", flush=True)
            else:
                for layer in r.layers:
                    if layer.failed:
                        print(f"{layer.id}: {layer.state} (failed)", flush=True)


def transfer_bundle(result: Transfer) -> dict:
    """A `Transfer` shown again: its layers, the digest, what crossed the wire."""
    return TransferView.snapshot(result)
