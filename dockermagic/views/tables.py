"""Tables: `docker images`, `docker history`, and histories side by side.

Static (no widget needed): each renders to HTML and to the docker CLI's text layout.
"""

from __future__ import annotations

from ..gotemplate.formats import text_table
from ..text import units
from .markup import MONO, MUTED, TABLE, TD, TH, TR, badge, box, code, esc, table

MISSING_NOTE = (
    "<missing>: a layer this engine keeps no image id for -- it was built elsewhere (a pulled "
    "image) or by a builder that does not record one. Its content is here all the same."
)


def images_text(images) -> str:
    rows = [[r.repository, r.tag, r.short_id, units.ago(r.created), units.size(r.size)] for r in images]
    return text_table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows)


def engine_html(label: str) -> str:
    """The muted line naming the engine that answered, as every view's header does."""
    return f'<div style="{MUTED};font-size:11.5px">{esc(label)}</div>' if label else ""


def images_html(images) -> str:
    rows = [
        [esc(r.repository), esc(r.tag), code(r.short_id),
         f'<span title="{esc(units.timestamp(r.created))}">{esc(units.ago(r.created))}</span>', esc(units.size(r.size))]
        for r in images
    ]
    engine = engine_html(getattr(images, "engine", ""))
    if not rows:
        return box(f'<span style="{MUTED}">no images</span>{engine}', "dm-images")
    return box(table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows, raw=True) + engine, "dm-images")


def _created_by(layer, no_trunc: bool, width: int = 45) -> str:
    text = layer.created_by.replace("\t", " ")
    if no_trunc or len(text) <= width:
        return text
    return text[: width - 1] + "…"


def _layer_id(layer, no_trunc: bool) -> str:
    return layer.id if (no_trunc or layer.id == "<missing>") else layer.short_id


def history_text(hist) -> str:
    headers = ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]
    parts = []
    for name, layers in zip(hist.images, hist.layers):
        rows = [
            [_layer_id(layer, hist.no_trunc), units.ago(layer.created), _created_by(layer, hist.no_trunc), units.size(layer.size), layer.comment]
            + ([] if len(hist.images) == 1 else ["shared" if layer.shared else "own"])
            for layer in layers
        ]
        title = "" if len(hist.images) == 1 else f"{name}  ({units.size(sum(layer.size for layer in layers))})\n"
        parts.append(title + text_table(headers + ([] if len(hist.images) == 1 else [""]), rows))
    if len(hist.images) > 1:
        parts.append(_summary_text(hist))
    if any(layer.id == "<missing>" for layers in hist.layers for layer in layers):
        parts.append(MISSING_NOTE)
    if hist.note:
        parts.append(hist.note)
    return "\n\n".join(parts)


def _summary_text(hist) -> str:
    sizes = hist.sizes()
    shared_size = sum(layer.size for layer in hist.layers[0] if layer.shared)
    noun = "layer" if hist.shared_count == 1 else "layers"
    lines = [f"{hist.shared_count} shared {noun} ({units.size(shared_size)}): the same ids in every image, stored once."]
    for name, layers, total in zip(hist.images, hist.layers, sizes):
        own = [layer for layer in layers if not layer.shared]
        noun = "layer" if len(own) == 1 else "layers"
        lines.append(f"{name}: {len(own)} own {noun}, {units.size(total - shared_size)} on top of the shared {units.size(shared_size)}")
    return "\n".join(lines)


def history_html(hist) -> str:
    engine = engine_html(hist.engine)
    if len(hist.images) == 1:
        return box(_single_history_html(hist) + _missing_html(hist) + engine, "dm-history")
    return box(_compare_html(hist) + _missing_html(hist) + engine, "dm-history")


def _missing_html(hist) -> str:
    notes = [MISSING_NOTE] if any(layer.id == "<missing>" for layers in hist.layers for layer in layers) else []
    notes += [hist.note] if hist.note else []
    return "".join(f'<div style="{MUTED};font-size:11.5px;margin-top:4px">{esc(n)}</div>' for n in notes)


def _single_history_html(hist) -> str:
    layers = hist.layers[0]
    total = max(1, sum(layer.size for layer in layers))
    rows = [
        [code(_layer_id(layer, hist.no_trunc)),
         f'<span title="{esc(units.timestamp(layer.created))}">{esc(units.ago(layer.created))}</span>',
         f'<code style="{MONO};font-size:12px" title="{esc(layer.created_by)}">{esc(_created_by(layer, hist.no_trunc, 80))}</code>',
         esc(units.size(layer.size)) + _bar(layer.size, total), esc(layer.comment)]
        for layer in layers
    ]
    title = f"<div><b>docker history</b> {code(hist.images[0])} <span style=\"{MUTED}\">· {esc(units.size(sum(layer.size for layer in layers)))}</span></div>"
    return title + table(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], rows, raw=True)


def _bar(size: int, scale: int, colour: str = "#2472c8") -> str:
    pct = 100.0 * size / scale if scale else 0
    width = f"max(1px,{pct:.2f}%)" if size else "0"
    return (
        f'<div style="height:5px;width:100%;min-width:80px;background:rgba(128,128,128,.12);border-radius:2px">'
        f'<div style="height:5px;width:{width};background:{colour};border-radius:2px"></div></div>'
    )


def _layer_cell(layer, hist, scale: int, colour: str) -> str:
    return (
        f'{code(_layer_id(layer, hist.no_trunc))} <span style="{MUTED}">{esc(units.size(layer.size))}</span><br>'
        f'<code style="{MONO};font-size:11.5px" title="{esc(layer.created_by)}">{esc(_created_by(layer, hist.no_trunc, 60))}</code>'
        f"{_bar(layer.size, scale, colour)}"
    )


def _compare_html(hist) -> str:
    n = len(hist.images)
    sizes = hist.sizes()
    scale = max(1, max(sizes))
    depth = max(len(layers) for layers in hist.layers)
    # align at the base: row r (from the top) holds layer r - (depth - len) of each image
    padded = [[None] * (depth - len(layers)) + list(layers) for layers in hist.layers]
    head = "".join(
        f'<th style="{TH}">{code(name)} <span style="{MUTED};font-weight:400">{esc(units.size(size))}</span></th>'
        for name, size in zip(hist.images, sizes)
    )
    body = []
    for r in range(depth):
        cells = [padded[i][r] for i in range(n)]
        if all(c is not None and c.shared for c in cells):
            body.append(
                f'<tr style="background:rgba(111,66,193,.07)"><td style="{TD}" colspan="{n}">{badge("shared")} '
                f'{_layer_cell(cells[0], hist, scale, "#6f42c1")}</td></tr>'
            )
            continue
        tds = "".join(
            f'<td style="{TD}">{badge("own") + " " + _layer_cell(c, hist, scale, "#2472c8") if c else ""}</td>' for c in cells
        )
        body.append(f'<tr style="{TR}">{tds}</tr>')
    summary = _scale_html(hist, sizes, scale) + esc(_summary_text(hist)).replace("\n", "<br>")
    title = "<div><b>docker history</b> · layers aligned from the base; shared layers span the columns</div>"
    return (
        f'{title}<table style="{TABLE};width:100%"><thead><tr style="{TR}">{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f'<div style="margin-top:4px">{summary}</div>'
    )


def _scale_html(hist, sizes: list[int], scale: int) -> str:
    """Each image as one bar, to scale: its shared part and its own part."""
    shared = sum(layer.size for layer in hist.layers[0] if layer.shared)
    rows = []
    for name, total in zip(hist.images, sizes):
        own = max(0, total - shared)
        width = 100.0 * total / scale
        shared_pct = 100.0 * shared / total if total else 0
        rows.append(
            '<div style="display:flex;align-items:center;gap:8px;margin:2px 0">'
            f'<div style="flex:0 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">{code(name)}</div>'
            '<div style="flex:1 1 120px;min-width:60px">'
            f'<div style="display:flex;height:10px;width:{width:.2f}%;min-width:2px">'
            f'<div title="shared {esc(units.size(shared))}" style="width:{shared_pct:.2f}%;background:#6f42c1"></div>'
            f'<div title="own {esc(units.size(own))}" style="flex:1;min-width:{2 if own else 0}px;background:#2472c8"></div>'
            "</div></div>"
            f'<div style="flex:0 0 auto;white-space:nowrap;{MUTED}">{esc(units.size(shared))} shared + {esc(units.size(own))} own</div>'
            "</div>"
        )
    return f'<div style="margin-top:6px">{"".join(rows)}</div>'


def images_bundle(images) -> dict:
    return {"text/plain": images_text(images), "text/html": images_html(images)}


def history_bundle(hist) -> dict:
    return {"text/plain": history_text(hist), "text/html": history_html(hist)}
