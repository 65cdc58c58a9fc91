"""Every view rendered with hostile strings -- markup, quotes, `</pre>`, terminal escapes, names
that are no UTF-8 -- where the engine, an image, a container or the user puts strings: the HTML
of every registered renderer and live view, and every value of every widget, stay inert text."""

from __future__ import annotations

import dataclasses
import importlib
import typing
from html.parser import HTMLParser

import pytest

from dockermagic.views import formatters

# markup that would run or break out of its element, quotes for attributes, a terminal title and
# a screen clear, a file name's byte that is no UTF-8 (as os.fsdecode gives it)
HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)>"\'&amp;</pre></td></table>'
           '\x1b[31mred\x1b[0m\x1b]0;title\x07\x1b[2J<b>bold</b>\udcff-end')

TYPED = HOSTILE.replace("\udcff", "\u2603")  # what a user types is text: never a lone surrogate

ALLOWED_TAGS = {"div", "span", "b", "i", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "details",
                "summary", "small", "br", "a", "ul", "li", "strong", "em", "sub", "sup", "abbr",
                # Compose's diagram: an image whose source is its SVG (a data: URI, checked below)
                "img"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str, where: str) -> None:
    """No element or attribute the strings brought, nothing a terminal would act on, and the
    markup encodes as the notebook's UTF-8."""
    html.encode("utf-8")  # a lone surrogate would fail the notebook's save
    parser = _Tags()
    parser.feed(html)
    parser.close()
    odd = set(parser.tags) - ALLOWED_TAGS
    assert not odd, f"{where}: elements {odd} in {html[:300]!r}"
    assert not [a for a, v in parser.attributes if a.startswith("on") or "javascript:" in (v or "")], where
    sources = [v for a, v in parser.attributes if a == "src"]
    assert all(v.startswith("data:image/svg+xml;base64,") for v in sources), f"{where}: an image from elsewhere"
    assert "\x1b" not in html and "\x07" not in html, f"{where}: a terminal escape reached the HTML"
    text = "".join(parser.text)
    if "script>" in html.replace("&lt;script&gt;", "").replace("&lt;/script&gt;", ""):
        raise AssertionError(f"{where}: a script tag in {html[:300]!r}")
    assert "<b>bold</b>" not in html, where
    if "alert(1)" in text:
        assert "<script>alert(1)</script>" in text, f"{where}: the string shown otherwise than as typed"


def assert_text(text: str, where: str) -> None:
    text.encode("utf-8")
    assert "\x1b]" not in text and "\x1b[2J" not in text and "\x07" not in text, f"{where}: {text[:200]!r}"


# -- results with hostile strings in every field ---------------------------------------------------
def _value(kind, cls_name: str, field: str):
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is str or kind is object:
        return HOSTILE
    if kind is bool:
        return False
    if kind is int:
        return 3
    if kind is float:
        return 1.7e9
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return _value(next(a for a in args if a is not type(None)), cls_name, field)
    if origin is list or kind is list:
        return [_value(args[0], cls_name, field) for _ in range(2)] if args else [HOSTILE]
    if origin is tuple:
        return tuple(_value(a, cls_name, field) for a in args)
    if origin is dict or kind is dict:
        return {HOSTILE: HOSTILE, "Name": HOSTILE}
    if dataclasses.is_dataclass(kind):
        return hostile(kind)
    return None


def hostile(cls, **given):
    hints = typing.get_type_hints(cls, vars(importlib.import_module(cls.__module__)))
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_") or f.name in given:
            continue
        values[f.name] = _value(hints[f.name], cls.__name__, f.name)
    values.update(given)
    return cls(**values)


def _container_info() -> dict:
    return {"Id": "c" * 64, "Name": "/" + HOSTILE, "Created": "2026-01-01T00:00:00Z",
            "State": {"Status": HOSTILE, "ExitCode": 0},
            "Config": {"Image": HOSTILE, "Cmd": [HOSTILE, HOSTILE], "Labels": {HOSTILE: HOSTILE}},
            "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": HOSTILE}]}}}


def _ps_row() -> dict:
    return {"Id": "c" * 64, "Image": HOSTILE, "Command": HOSTILE, "Created": 1.7e9, "Status": HOSTILE,
            "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": HOSTILE}],
            "Names": ["/" + HOSTILE], "Labels": {HOSTILE: HOSTILE}, "SizeRw": 1, "SizeRootFs": 2}


def _event():
    from dockermagic.resources.events import EngineEvent

    return EngineEvent(HOSTILE, HOSTILE, {"ID": HOSTILE, "Attributes": {"name": HOSTILE, HOSTILE: HOSTILE}},
                       1_700_000_000_000_000_000, {})


def _results():
    from dockermagic.build import request as build
    from dockermagic.buildkit import vertices
    from dockermagic.containers import containers, inspect, lifecycle, output, stats
    from dockermagic.dockerfile.checks import rules as checks
    from dockermagic.engine import info as engines
    from dockermagic.engine.contexts import Context
    from dockermagic.files import transfer as transfer_files
    from dockermagic.gotemplate import formats
    from dockermagic.images import images, layers
    from dockermagic.registry import auth
    from dockermagic.registry import transfer as registry
    from dockermagic.resources import events, networks, system, volumes

    run = hostile(output.RunResult, store=output.LogStore(), tail=output.Tail())
    for stream in ("stdout", "stderr"):
        run.store.write(stream, HOSTILE.encode("utf-8", "surrogateescape") + b"\n")
        run.tail.add(stream, HOSTILE + "\n")
    step = hostile(build.Step, _log=[HOSTILE, HOSTILE])
    built = hostile(build.BuildResult, steps=[step], id="sha256:" + "a" * 64, log_lines=[HOSTILE])
    change = layers.FileChange("/" + HOSTILE, "added", 10, "file", HOSTILE)
    layer = layers.LayerFiles(1, "sha256:" + "b" * 64, HOSTILE, [change, layers.FileChange("/etc/" + HOSTILE, "removed", 0, "file", "")])
    image = hostile(layers.ImageLayers, layers=[layer], waste=[layers.Waste(HOSTILE, 2, 5)], efficiency=0.5)
    found = {
        "BuildResult": built,
        "CheckReport": hostile(checks.CheckReport, text=HOSTILE + "\n" + HOSTILE,
                               warnings=[hostile(checks.CheckWarning, line=1, end_line=2)]),
        "Transfer": hostile(registry.Transfer, kind="push", digests={HOSTILE: "sha256:" + "c" * 64}),
        "RunResult": run,
        "Container": containers.Container(None, "c" * 64, _container_info()),
        "ContainerList": containers.ContainerList([_ps_row()], size=True, no_trunc=False, engine=HOSTILE),
        "Inspection": inspect.Inspection([_container_info()]),
        "ImageList": hostile(images.ImageList),
        "History": hostile(images.History, images=[HOSTILE, HOSTILE],
                           layers=[[hostile(images.Layer, id="sha256:" + "d" * 64)]] * 2),
        "VolumeList": hostile(volumes.VolumeList),
        "Login": hostile(auth.Login),
        "EngineInfo": hostile(engines.EngineInfo),
        "EngineVersion": hostile(engines.EngineVersion, client={"Version": HOSTILE, "ApiVersion": HOSTILE},
                                 server={"Version": HOSTILE, "Os": HOSTILE}),
        "ContextList": engines.ContextList([Context(HOSTILE, HOSTILE, HOSTILE)], HOSTILE, HOSTILE),
        "CurrentEngine": hostile(engines.CurrentEngine),
        "ImageLayers": image,
        "LayerComparison": layers.LayerComparison(image, image, [layer], [change], HOSTILE),
        "ContainerDiff": layers.ContainerDiff(HOSTILE, [change], HOSTILE),
        "Formatted": formats.Formatted(HOSTILE + "\n" + HOSTILE),
        "Network": hostile(networks.Network, subnets=[{"Subnet": HOSTILE, "Gateway": HOSTILE}], raw={}),
        "NetworkList": hostile(networks.NetworkList),
        "NetworkChange": hostile(networks.NetworkChange),
        "DiskUsage": hostile(system.DiskUsage, raw={}),
        "Pruned": hostile(system.Pruned),
        "SystemPruned": system.SystemPruned([hostile(system.Pruned)]),
        "EventLog": events.EventLog([_event(), _event()], seen=2, stopped=HOSTILE, label=HOSTILE),
        "BuildKitResult": _buildkit_result(vertices),
        "Processes": lifecycle.Processes(HOSTILE, [HOSTILE, "PID"], [[HOSTILE, "1"]], HOSTILE),
        "Stats": _stats(stats),
        "FileTransfer": transfer_files.FileTransfer(HOSTILE, HOSTILE, HOSTILE, 10, 20, [HOSTILE], label=HOSTILE),
        "ComposeProject": _compose_project(),
        "ComposeLogs": _compose_logs(),
        **_swarm_results(),
        **_swarm_services(),
    }
    return found


def _swarm_results():
    from dockermagic.swarm import cluster, nodes, objects, tasks

    node_raw = {"ID": HOSTILE, "Spec": {"Role": "manager", "Availability": HOSTILE, "Labels": {HOSTILE: HOSTILE}},
                "Status": {"State": HOSTILE, "Addr": HOSTILE, "Message": HOSTILE},
                "ManagerStatus": {"Leader": False, "Reachability": HOSTILE},
                "Description": {"Hostname": HOSTILE, "Engine": {"EngineVersion": HOSTILE}}}
    node = nodes.from_raw(node_raw, HOSTILE)
    task_raw = {"ID": HOSTILE, "ServiceID": HOSTILE, "Slot": 1, "NodeID": HOSTILE, "DesiredState": HOSTILE,
                "Spec": {"ContainerSpec": {"Image": HOSTILE}},
                "Status": {"State": HOSTILE, "Timestamp": "2026-01-01T00:00:00Z", "Err": HOSTILE,
                           "PortStatus": {"Ports": [{"PublishedPort": HOSTILE, "TargetPort": 80, "Protocol": HOSTILE}]}}}
    task = tasks.from_raw(task_raw, {HOSTILE: HOSTILE}, {HOSTILE: HOSTILE})
    unplaced = tasks.from_raw({**task_raw, "NodeID": ""}, {}, {})
    obj = {"ID": HOSTILE, "CreatedAt": HOSTILE, "UpdatedAt": HOSTILE,
           "Spec": {"Name": HOSTILE, "Labels": {HOSTILE: HOSTILE}, "Data": "PHNjcmlwdD4="}}
    return {
        "SwarmInfo": hostile(cluster.SwarmInfo),
        "SwarmChange": hostile(cluster.SwarmChange),
        "Node": node,
        "NodeList": nodes.NodeList([node], [nodes.NodeRow(node, {"TrustRoot": HOSTILE})], HOSTILE),
        "NodeChange": hostile(nodes.NodeChange),
        "Cluster": nodes.Cluster([node], [task, unplaced], HOSTILE),
        "TaskList": tasks.TaskList([task, task], HOSTILE),
        "Secret": objects.Secret.from_raw(obj),
        "Config": objects.Config.from_raw(obj),
        "ObjectList": objects.ObjectList("secret", [objects.Secret.from_raw(obj)], HOSTILE),
        "Removed": hostile(objects.Removed),
    }


def _swarm_services():
    from dockermagic.swarm import convergence, services

    slot = hostile(convergence.Slot, state="pending")
    converging = hostile(convergence.Convergence, slots={HOSTILE: slot}, nodes_down={HOSTILE: HOSTILE}, ended=None)
    service = hostile(services.Service, convergence=converging, raw={}, engine=None)
    return {"Service": service, "ServiceList": hostile(services.ServiceList), **_swarm_stacks(service)}


def _swarm_stacks(service):
    from dockermagic.swarm import stacks

    return {"Stack": stacks.Stack(HOSTILE, [service], [HOSTILE], [HOSTILE], HOSTILE),
            "StackList": stacks.StackList([stacks.StackRow(HOSTILE, 2)], HOSTILE),
            "StackRemoved": stacks.StackRemoved([HOSTILE, HOSTILE])}


def _compose_project():
    from dockermagic.compose import results

    model = {"name": HOSTILE, "services": {HOSTILE: {
        "image": HOSTILE, "ports": [{"target": 80, "published": HOSTILE, "host_ip": HOSTILE}],
        "networks": {HOSTILE: None}, "depends_on": {"db": {"condition": HOSTILE}},
        "volumes": [{"type": "volume", "source": HOSTILE, "target": HOSTILE},
                    {"type": "bind", "source": "/" + HOSTILE, "target": HOSTILE}]},
        "db": {"build": {"context": HOSTILE, "target": HOSTILE}, "command": [HOSTILE]}},
        "networks": {HOSTILE: {"name": HOSTILE}}, "volumes": {HOSTILE: {"name": HOSTILE}}}
    project = hostile(results.ComposeProject, model=model, action="up",
                      containers=[hostile(results.ComposeContainer, service=HOSTILE)],
                      rows=[hostile(results.ResourceRow, kind="container", state="Error"),
                            hostile(results.ResourceRow, kind="volume")],
                      logs=[hostile(results.LogLine), hostile(results.LogLine, stream="stderr")])
    return project


def _compose_logs():
    from dockermagic.compose import logs, results

    return hostile(logs.ComposeLogs, containers=[HOSTILE],
                   lines=[hostile(results.LogLine), hostile(results.LogLine, stream="stderr")])


def _buildkit_result(vertices):
    vertex = vertices.Vertex("sha256:" + "e" * 64, HOSTILE, 1, stage=HOSTILE, index=1, total=2, line=3,
                             started=1.7e9, completed=1.7e9 + 1, error=HOSTILE, exit_code=1)
    return vertices.BuildKitResult(HOSTILE, HOSTILE, [HOSTILE], engine=HOSTILE, id="sha256:" + "f" * 64,
                                   log_lines=[HOSTILE], vertices=[vertex], steps=[vertex], error=HOSTILE,
                                   no_session=HOSTILE)


def _stats(stats):
    found = stats.Stats(label=HOSTILE, stopped=HOSTILE)
    found.add(stats.Sample("a" * 64, HOSTILE, 12.5, 1e6, 2e6))
    return found


def test_every_registered_result_type_is_tested():
    assert {name.rsplit(".", 1)[1] for name in formatters.RENDERERS} == set(_results())


@pytest.mark.parametrize("name", sorted({n.rsplit(".", 1)[1] for n in formatters.RENDERERS}))
def test_each_result_renders_hostile_strings_inert(name):
    result = _results()[name]
    rendered = formatters.bundle(result)
    assert_inert(rendered["text/html"], name)
    assert_text(rendered["text/plain"], name)
    repr(result).encode("utf-8", "surrogateescape")


# -- live views, fed hostile events, their widgets' every value -------------------------------------
def _widget_values(widget):
    """(where, value, is_markup) for every string trait of a widget tree."""
    import ipywidgets as w

    found = []
    stack = [widget]
    while stack:
        node = stack.pop()
        stack += list(getattr(node, "children", ()) or ())
        for trait in node.trait_names():
            if trait.startswith("_") or trait in ("layout", "style", "keys", "comm", "log"):
                continue
            value = getattr(node, trait, None)
            markup = (isinstance(node, (w.HTML, w.HTMLMath)) and trait == "value") or (
                trait == "description" and getattr(node, "description_allow_html", False))
            if isinstance(value, str):
                found.append((f"{type(node).__name__}.{trait}", value, markup))
            elif trait == "outputs":
                for out in value:
                    data = out.get("data", {})
                    if "text/html" in data:
                        found.append((f"{type(node).__name__}.outputs", data["text/html"], True))
                    if "text" in out:
                        found.append((f"{type(node).__name__}.outputs", out["text"], False))
    return found


def assert_widget_inert(view_widget, where: str) -> None:
    for place, value, markup in _widget_values(view_widget):
        if markup:
            assert_inert(value, f"{where} {place}")
        else:  # the frontend shows these as text (an input's value, a button's label)
            value.encode("utf-8")


def _fed(view, events):
    view.mode = "widget"
    view.widget = view.build_widget()
    for event in events:
        view.apply(event)
    view.refresh()
    return view


def test_build_view():
    from dockermagic.build import classic as build
    from dockermagic.build import request
    from dockermagic.views.build import BuildView

    result = hostile(request.BuildResult, steps=[], tags=[HOSTILE], log_lines=[])
    step = hostile(request.Step, _log=[])
    result.steps.append(step)
    view = _fed(BuildView(result, mode="widget"),
                [build.StepStarted(step), build.StepOutput(step, HOSTILE + "\n"), build.StepFinished(step)])
    view.fail(RuntimeError(HOSTILE))
    view.refresh()
    assert_widget_inert(view.widget, "BuildView")
    assert_inert(view.html(), "BuildView")


def test_transfer_view():
    from dockermagic.registry import transfer as registry
    from dockermagic.views.transfer import TransferView

    result = hostile(registry.Transfer, kind="pull", layers=[], digests={})
    layer = hostile(registry.LayerProgress, total=10, current=3)
    result.layers.append(layer)
    view = _fed(TransferView(result, mode="widget"),
                [registry.LayerUpdated(layer, True), registry.TransferNote(HOSTILE)])
    view.fail(RuntimeError(HOSTILE))
    view.refresh()
    assert_widget_inert(view.widget, "TransferView")
    assert_inert(view.html(), "TransferView")


def test_output_view():
    from dockermagic.containers import output
    from dockermagic.views.container import OutputView

    result = hostile(output.RunResult, store=output.LogStore(), tail=output.Tail())
    events = [output.Started("c" * 64, HOSTILE), output.Output("stdout", HOSTILE + "\n"),
              output.Output("stderr", HOSTILE.encode("utf-8", "surrogateescape") + b"\xff\n"), output.Exited(3)]
    view = _fed(OutputView(result, mode="widget"), events)
    assert_widget_inert(view.widget, "OutputView")
    assert_inert(view.html(), "OutputView")


def test_layers_view_and_its_filter():
    from dockermagic.images.archive import LayerListed, ReadStarted, StreamProgress
    from dockermagic.views.layers import LayersView

    image = _results()["ImageLayers"]
    view = _fed(LayersView([HOSTILE], pattern=TYPED, mode="widget"),
                [ReadStarted(HOSTILE, 2, 0), LayerListed(HOSTILE, HOSTILE, 3), StreamProgress(HOSTILE, 10), image])
    assert_widget_inert(view.widget, "LayersView")
    view._filter.value = "*" + TYPED
    assert_widget_inert(view.widget, "LayersView filtered")


def test_events_view():
    from dockermagic.resources.events import EventLog
    from dockermagic.views.system import EventsView

    log = EventLog([_event()], seen=1, stopped=HOSTILE, label=HOSTILE)
    view = _fed(EventsView(log, mode="widget"), [_event()])
    assert_widget_inert(view.widget, "EventsView")


def test_container_card_and_its_logs():
    from dockermagic.containers.containers import Container
    from dockermagic.containers.watch import ContainerStatus
    from dockermagic.views.card import ContainerCard

    card = ContainerCard(Container(None, "e" * 64, _container_info()), mode="widget")
    card.widget = card.build_widget()
    card.status = ContainerStatus("removed", None, at=1.7e9, info=_container_info())
    card.logs.write("stdout", HOSTILE + "\n")
    card.logs.write("stderr", HOSTILE.encode("utf-8", "surrogateescape") + b"\n")
    card.update()
    assert_widget_inert(card.widget, "ContainerCard")
    assert_inert(card.html(), "ContainerCard")


def test_written_file_view(tmp_path):
    from dockermagic.views.files import file_bundle

    for name in ("Dockerfile", "x.sh", "x.txt"):
        text = f"FROM busybox\nRUN echo {TYPED}\nLABEL a={TYPED}\n"
        path = tmp_path / (HOSTILE.replace("/", "") + name)
        path.write_text(text)
        rendered = file_bundle(path, text)
        assert_inert(rendered["text/html"], f"file view {name}")


def test_a_live_views_saved_bundle_is_valid_utf8_and_inert():
    from dockermagic.build import request as build
    from dockermagic.views.build import BuildView

    result = hostile(build.BuildResult, steps=[], tags=[HOSTILE], log_lines=[])
    view = BuildView(result, mode="html")
    saved = view._bundle()
    assert_inert(saved["text/html"], "saved BuildView")
    assert_text(saved["text/plain"], "saved BuildView")


# -- the same, with the strings coming from a real engine ------------------------------------------
@pytest.mark.engine
def test_hostile_names_labels_and_output_from_the_engine(ip, engine, made, context, unique):
    label = "<script>alert(1)</script>\"'&</pre>"
    (context / "Dockerfile").write_text(
        "FROM busybox\n"
        f"LABEL dm.hostile=\"{label.replace(chr(34), chr(92) + chr(34))}\"\n"
        "RUN mkdir -p '/h/<b>bold</b>' && touch \"/h/$(printf '\\377\\033]0;t\\007')-<img src=x onerror=alert(2)>\" "
        "&& printf '\\033[2J<script>alert(3)</script>\\033]0;title\\007\\n'\n")
    tag = made.image(f"dm-test/hostile-{unique}")
    shown = [ip.run_line_magic("docker_build", f"-t {tag} {context}")]
    name = made.container(f"dm-hostile-{unique}")
    engine.api.create_container(tag, ["sh", "-c", "echo '<script>x</script>'"], name=name,
                                labels={"dm.hostile": label}, environment={"H": label})
    shown += [
        ip.run_line_magic("docker_layers", tag),
        ip.run_line_magic("docker_history", tag),
        ip.run_line_magic("docker_images", tag),
        ip.run_line_magic("docker_inspect", tag),
        ip.run_line_magic("docker_inspect", name),
        ip.run_line_magic("docker_ps", f"-a -f name={name}"),
        ip.run_line_magic("docker_run", f"--rm {tag} sh -c \"ls /h; printf '\\\\377<script>y</script>\\\\n'\""),
    ]
    network = f"dm-hostile-{unique}"
    engine.api.create_network(network, labels={"dm.hostile": label})
    try:
        shown += [ip.run_line_magic("docker_network", f"inspect {network}"),
                  ip.run_line_magic("docker_network", f"ls -f name={network}"),
                  ip.run_line_magic("docker", f"network ls -f name={network} --format '{{{{.Labels}}}} {{{{json .}}}}'")]
    finally:
        engine.api.remove_network(network)
    for result in shown:
        if result is None:
            continue
        rendered = formatters.bundle(result)
        assert rendered, type(result).__name__
        assert_inert(rendered["text/html"], type(result).__name__)
        assert_text(rendered["text/plain"], type(result).__name__)
