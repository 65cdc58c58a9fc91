"""Compose's views: the stack's rows and prefixed logs (live, text, snapshot), the diagram drawn
from every model of the corpus, `ps` / `config` / `up` results rendered, YAML highlighted."""

from __future__ import annotations

import ast
import glob
import html
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from dockermagic.compose.results import ComposeContainer, ComposeProject, LogLine, ResourceRow, StackEvent
from dockermagic.views import formatters
from dockermagic.views.compose import diagram, stack, yamltext
from dockermagic.views.compose.logs import ServiceLogs

CORPUS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "../../../shared/corpus/compose/expected/*.json"))
                or glob.glob("/work/shared/corpus/compose/expected/*.json"))
SVG = "{http://www.w3.org/2000/svg}"
DRAWN = "data:image/svg+xml;base64,"  # the diagram, as an image every sanitizer keeps
NASTY = '<script>alert(1)</script>&"\'\x1b[31m'


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _events():
    return [StackEvent("network", "demo_default", "Creating"), StackEvent("network", "demo_default", "Created"),
            StackEvent("volume", "demo_data", "Creating"), StackEvent("volume", "demo_data", "Created"),
            StackEvent("container", "demo-db-1", "Creating", "db"), StackEvent("container", "demo-web-1", "Creating", "web"),
            StackEvent("container", "demo-db-1", "Created", "db"), StackEvent("container", "demo-db-1", "Started", "db"),
            StackEvent("container", "demo-web-1", "Error", "web", "Bind for 0.0.0.0:8080 failed: port is already allocated"),
            LogLine("db", "demo-db-1", "ready to accept connections\n"),
            LogLine("web", "demo-web-1", "boom\n", "stderr")]


def _fed(**kwargs) -> stack.StackView:
    view = stack.StackView(ComposeProject("demo", action="up"), mode="none", **kwargs)
    for event in _events():
        view.feed(event)
    view.finish()
    return view


# -- the stack ----------------------------------------------------------------------------------------
def test_rows_read_as_v2s_progress_display():
    view = _fed()
    text = view.text()
    assert text.splitlines()[0] == "[+] Running 3/4"
    assert re.search(r"^ ✔ Network demo_default  Created +\d+\.\ds$", text, re.M)
    assert re.search(r'^ ✔ Volume "demo_data"    Created', text, re.M)
    assert re.search(r"^ ✘ Container demo-web-1  Error +\d+\.\ds Bind for 0\.0\.0\.0:8080 failed", text, re.M)
    assert "port is already allocated" in view.html() and "#cf222e" in view.html()
    assert view.state == "failed"


def test_the_view_never_writes_into_its_result():
    result = ComposeProject("demo", action="up")
    view = stack.StackView(result, mode="none")
    for event in _events():
        view.feed(event)
    assert result.rows == [] and result.logs == [] and len(view.rows) == 4


def test_a_working_row_spins_and_its_clock_runs():
    row = ResourceRow("container", "demo-web-1", "Starting")
    assert stack.row_mark(row, 0.0) == "⠋" and stack.row_mark(row, 0.1) == "⠙"
    assert stack.row_family(ResourceRow("container", "x", "Exited", text="exited (3)")) == "failed"
    assert stack.row_family(ResourceRow("container", "x", "Exited", text="exited (0)")) == "idle"


def test_log_lines_are_prefixed_as_v2_prefixes_them():
    view = _fed()
    lines = view.text().splitlines()
    # the prefix: the name without the project, padded to the longest name + 1, then " | "
    assert "db-1   | ready to accept connections" in lines
    assert "web-1  | boom" in lines
    assert list(view.logs.colours.values())[:2] == ["36", "33"]   # v2's rainbow: cyan, then yellow
    coloured = view.logs.line_text(view.logs.head[0], color=True)
    assert coloured.startswith("\x1b[36mdb-1   | \x1b[0m")
    assert "color:#cd3131" in view.html()    # stderr in red


def test_no_log_prefix_and_no_color_leave_the_lines_alone():
    view = _fed(prefix=False, color=False)
    lines = view.text().splitlines()
    assert "ready to accept connections" in lines and "boom" in lines
    assert view.logs.line_text(view.logs.head[0], color=True) == "ready to accept connections"
    assert "| " not in view.html().split("ready to accept")[0].rsplit("\n", 1)[-1]
    stamped = stack.StackView(ComposeProject("demo", action="up"), mode="none", color=False)
    stamped.feed(LogLine("db", "demo-db-1", "up\n", timestamp="2026-12-07T05:13:10.405819355Z"))
    assert stamped.logs.line_text(stamped.logs.head[0]) == "db-1  | 2026-12-07T05:13:10.405819355Z up"


def test_logs_are_bounded_with_a_marker():
    logs = ServiceLogs("demo", limit=30)
    for i in range(1000):
        logs.add("demo-web-1", f"line {i}\n")
    text = logs.text()
    assert len(text.splitlines()) == 31 and "lines left out here" in text
    assert text.splitlines()[-1] == "web-1  | line 999"


def test_ctrl_c_is_shown():
    view = stack.StackView(ComposeProject("demo", action="up"), mode="none")
    view.feed(StackEvent("container", "demo-web-1", "Starting", "web"))
    view.fail(KeyboardInterrupt())
    view.finish()
    assert view.state == "interrupted" and "interrupted" in view.html() and "interrupted" in view.text()


def test_terminal_mode_prints_v2s_plain_lines(capsys):
    from dockermagic.views.live import run

    run(stack.StackView(ComposeProject("demo", action="up"), mode="text"), iter(_events()))
    out, err = capsys.readouterr()
    assert out.splitlines()[:3] == [" Network demo_default Creating", " Network demo_default Created",
                                    ' Volume "demo_data" Creating']
    assert "db-1   | ready to accept connections" in out and "web-1  | boom" in err


def test_the_view_takes_the_options_compose_call_gives_it():
    view = stack.StackView(ComposeProject("demo"), mode="none", interval=0.2, live_after=0.3)
    assert (view.interval, view.live_after) == (0.2, 0.3)


def test_the_stack_widget_shows_rows_and_logs():
    pytest.importorskip("ipywidgets")
    view = stack.StackView(ComposeProject("demo", action="up"), mode="widget")
    for event in _events():
        view.apply(event)
    widget = view.build_widget()
    view.refresh()
    values = " ".join(child.value for child in widget.children)
    assert "Container demo-db-1" in values and "ready to accept connections" in values


# -- the diagram --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", CORPUS, ids=[os.path.basename(p) for p in CORPUS])
def test_every_corpus_model_draws(path):
    model = json.load(open(path))
    svg = diagram.diagram_svg(model, working_dir="${PROJECT_DIR}", project=model.get("name", ""))
    if not model.get("services"):
        assert svg == ""
        return
    texts = " ".join(_svg_texts(svg))
    for name in model["services"]:
        assert name[:20] in texts
    for net in model.get("networks") or {}:
        assert net[:20] in texts


def test_dependencies_point_down_with_their_condition():
    model = {"services": {
        "web": {"image": "nginx", "depends_on": {"api": {"condition": "service_started", "required": True}},
                "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}]},
        "api": {"build": {"context": "/p/api"}, "depends_on": {"db": {"condition": "service_healthy", "required": True}}},
        "db": {"image": "postgres", "volumes": [{"type": "volume", "source": "data", "target": "/var/lib/pg"}]}},
        "volumes": {"data": {"name": "demo_data"}}}
    depth = diagram.depth_layers(model["services"])
    assert depth == {"db": 0, "api": 1, "web": 2}
    assert diagram.ordered_layers(model["services"], depth) == [["web"], ["api"], ["db"]]
    svg = diagram.diagram_svg(model, working_dir="/p")
    texts = _svg_texts(svg)
    assert "8080→80" in texts and "healthy" in texts and "build ./api" in texts and "data" in texts
    ys = {t: float(e.get("y")) for e in ET.fromstring(svg).iter(f"{SVG}text") for t in ["".join(e.itertext())]}
    assert ys["web"] < ys["api"] < ys["db"]


def test_boxes_never_overlap_and_fit_1200_pixels():
    services = {f"s{i}": {"image": "busybox"} for i in range(13)}
    services["s0"]["depends_on"] = {f"s{i}": {"condition": "service_started"} for i in range(1, 13)}
    svg = diagram.diagram_svg({"services": services})
    root = ET.fromstring(svg)
    assert float(root.get("width")) <= 1200
    boxes = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
             for r in root.iter(f"{SVG}rect") if r.get("rx") == "7"]
    assert len(boxes) == 13
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]


def test_diagram_escapes_every_name():
    model = {"services": {NASTY: {"image": NASTY, "networks": {NASTY: None}, "depends_on": {"db": {}},
                                  "volumes": [{"type": "bind", "source": NASTY, "target": NASTY}]},
                          "db": {"image": "x"}}, "networks": {NASTY: {"name": NASTY}}}
    svg = diagram.diagram_svg(model)
    root = ET.fromstring(svg)   # well-formed: nothing broke out
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "foreignObject")]
    assert "<script>" not in svg and "\x1b" not in svg
    assert any("<script>" in t for t in _svg_texts(svg))


def test_diagram_is_coloured_by_state():
    model = {"services": {"web": {"image": "nginx"}, "db": {"image": "pg"}, "job": {"image": "x"}}}
    containers = [_container("web", "running", health="healthy"), _container("db", "running", health="unhealthy"),
                  _container("job", "exited", exit_code=0)]
    svg = diagram.diagram_svg(model, containers)
    texts = _svg_texts(svg)
    assert "running 1/1 · healthy" in texts and "running 1/1 · unhealthy" in texts and "exited (0)" in texts
    assert diagram.STATE_COLOURS["running"] in svg and diagram.STATE_COLOURS["failed"] in svg


def test_containers_alone_draw_their_services():
    svg = diagram.diagram_svg({}, [_container("web", "running")])
    assert "web" in _svg_texts(svg)


# -- results --------------------------------------------------------------------------------------------
def _container(service, state, health="", exit_code=0, n=1):
    return ComposeContainer(f"demo-{service}-{n}", "a" * 64, service, n, "nginx:alpine",
                            "/docker-entrypoint.sh nginx -g 'daemon off;'", state,
                            "Up 3 seconds" if state == "running" else f"Exited ({exit_code}) 1 second ago",
                            0.0, health, exit_code,
                            publishers=[{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
                                        {"URL": "::", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}])


def test_ps_prints_v2s_table_and_the_diagram():
    result = ComposeProject("demo", action="ps", model={"services": {"web": {"image": "nginx:alpine"}}},
                            containers=[_container("web", "running")])
    shown = formatters.bundle(result)
    lines = shown["text/plain"].splitlines()
    assert lines[0].split() == ["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"]
    assert '"/docker-entrypoint.…"' in lines[1]
    assert "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp" in lines[1]
    assert DRAWN in shown["text/html"] and "demo-web-1" in shown["text/html"]


def test_config_shows_the_model_highlighted_and_drawn():
    yaml = pytest.importorskip("yaml")
    model = json.load(open(CORPUS[0]))
    shown = formatters.bundle(ComposeProject("demo", action="config", model=model))
    assert yaml.safe_load(shown["text/plain"]) == model
    assert f'color:{yamltext.COLOURS["key"]}' in shown["text/html"] and DRAWN in shown["text/html"]


def test_up_shows_rows_logs_and_diagram():
    result = ComposeProject("demo", action="up", model={"services": {"web": {"image": "nginx"}}},
                            containers=[_container("web", "running")],
                            rows=[ResourceRow("container", "demo-web-1", "Started", "web", ended=None)],
                            logs=[LogLine("web", "demo-web-1", "hello")])
    result.rows[0].ended = result.rows[0].began + 0.4
    shown = formatters.bundle(result)
    assert " ✔ Container demo-web-1  Started   0.4s" in shown["text/plain"]
    assert "web-1  | hello" in shown["text/plain"]
    assert DRAWN in shown["text/html"]
    assert DRAWN not in formatters.bundle(ComposeProject("demo", action="down"))["text/html"]


@pytest.mark.parametrize("action", ["ps", "config", "up", "down", "logs"])
def test_hostile_results_render_inert(action):
    from test_escaping import _compose_project, assert_inert, assert_text

    result = _compose_project()
    result.action = action
    shown = formatters.bundle(result)
    assert_inert(shown["text/html"], action)
    assert_text(shown["text/plain"], action)


# -- YAML -------------------------------------------------------------------------------------------------
SAMPLE = """# the app
x-common: &common
  restart: "always"   # quoted
services:
  web:
    <<: *common
    image: nginx:1.27
    ports:
      - "8080:80"
      - 443
    healthcheck:
      disable: false
    command: |
      echo <b>hi</b> # not a comment
      done
    labels: {a: b}
"""


def test_highlight_keeps_every_character_and_colours_each_kind():
    shown = yamltext.highlight(SAMPLE)
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == SAMPLE
    for kind, word in [("key", "image"), ("string", "&quot;8080:80&quot;"), ("number", "443"), ("literal", "false"),
                       ("comment", "# the app"), ("anchor", "&amp;common"), ("anchor", "*common"),
                       ("string", "echo &lt;b&gt;hi&lt;/b&gt; # not a comment")]:
        assert f'color:{yamltext.COLOURS[kind]}' + ('">' if kind != "comment" else ';font-style:italic">') + word in shown, (kind, word)


def test_to_yaml_reads_back_as_the_model():
    yaml = pytest.importorskip("yaml")
    for path in CORPUS:
        model = json.load(open(path))
        assert yaml.safe_load(yamltext.to_yaml(model)) == model, path


# -- views read results only ------------------------------------------------------------------------------
def test_compose_views_import_no_engine_work():
    folder = os.path.dirname(stack.__file__)
    allowed = ("dockermagic.compose.results", "dockermagic.text", "dockermagic.gotemplate.formats", "dockermagic.views")
    for path in glob.glob(os.path.join(folder, "*.py")):
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom) and node.level:
                parts = os.path.relpath(path, os.path.dirname(os.path.dirname(os.path.dirname(folder)))).split(os.sep)
                base = ".".join(parts[:-node.level])
                name = f"{base}.{node.module}" if node.module else base
                assert name.startswith(allowed), (path, name)


def test_the_diagram_is_an_image_whose_source_is_the_svg():
    """Inline <svg> does not survive JupyterLab's sanitizer (an untrusted notebook): an <img>
    with the SVG as a data: URI does, and says in its alt text what it shows."""
    import base64
    import re

    model = {"services": {"web": {"image": "busybox"}, "db": {"image": "busybox"}}}
    html = diagram.diagram_html(model, project="demo")
    assert "<svg" not in html and 'alt="Compose project demo: services db, web"' in html
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)).decode()
    assert svg == diagram.diagram_svg(model, project="demo")
    assert diagram.diagram_html({"services": {}}) == ""
