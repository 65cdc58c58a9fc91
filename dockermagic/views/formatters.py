"""Which view renders which result, and IPython's display formatters told so.

Results are plain data (`dockermagic.build.request.BuildResult`, `dockermagic.images.images.History` ...):
they know nothing of IPython, widgets or HTML.  `%load_ext dockermagic` registers, for each
result type below, a function that returns its mimebundle (`text/plain` and `text/html`), so a
result displayed later still renders and the saved notebook keeps its HTML.  Types are named,
not imported: a result's module and its view load when one is first displayed.

A result the live view already showed in its own cell is not shown a second time there by
the displayhook (`shown()`); in a terminal its `Out[n]` is its one-line repr.
"""

from __future__ import annotations

import importlib

from ..text import ansi

#: result type -> "module:function" returning that result's mimebundle (a dict of MIME -> data)
RENDERERS = {
    "dockermagic.build.request.BuildResult": "dockermagic.views.build:build_bundle",
    "dockermagic.dockerfile.checks.rules.CheckReport": "dockermagic.views.files:report_bundle",
    "dockermagic.registry.transfer.Transfer": "dockermagic.views.transfer:transfer_bundle",
    "dockermagic.containers.output.RunResult": "dockermagic.views.container:run_bundle",
    "dockermagic.containers.containers.Container": "dockermagic.views.card:container_bundle",
    "dockermagic.containers.containers.ContainerList": "dockermagic.views.ps:ps_bundle",
    "dockermagic.containers.inspect.Inspection": "dockermagic.views.objects:inspection_bundle",
    "dockermagic.images.images.ImageList": "dockermagic.views.tables:images_bundle",
    "dockermagic.images.images.History": "dockermagic.views.tables:history_bundle",
    "dockermagic.resources.volumes.VolumeList": "dockermagic.views.objects:volumes_bundle",
    "dockermagic.registry.auth.Login": "dockermagic.views.objects:login_bundle",
    "dockermagic.engine.info.EngineInfo": "dockermagic.views.engines:info_bundle",
    "dockermagic.engine.info.EngineVersion": "dockermagic.views.engines:version_bundle",
    "dockermagic.engine.info.ContextList": "dockermagic.views.engines:contexts_bundle",
    "dockermagic.engine.info.CurrentEngine": "dockermagic.views.engines:current_bundle",
    "dockermagic.images.layers.ImageLayers": "dockermagic.views.layers:bundle",
    "dockermagic.images.layers.LayerComparison": "dockermagic.views.layers:bundle",
    "dockermagic.images.layers.ContainerDiff": "dockermagic.views.layers:diff_bundle",
    "dockermagic.gotemplate.formats.Formatted": "dockermagic.views.formatted:formatted_bundle",
    "dockermagic.resources.networks.Network": "dockermagic.views.networks:network_bundle",
    "dockermagic.resources.networks.NetworkList": "dockermagic.views.networks:list_bundle",
    "dockermagic.resources.networks.NetworkChange": "dockermagic.views.networks:change_bundle",
    "dockermagic.resources.system.DiskUsage": "dockermagic.views.system:df_bundle",
    "dockermagic.resources.system.Pruned": "dockermagic.views.system:pruned_bundle",
    "dockermagic.resources.system.SystemPruned": "dockermagic.views.system:pruned_bundle",
    "dockermagic.resources.events.EventLog": "dockermagic.views.system:events_bundle",
    "dockermagic.buildkit.vertices.BuildKitResult": "dockermagic.views.buildkit:bundle",
    "dockermagic.containers.lifecycle.Processes": "dockermagic.views.lifecycle:top_bundle",
    "dockermagic.containers.stats.Stats": "dockermagic.views.lifecycle:stats_bundle",
    "dockermagic.files.transfer.FileTransfer": "dockermagic.views.copying:copied_bundle",
    "dockermagic.compose.results.ComposeProject": "dockermagic.views.compose.bundles:compose_bundle",
    "dockermagic.compose.logs.ComposeLogs": "dockermagic.views.compose.logs:logs_bundle",
    "dockermagic.swarm.cluster.SwarmInfo": "dockermagic.views.swarm.objects:swarm_bundle",
    "dockermagic.swarm.cluster.SwarmChange": "dockermagic.views.swarm.objects:lines_bundle",
    "dockermagic.swarm.nodes.Node": "dockermagic.views.swarm.nodes:node_bundle",
    "dockermagic.swarm.nodes.NodeList": "dockermagic.views.swarm.nodes:nodes_bundle",
    "dockermagic.swarm.nodes.NodeChange": "dockermagic.views.swarm.objects:lines_bundle",
    "dockermagic.swarm.nodes.Cluster": "dockermagic.views.swarm.nodes:cluster_bundle",
    "dockermagic.swarm.tasks.TaskList": "dockermagic.views.swarm.nodes:tasks_bundle",
    "dockermagic.swarm.objects.Secret": "dockermagic.views.swarm.objects:object_bundle",
    "dockermagic.swarm.objects.Config": "dockermagic.views.swarm.objects:object_bundle",
    "dockermagic.swarm.objects.ObjectList": "dockermagic.views.swarm.objects:objects_bundle",
    "dockermagic.swarm.objects.Removed": "dockermagic.views.swarm.objects:lines_bundle",
    "dockermagic.swarm.services.Service": "dockermagic.views.swarm.service:service_bundle",
    "dockermagic.swarm.services.ServiceList": "dockermagic.views.swarm.service:services_bundle",
    "dockermagic.swarm.stacks.Stack": "dockermagic.views.swarm.stack:stack_bundle",
    "dockermagic.swarm.stacks.StackList": "dockermagic.views.swarm.stack:stacks_bundle",
    "dockermagic.swarm.stacks.StackRemoved": "dockermagic.views.swarm.objects:lines_bundle",
}

_cell: dict = {"count": None, "modes": {}, "keep": []}


def bundle(result) -> dict:
    """The mimebundle of `result`, from the view registered for its type (`{}` if none)."""
    for cls in type(result).__mro__:
        spec = RENDERERS.get(f"{cls.__module__}.{cls.__qualname__}")
        if spec:
            module, _, name = spec.partition(":")
            made = getattr(importlib.import_module(module), name)(result)
            # a file name's byte that is no UTF-8 must not stop the notebook from saving
            return {mime: (ansi.printable(value) if mime == "text/plain" else ansi.valid(value))
                    if isinstance(value, str) else value for mime, value in made.items()}
    return {}


def shown(result, execution_count, mode: str | None = None):
    """`result` is already on screen in cell `execution_count` (its live view showed it)."""
    if result is None:
        return result
    if _cell["count"] != execution_count:
        _cell.update(count=execution_count, modes={}, keep=[])
    _cell["modes"][id(result)] = mode
    _cell["keep"].append(result)  # so the id stays this object's until the next cell
    return result


def _display(result) -> None:
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    if shell is not None and _cell["count"] == shell.execution_count and id(result) in _cell["modes"]:
        if _cell["modes"][id(result)] == "text":
            print(repr(result))  # the terminal's Out[n]: a one-line summary, not the log again
        return
    display(bundle(result), raw=True)


def register(ip) -> None:
    """Tell IPython's formatters how every result type renders."""
    formatters = ip.display_formatter
    for qualified in RENDERERS:
        module, _, name = qualified.rpartition(".")
        formatters.ipython_display_formatter.for_type_by_name(module, name, _display)
        formatters.mimebundle_formatter.for_type_by_name(module, name, bundle)


def unregister(ip) -> None:
    formatters = ip.display_formatter
    for qualified in RENDERERS:
        for formatter in (formatters.ipython_display_formatter, formatters.mimebundle_formatter):
            formatter.deferred_printers.pop(tuple(qualified.rsplit(".", 1)), None)
            for cls in [c for c in formatter.type_printers if f"{c.__module__}.{c.__qualname__}" == qualified]:
                formatter.type_printers.pop(cls, None)
