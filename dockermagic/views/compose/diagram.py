"""A picture of a Compose project, drawn as inline SVG from its model (what `docker compose
config --format json` prints): services as boxes (image or build, published ports `8080→80`,
the networks they join as coloured chips), the project's networks as a legend of the same
colours, volumes (named: cylinders; bind mounts: folders) in a row below, and `depends_on` as
arrows labelled with their condition (`healthy`, `completed`; dashed when not required).

With the project's containers each box is coloured by its service's state: running green,
starting or created amber, unhealthy or exited with an error red, exited 0 grey.

The layout is deterministic and needs no layout engine: a service's layer is its dependency
depth (the longest `depends_on` chain below it), the deepest at the top, so arrows point
down; each layer is ordered by where its dependencies sit (one sweep up, one down, names
breaking ties), and wrapped at `COLUMNS` boxes so 1200 pixels hold it.  Every string goes
through `markup.esc`: no name can leave its `<text>`.  No script: a saved notebook keeps it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..markup import esc

COLUMNS = 5
BOX_W, BOX_H, GAP_X, GAP_Y = 210, 96, 20, 58
VOL_W, VOL_H = 150, 56
MARGIN = 20
SANS = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif"
MONO = "SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
NETWORK_COLOURS = ("#2472c8", "#bc3fbc", "#0d9488", "#b58900", "#e8590c", "#6f42c1", "#11a8cd", "#57606a")
STATE_COLOURS = {"running": "#1a7f37", "starting": "#b58900", "failed": "#cf222e", "exited": "#8a8a8a",
                 "paused": "#6f42c1", "absent": "#afb8c1", "model": "#57606a"}
CONDITIONS = {"service_healthy": "healthy", "service_completed_successfully": "completed"}


@dataclass
class Node:
    name: str
    x: float = 0
    y: float = 0
    w: float = BOX_W
    h: float = BOX_H
    out: list = field(default_factory=list)   # edges leaving the bottom
    into: list = field(default_factory=list)  # edges arriving at the top


# -- reading the model ----------------------------------------------------------------------------
def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def shown_path(path: str, working_dir: str = "") -> str:
    """A bind source or build context as the user wrote it: `./app` under the project's folder."""
    path = str(path or "")
    for base in (working_dir, "${PROJECT_DIR}"):
        if base and (path == base or path.startswith(base.rstrip("/") + "/")):
            rest = path[len(base.rstrip("/")):].lstrip("/")
            return "./" + rest if rest else "."
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home != "~" and path.startswith(home + "/") else path


def port_text(port) -> str:
    """`8080→80`, `127.0.0.1:8080→80`, `→80` (a host port the engine picks), `53→53/udp`."""
    if not isinstance(port, dict):
        return str(port)
    target, published = port.get("target", ""), port.get("published") or ""
    host = f"{port['host_ip']}:" if port.get("host_ip") not in (None, "", "0.0.0.0") else ""
    proto = f"/{port['protocol']}" if port.get("protocol") not in (None, "", "tcp") else ""
    return f"{host}{published}→{target}{proto}" if published else f"→{target}{proto}"


def source_line(service: dict, working_dir: str = "") -> str:
    build = service.get("build")
    if isinstance(build, dict) or isinstance(build, str):
        context = build if isinstance(build, str) else build.get("context", ".")
        target = f" ({build['target']})" if isinstance(build, dict) and build.get("target") else ""
        return f"build {shown_path(context, working_dir)}{target}"
    return str(service.get("image") or "")


def depth_layers(services: dict) -> dict[str, int]:
    """Each service's dependency depth: 0 without dependencies, else one more than its deepest
    dependency's (a cycle, which the loader refuses, is cut where it closes)."""
    depth: dict[str, int] = {}

    def visit(name: str, path: tuple) -> int:
        if name in depth:
            return depth[name]
        deps = [d for d in _dict(_dict(services.get(name)).get("depends_on")) if d in services and d not in path]
        depth[name] = 1 + max((visit(d, (*path, name)) for d in deps), default=-1)
        return depth[name]

    for name in sorted(services):
        visit(name, ())
    return depth


def ordered_layers(services: dict, depth: dict[str, int]) -> list[list[str]]:
    """Layers top (deepest) to bottom, each ordered to keep arrows short: one sweep upwards by
    the mean place of a service's dependencies, one downwards by its dependents'."""
    top = max(depth.values(), default=-1)
    layers = [sorted(n for n in services if depth[n] == d) for d in range(top, -1, -1)]
    deps = {n: [d for d in _dict(_dict(services[n]).get("depends_on")) if d in services] for n in services}
    users = {n: [u for u in services if n in deps[u]] for n in services}

    def sweep(order, neighbours):
        for i, layer in enumerate(order[1:], 1):
            place = {n: j for row in order[:i] for j, n in enumerate(row)}
            mean = {n: (sum(place[m] for m in neighbours[n] if m in place) / max(1, sum(m in place for m in neighbours[n]))
                        if any(m in place for m in neighbours[n]) else len(layer)) for n in layer}
            order[i] = sorted(layer, key=lambda n: (mean[n], n))

    bottom_up = layers[::-1]
    sweep(bottom_up, users)         # a dependency under the services that use it
    layers = bottom_up[::-1]
    sweep(layers, deps)             # then the services over their dependencies
    return layers


def service_state(containers: list) -> tuple[str, str]:
    """(colour family, words) of a service from its containers: "running 2/2 · healthy" ..."""
    if not containers:
        return "absent", "no container"
    running = [c for c in containers if c.state == "running"]
    health = {c.health for c in containers if c.health}
    count = f"{len(running)}/{len(containers)}"
    if "unhealthy" in health:
        return "failed", f"running {count} · unhealthy"
    failed = [c for c in containers if c.state in ("exited", "dead") and c.exit_code]
    if failed:
        return "failed", f"exited ({failed[0].exit_code})" + (f" · {count} running" if running else "")
    if any(c.state in ("created", "restarting") for c in containers) or "starting" in health:
        return "starting", ("starting " if "starting" in health else f"{containers[0].state} ") + count
    if any(c.state == "paused" for c in containers):
        return "paused", f"paused {count}"
    if len(running) == len(containers):
        return "running", f"running {count}" + (" · healthy" if health == {"healthy"} else "")
    return "exited", "exited (0)" if not running else f"running {count}"


# -- drawing --------------------------------------------------------------------------------------
def _cut(text: str, width: float, px: float) -> str:
    most = max(1, int(width / px))
    return text if len(text) <= most else text[: most - 1] + "…"


def _text(x, y, text, size=12, weight="400", fill="#24292f", family=SANS, anchor="start", title=None) -> str:
    tip = f"<title>{esc(title)}</title>" if title and title != text else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'font-family="{family}" text-anchor="{anchor}">{tip}{esc(text)}</text>')


def _service_box(node: Node, service: dict, family: str, words: str, nets: dict, working_dir: str) -> str:
    colour = STATE_COLOURS[family]
    x, y, w, h = node.x, node.y, node.w, node.h
    dashed = ' stroke-dasharray="5 3"' if family == "absent" else ""
    replicas = _dict(service.get("deploy")).get("replicas")
    title = node.name + (f" ×{replicas}" if isinstance(replicas, int) and replicas != 1 else "")
    parts = [
        f'<g><title>{esc(node.name)}</title>'
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="7" fill="#ffffff" stroke="{colour}" stroke-width="1.6"{dashed}/>'
        f'<path d="M{x} {y + 7} a7 7 0 0 1 7 -7 h{w - 14} a7 7 0 0 1 7 7 v15 h-{w} z" fill="{colour}"/></g>',
        _text(x + 9, y + 16, _cut(title, w - 18, 7.6), 13, "600", "#ffffff", title=title),
    ]
    source = source_line(service, working_dir)
    parts.append(_text(x + 9, y + 38, _cut(source, w - 18, 6.9), 11.5, family=MONO, fill="#24292f", title=source))
    ports = ", ".join(port_text(p) for p in _list(service.get("ports")))
    parts.append(_text(x + 9, y + 55, _cut(ports, w - 18, 6.9) if ports else "no published port", 11.5,
                       family=MONO, fill="#0b5cad" if ports else "#8a8a8a", title=ports))
    # the networks it joins, as chips of their legend's colour
    cx = x + 9
    joined = list(_dict(service.get("networks"))) or ([] if service.get("network_mode") else [])
    if service.get("network_mode"):
        parts.append(_text(cx, y + 72, _cut(f"network_mode: {service['network_mode']}", w - 18, 6.3), 10.5,
                           fill="#57606a"))
    for net in joined:
        label = _cut(str(net), 90, 5.8)
        width = 14 + 5.8 * len(label)
        if cx + width > x + w - 6:
            parts.append(_text(cx, y + 72, "…", 10.5, fill="#57606a", title=", ".join(map(str, joined))))
            break
        fill = nets.get(net, "#8a8a8a")
        parts.append(f'<rect x="{cx:.0f}" y="{y + 62}" width="{width:.0f}" height="14" rx="7" fill="{fill}" '
                     f'fill-opacity="0.14" stroke="{fill}" stroke-width="1"/>'
                     f'<circle cx="{cx + 7:.0f}" cy="{y + 69}" r="3" fill="{fill}"/>'
                     + _text(cx + 13, y + 73, label, 10.5, fill="#24292f", title=str(net)))
        cx += width + 5
    parts.append(_text(x + 9, y + h - 7, _cut(words, w - 18, 6.3), 10.5, "600" if family != "model" else "400",
                       colour if family not in ("model", "absent") else "#8a8a8a"))
    return "".join(parts)


def _volume_node(node: Node, kind: str, label: str, targets: list[str], external: bool) -> str:
    x, y, w, h = node.x, node.y, node.w, node.h
    if kind == "volume":
        ry = 7
        shape = (f'<path d="M{x} {y + ry} v{h - 2 * ry} a{w / 2} {ry} 0 0 0 {w} 0 v-{h - 2 * ry}" fill="#f6f8fa" '
                 f'stroke="#57606a" stroke-width="1.3"/>'
                 f'<ellipse cx="{x + w / 2}" cy="{y + ry}" rx="{w / 2}" ry="{ry}" fill="#eaeef2" stroke="#57606a" '
                 f'stroke-width="1.3"/>')
    else:  # a bind mount: a folder
        shape = (f'<path d="M{x} {y + 4} h{w * .35} l6 6 h{w * .65 - 6} v{h - 10} h-{w} z" fill="#fff8e6" '
                 f'stroke="#b58900" stroke-width="1.2" stroke-dasharray="4 2"/>')
    first = (label + " (external)") if external else label
    lines = [_text(x + w / 2, y + 28, _cut(first, w - 12, 6.6), 11.5, "600", anchor="middle", title=first)]
    target = targets[0] if len(set(targets)) == 1 else f"{len(set(targets))} mount points"
    lines.append(_text(x + w / 2, y + 44, _cut("→ " + target, w - 12, 6.3), 10.5, family=MONO, fill="#57606a",
                       anchor="middle", title=", ".join(sorted(set(targets)))))
    return f"<g><title>{esc(label)}</title>{shape}</g>" + "".join(lines)


def _edge(a: Node, b: Node, colour: str, label: str = "", dashed: bool = False, arrow: bool = True) -> str:
    x1 = a.x + a.w * (a.out.index(b) + 1) / (len(a.out) + 1)
    x2 = b.x + b.w * (b.into.index(a) + 1) / (len(b.into) + 1)
    y1, y2 = a.y + a.h, b.y - (3 if arrow else 0)
    bend = max(18.0, (y2 - y1) * 0.45)
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    marker = ' marker-end="url(#dm-arrow)"' if arrow else ""
    path = (f'<path d="M{x1:.1f} {y1:.1f} C{x1:.1f} {y1 + bend:.1f} {x2:.1f} {y2 - bend:.1f} {x2:.1f} {y2:.1f}" '
            f'fill="none" stroke="{colour}" stroke-width="{1.5 if arrow else 1}"{dash}{marker}/>')
    if not label:
        return path
    lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 + 4
    return path + (f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="10.5" font-family="{SANS}" text-anchor="middle" '
                   f'fill="{colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke" font-weight="600">'
                   f"{esc(label)}</text>")


def _rows(names: list[str], width: float, gap: float, columns: int) -> list[list[str]]:
    return [names[i:i + columns] for i in range(0, len(names), columns)] or []


def diagram_svg(model: dict, containers: list | None = None, working_dir: str = "", project: str = "") -> str:
    """The project's picture as one inline `<svg>` ("" for a model without services and no
    containers).  `containers` (`ComposeContainer`s) colour the boxes by state."""
    model = _dict(model)
    services = {str(k): _dict(v) for k, v in _dict(model.get("services")).items()}
    for c in containers or ():
        if not c.oneoff and c.service not in services:   # read from the engine alone: no model
            services[c.service] = {"image": c.image}
    if not services:
        return ""
    by_service: dict[str, list] = {}
    for c in containers or ():
        if not c.oneoff:
            by_service.setdefault(c.service, []).append(c)

    layers = ordered_layers(services, depth_layers(services))
    nets = {n: NETWORK_COLOURS[i % len(NETWORK_COLOURS)] for i, n in enumerate(_dict(model.get("networks")))}
    for s in services.values():
        for n in _dict(s.get("networks")):
            nets.setdefault(n, NETWORK_COLOURS[len(nets) % len(NETWORK_COLOURS)])

    # volumes: named ones by their model key, bind mounts by their source
    mounts: dict[tuple, list] = {}
    for name in sorted(services):
        for v in _list(services[name].get("volumes")):
            if isinstance(v, dict) and v.get("type") in ("volume", "bind") and v.get("source"):
                mounts.setdefault((v["type"], str(v["source"])), []).append((name, str(v.get("target", ""))))
    declared = _dict(model.get("volumes"))

    # place the rows
    rows = [row for layer in layers for row in _rows(layer, BOX_W, GAP_X, COLUMNS)]
    vol_keys = sorted(mounts, key=lambda k: (k[0] != "volume", k[1]))
    vol_columns = max(1, int((COLUMNS * (BOX_W + GAP_X)) // (VOL_W + GAP_X)))
    vol_rows = _rows(vol_keys, VOL_W, GAP_X, vol_columns)
    widest = max([len(r) * (BOX_W + GAP_X) - GAP_X for r in rows]
                 + [len(r) * (VOL_W + GAP_X) - GAP_X for r in vol_rows] + [560])
    width = widest + 2 * MARGIN
    legend_h = 34
    y = MARGIN + legend_h
    nodes: dict = {}
    for row in rows:
        x = MARGIN + (widest - (len(row) * (BOX_W + GAP_X) - GAP_X)) / 2
        for name in row:
            nodes[("service", name)] = Node(name, x, y)
            x += BOX_W + GAP_X
        y += BOX_H + GAP_Y
    for row in vol_rows:
        x = MARGIN + (widest - (len(row) * (VOL_W + GAP_X) - GAP_X)) / 2
        for key in row:
            nodes[key] = Node(key[1], x, y, VOL_W, VOL_H)
            x += VOL_W + GAP_X
        y += VOL_H + GAP_Y * 0.6
    height = y - (GAP_Y * 0.6 if vol_rows else GAP_Y) + MARGIN

    # edges, attached along each box's edge in the order of what they reach (fewer crossings)
    edges = []
    for name in sorted(services):
        a = nodes[("service", name)]
        for dep, how in _dict(services[name].get("depends_on")).items():
            if ("service", dep) in nodes:
                how = _dict(how)
                edges.append((a, nodes[("service", dep)], "dep", CONDITIONS.get(how.get("condition"), ""),
                              how.get("required") is False))
    for key, users in mounts.items():
        for user in dict.fromkeys(u for u, _ in users):
            edges.append((nodes[("service", user)], nodes[key], "mount", "", False))
    for a, b, *_ in edges:
        a.out.append(b)
        b.into.append(a)
    for node in nodes.values():
        node.out.sort(key=lambda n: (n.x, n.y))
        node.into.sort(key=lambda n: (n.x, n.y))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" style="max-width:100%;height:auto;background:#ffffff">',
        f"<title>{esc('Compose project ' + project if project else 'Compose project')}</title>",
        '<defs><marker id="dm-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#57606a"/></marker></defs>',
    ]
    # the legend: the project's networks
    lx = MARGIN
    parts.append(_text(lx, MARGIN + 12, "networks", 11.5, "600", "#57606a"))
    lx += 66
    for net, colour in nets.items():
        config = _dict(_dict(model.get("networks")).get(net))
        label = _cut(str(net) + (" (external)" if config.get("external") else ""), 200, 6.6)
        w = 22 + 6.6 * len(label)
        if lx + w > width - MARGIN:
            parts.append(_text(lx, MARGIN + 12, "…", 11.5, fill="#57606a"))
            break
        parts.append(f'<rect x="{lx:.0f}" y="{MARGIN}" width="{w:.0f}" height="17" rx="8.5" fill="{colour}" '
                     f'fill-opacity="0.14" stroke="{colour}"/><circle cx="{lx + 9:.0f}" cy="{MARGIN + 8.5}" r="3.5" '
                     f'fill="{colour}"/>' + _text(lx + 17, MARGIN + 12.5, label, 11.5, title=str(config.get("name") or net)))
        lx += w + 8
    if not nets:
        parts.append(_text(lx, MARGIN + 12, "none (network_mode)", 11.5, fill="#8a8a8a"))

    for a, b, kind, label, optional in edges:   # under the boxes
        if kind == "mount":
            parts.append(_edge(a, b, "#8c959f", dashed=True, arrow=False))
    for a, b, kind, label, optional in edges:
        if kind == "dep":
            parts.append(_edge(a, b, "#57606a", label, optional))
    for name, service in services.items():
        node = nodes[("service", name)]
        family, words = service_state(by_service.get(name, [])) if containers is not None else ("model", "")
        if containers is None:
            words = _model_words(service)
        parts.append(_service_box(node, service, family, words, nets, working_dir))
    for key, users in mounts.items():
        kind, source = key
        label = source if kind == "volume" else shown_path(source, working_dir)
        parts.append(_volume_node(nodes[key], kind, label, [t for _, t in users],
                                  bool(_dict(declared.get(source)).get("external"))))
    parts.append("</svg>")
    return "".join(parts)


def _model_words(service: dict) -> str:
    """What the model says under a box without containers: replicas, profiles, restart."""
    said = []
    replicas = _dict(service.get("deploy")).get("replicas")
    if isinstance(replicas, int) and replicas != 1:
        said.append(f"{replicas} replicas")
    if service.get("healthcheck") and not _dict(service.get("healthcheck")).get("disable"):
        said.append("healthcheck")
    if service.get("restart"):
        said.append(f"restart: {service['restart']}")
    if service.get("profiles"):
        said.append("profiles: " + ",".join(map(str, _list(service.get("profiles")))))
    return " · ".join(said)


def diagram_html(model: dict, containers: list | None = None, working_dir: str = "", project: str = "") -> str:
    """The picture as an `<img>` whose source is the SVG itself (a `data:` URI), or "".

    Not inline `<svg>`: JupyterLab sanitizes the HTML of a notebook it does not trust (Binder, a
    fresh clone, nbviewer-like pages), and its allowed tags have no `<svg>` -- the drawing would
    become its labels run together.  An image survives every sanitizer and GitHub's renderer,
    and its `alt` says what it shows."""
    import base64

    svg = diagram_svg(model, containers, working_dir, project)
    if not svg:
        return ""
    names = ", ".join(sorted(str(k) for k in _dict(_dict(model).get("services")))) or "its containers"
    alt = esc(f"Compose project {project}: services {names}" if project else f"services {names}")
    data = base64.b64encode(svg.encode()).decode()
    return (f'<div style="margin-top:8px;overflow-x:auto"><img class="dm-compose-diagram" alt="{alt}" '
            f'src="data:image/svg+xml;base64,{data}" style="max-width:100%"></div>')
