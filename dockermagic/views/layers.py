"""Layers file by file: each layer's tree of added / modified / removed files (collapsible
`<details>`, so a saved notebook keeps it folding), the largest files, the space wasted; two
images compared; `docker diff`.

Live while the save stream is read (layers listed so far, bytes read); then a path filter
(a text box in a kernel) narrows every tree.  File names come from the image: every one goes
through `esc()`.  A layer's tree shows at most `MAX_ROWS` entries (the rest is counted) so a
large base image does not make a notebook of megabytes.
"""

from __future__ import annotations

from ..gotemplate.formats import text_table
from ..images.archive import LayerListed, ReadStarted, StreamProgress
from ..images.layers import CHANGES, ContainerDiff, ImageLayers, LayerComparison, matches
from ..text import units
from .live import HTML, LiveView
from .markup import MONO, MUTED, box, code, esc, table
from .tables import engine_html

MAX_ROWS = 300
COLOURS = {"added": "#1a7f37", "modified": "#b58900", "removed": "#cf222e", "wasted": "#cf222e", "shared": "#6f42c1"}
LETTERS = {"added": "A", "modified": "C", "removed": "D"}


def chip(word: str, text: str | None = None) -> str:
    return (f'<span style="display:inline-block;padding:0 5px;border-radius:7px;font-size:11px;line-height:15px;'
            f'font-weight:600;color:#fff;background:{COLOURS.get(word, "#8a8a8a")}">{esc(text or word)}</span>')


def _counts_html(layer) -> str:
    return " ".join(chip(c, f"{layer.count(c)} {c}") for c in CHANGES if layer.count(c))


# -- the tree of one layer -----------------------------------------------------------------------
def _tree(files) -> dict:
    root: dict = {"children": {}, "file": None, "size": 0}
    for f in files:
        node = root
        node["size"] += f.size
        for part in f.path.strip("/").split("/"):
            node = node["children"].setdefault(part, {"children": {}, "file": None, "size": 0})
            node["size"] += f.size
        node["file"] = f
    return root


def _letter(change: str) -> str:
    return f'<b title="{change}" style="color:{COLOURS[change]}">{LETTERS[change]}</b>'


def _leaf_html(name: str, f) -> str:
    # one line per file, kept short: a base image's tree holds hundreds of them
    link = f" → {esc(f.link)}" if f.link else ""
    return f'<div style="padding-left:1.2em">{_letter(f.change)} {esc(name)}{link} <i>{esc(units.size(f.size))}</i></div>'


def _node_html(name: str, node: dict, budget: list) -> str:
    if budget[0] <= 0:
        return ""
    budget[0] -= 1
    f = node["file"]
    if not node["children"]:
        return _leaf_html(name, f) if f else ""
    label = _letter(f.change) + " " if f and f.change != "modified" else ""
    inner = "".join(_node_html(k, v, budget) for k, v in sorted(node["children"].items()))
    return (f'<details style="padding-left:1.2em"><summary>{label}{esc(name)}/ <i>{esc(units.size(node["size"]))}</i>'
            f'</summary>{inner}</details>')


def tree_html(files) -> str:
    budget = [MAX_ROWS]
    root = _tree(files)
    inner = "".join(_node_html(k, v, budget) for k, v in sorted(root["children"].items()))
    more = len(files) - MAX_ROWS
    if more > 0:
        inner += f'<div style="{MUTED};padding-left:1.2em">… and {more} more (narrow them with the filter)</div>'
    return f'<div style="{MONO};font-size:12px">{inner}</div>'


# -- one image ------------------------------------------------------------------------------------
def _layer_html(layer, pattern: str | None) -> str:
    files = [f for f in layer.files if matches(f.path, pattern)]
    made = layer.created_by or "(no instruction recorded)"
    short = made if len(made) <= 90 else made[:89] + "…"
    summary = (f'<b>{layer.index}</b> {code(units.short_id(layer.digest))} <span title="{esc(made)}" '
               f'style="{MONO};font-size:12px">{esc(short)}</span> · {esc(units.size(layer.size))} {_counts_html(layer)}')
    body = tree_html(files) if files else f'<div style="{MUTED};padding-left:1.2em">no files{" match" if pattern else ""}</div>'
    return f'<details style="margin:2px 0"><summary>{summary}</summary>{body}</details>'


def _waste_html(result: ImageLayers) -> str:
    rows = [[esc(w.path), esc(str(w.layers)), esc(units.size(w.size))] for w in result.waste[:10]]
    if not rows:
        return ""
    return (f'<details open style="margin-top:4px"><summary>{chip("wasted")} where: {_n(len(result.waste), "path")} '
            f'written or removed again</summary>{table(["PATH", "LAYERS", "WASTED"], rows, raw=True)}</details>')


def _largest_html(result: ImageLayers, pattern: str | None) -> str:
    found = [(i, f) for i, f in result.largest(len(result.files())) if f.size and matches(f.path, pattern)][:10]
    rows = [[esc(f.path), chip(f.change), esc(str(i)), esc(units.size(f.size))] for i, f in found]
    return (f'<details style="margin-top:4px"><summary>largest files</summary>'
            f'{table(["PATH", "CHANGE", "LAYER", "SIZE"], rows, raw=True)}</details>') if rows else ""


def _headline(result: ImageLayers) -> str:
    return (f'<div><b>docker layers</b> {code(result.image)} <span style="{MUTED}">· {len(result.layers)} layers · '
            f'{esc(units.size(result.size))}</span> · {chip("wasted", "wasted " + units.size(result.wasted_bytes))} '
            f'efficiency <b>{result.efficiency:.1%}</b></div>')


def layers_html(result: ImageLayers, pattern: str | None = None) -> str:
    note = f'<div style="{MUTED}">paths matching {code(pattern)}</div>' if pattern else ""
    layers = "".join(_layer_html(layer, pattern) for layer in result.layers)
    return box(_headline(result) + note + layers + _largest_html(result, pattern) + _waste_html(result)
               + engine_html(result.engine), "dm-layers")


def layers_text(result: ImageLayers, pattern: str | None = None, max_rows: int = 40) -> str:
    lines = [f"{result.image}: {len(result.layers)} layers, {units.size(result.size)}, "
             f"wasted {units.size(result.wasted_bytes)}, efficiency {result.efficiency:.1%}"]
    for layer in result.layers:
        counts = ", ".join(f"{layer.count(c)} {c}" for c in CHANGES)
        lines.append(f"\nLAYER {layer.index}  {units.short_id(layer.digest)}  {units.size(layer.size)}  ({counts})  {layer.created_by}")
        files = [f for f in layer.files if matches(f.path, pattern) and f.kind != "dir"]
        for f in files[:max_rows]:
            link = f" -> {f.link}" if f.link else ""
            lines.append(f"  {LETTERS[f.change]} {f.path}{link}  {units.size(f.size)}")
        if len(files) > max_rows:
            lines.append(f"  ... and {len(files) - max_rows} more")
    if result.waste:
        lines.append("\nwasted:\n" + text_table(["PATH", "LAYERS", "WASTED"],
                                                [[w.path, w.layers, units.size(w.size)] for w in result.waste[:10]]))
    return "\n".join(lines)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# -- two images ------------------------------------------------------------------------------------
def comparison_html(result: LayerComparison, pattern: str | None = None) -> str:
    a, b = result.first, result.second
    head = (f'<div><b>docker layers</b> {code(a.image)} → {code(b.image)} <span style="{MUTED}">· '
            f'{_n(len(result.shared), "shared layer")}, {_n(len(result.differences), "file")} differ</span></div>')
    shared = table(["", "LAYER", "INSTRUCTION", "SIZE"], [
        [chip("shared"), code(units.short_id(layer.digest)), esc(layer.created_by[:90]), esc(units.size(layer.size))]
        for layer in result.shared], raw=True) if result.shared else f'<div style="{MUTED}">no layers in common</div>'
    files = [f for f in result.differences if matches(f.path, pattern)]
    rows = [[chip(f.change), f'<span style="{MONO};font-size:12px">{esc(f.path)}</span>'
             + (f' <span style="{MUTED}">→ {esc(f.link)}</span>' if f.link else ""), esc(units.size(f.size))]
            for f in files[:MAX_ROWS]]
    more = f'<div style="{MUTED}">… and {len(files) - MAX_ROWS} more</div>' if len(files) > MAX_ROWS else ""
    differ = table(["CHANGE", "PATH", "SIZE"], rows, raw=True) if rows else f'<div style="{MUTED}">no files differ</div>'
    return box(f'{head}<div style="margin-top:4px">{shared}</div><div style="margin-top:4px"><b>files that differ</b> '
               f'<span style="{MUTED}">(from {esc(a.image)} to {esc(b.image)})</span>{differ}{more}</div>'
               + engine_html(result.engine), "dm-layers")


def comparison_text(result: LayerComparison, pattern: str | None = None) -> str:
    lines = [f"{result.first.image} -> {result.second.image}: {_n(len(result.shared), 'shared layer')}, "
             f"{_n(len(result.differences), 'file')} differ"]
    lines += [f"shared  {units.short_id(layer.digest)}  {units.size(layer.size)}  {layer.created_by}" for layer in result.shared]
    lines += [f"{LETTERS[f.change]} {f.path}  {units.size(f.size)}" for f in result.differences if matches(f.path, pattern)]
    return "\n".join(lines)


def bundle(result) -> dict:
    """The mimebundle of an `ImageLayers` or a `LayerComparison` (for `views/formatters.py`)."""
    if isinstance(result, LayerComparison):
        return {"text/plain": comparison_text(result), "text/html": comparison_html(result)}
    return {"text/plain": layers_text(result), "text/html": layers_html(result)}


# -- docker diff ---------------------------------------------------------------------------------
def diff_html(result: ContainerDiff) -> str:
    rows = [[chip(c.change, LETTERS[c.change]), f'<span style="{MONO};font-size:12px">{esc(c.path)}</span>']
            for c in result.changes]
    body = table(["", "PATH"], rows, raw=True) if rows else f'<div style="{MUTED}">no changes</div>'
    return box(f"<div><b>docker diff</b> {code(result.container)}</div>{body}" + engine_html(result.engine), "dm-diff")


def diff_bundle(result: ContainerDiff) -> dict:
    return {"text/plain": repr(result), "text/html": diff_html(result)}


# -- live ----------------------------------------------------------------------------------------
class LayersView(LiveView):
    """Reading: which image, layers listed, bytes read.  Read: the result, filtered."""

    keeps_widget = True  # the filter box works on the result after the cell ran

    def __init__(self, images: list[str], pattern: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.images = images
        self.pattern = pattern or None
        self.result = None
        self.reading = ""
        self.listed = 0
        self.bytes_read = 0
        self.error: str | None = None
        self._box = self._filter = None
        self._html: tuple = (None, None, "")

    def apply(self, event) -> None:
        if isinstance(event, ReadStarted):
            self.reading, self.listed, self.bytes_read = event.image, 0, 0
        elif isinstance(event, LayerListed):
            self.listed += 1
        elif isinstance(event, StreamProgress):
            self.bytes_read = event.bytes_read
        elif isinstance(event, (ImageLayers, LayerComparison)):
            self.result = event

    def fail(self, exc: BaseException) -> None:
        self.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)

    def _progress(self) -> str:
        done = f"failed: {self.error}" if self.error else f"reading {self.reading}"
        return f"{done} · {self.listed} layers listed · {units.size(self.bytes_read)} read · {units.duration(self.elapsed)}"

    def html(self) -> str:
        if self.result is None:
            return box(f"<div><b>docker layers</b> {esc(self._progress())}</div>", "dm-layers")
        shown, pattern, html = self._html
        if shown is not self.result or pattern != self.pattern:  # the widget and the bundle show one tree
            render = comparison_html if isinstance(self.result, LayerComparison) else layers_html
            html = render(self.result, self.pattern)
            self._html = (self.result, self.pattern, html)
        return html

    def text(self) -> str:
        if self.result is None:
            return self._progress()
        if isinstance(self.result, LayerComparison):
            return comparison_text(self.result, self.pattern)
        return layers_text(self.result, self.pattern)

    def build_widget(self):
        import ipywidgets as w

        self._filter = w.Text(value=self.pattern or "", placeholder="filter paths: /etc, *.so, /usr/*",
                              layout=w.Layout(width="22em"))
        self._filter.observe(self._on_filter, names="value")
        self._box = HTML(self.html())
        return w.VBox([self._filter, self._box])

    def refresh(self) -> None:
        self._box.value = self.html()

    def _on_filter(self, change) -> None:
        with self._lock:
            self.pattern = change["new"].strip() or None
            self._box.value = self.html()

    def echo(self, event) -> None:
        if isinstance(event, ReadStarted):
            print(f"reading {event.image}: {event.layers} layers ({event.known} already listed)")
        elif event is None:
            print(self.text() if self.result is not None else self._progress())
