"""The package's shape, read from its source: data flows one way (engine -> core -> views <-
magics), results are plain data rendered by the views registered for them, docker-py's
private API is touched in one module only (`dockermagic/engine/adapter.py`), no module or
package imports itself back (imports inside functions count), and no folder outgrows ~20
modules."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dockermagic"
APP = {"__init__", "__main__", "version"}  # the shell around the layers, with the cli/ folder
FORBIDDEN = ("IPython", "ipywidgets")
ADAPTER = "engine/adapter.py"
MAX_MODULES = 20  # per folder, as in the largest folder of the codebases we learn from
PRIVATE = {"_post", "_get", "_put", "_delete", "_url", "_stream_helper", "_raise_for_status", "_result",
           "_set_auth_headers", "_post_json", "_version", "_auth_configs", "_get_raw_response_socket",
           "_read_from_socket", "_attach_websocket", "_multiplexed_response_stream_helper", "_stream_raw_result",
           "_general_configs", "_check_is_tty", "_disable_socket_timeout", "_get_result_tty", "_proxy_configs",
           "_sock", "_response"}
RENDER_METHODS = {"_repr_mimebundle_", "_repr_html_", "_ipython_display_"}


def kind(parts: tuple) -> str:
    """`view`, `magic`, `app` or `core`, for a module's path parts inside the package."""
    if "views" in parts:
        return "view"
    if "magics" in parts:
        return "magic"
    if parts[0] == "cli" or len(parts) == 1 and parts[0] in APP:
        return "app"
    return "core"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts, ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(parts: tuple, node) -> list[str]:
    """The absolute module names an import statement names (`from .x import y` -> dockermagic.x, dockermagic.x.y)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = ["dockermagic", *parts[:-1]]
        base = package[: len(package) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [module] + [f"{module}.{alias.name}" for alias in node.names]


def forbidden(name: str) -> bool:
    top = name.split(".")
    if top[0] in FORBIDDEN:
        return True
    return top[0] == "dockermagic" and len(top) > 1 and kind(tuple(top[1:])) in ("view", "magic")


def test_the_core_imports_no_view_magic_ipython_or_ipywidgets():
    found = []
    for path, parts, tree in modules():
        if kind(parts) != "core":
            continue
        for node in ast.walk(tree):  # module level and inside functions alike
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bad = [name for name in imported(parts, node) if forbidden(name)]
                if bad:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: imports {bad[0]}")
    assert found == []


def test_results_in_the_core_do_not_render_themselves():
    found = []
    for path, parts, tree in modules():
        if kind(parts) != "core":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in RENDER_METHODS:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.name}")
    assert found == []


def test_only_the_adapter_touches_docker_py_private_api():
    users = {}
    for path, parts, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    users.setdefault("/".join(parts) + ".py", set()).add(node.lineno)
    others = {module: sorted(lines) for module, lines in users.items() if module != ADAPTER}
    assert others == {}


def test_every_registered_result_type_and_view_exists():
    from dockermagic.views.formatters import RENDERERS

    for qualified, spec in RENDERERS.items():
        module, _, name = qualified.rpartition(".")
        assert kind(tuple(module.split(".")[1:])) == "core", qualified
        cls = getattr(importlib.import_module(module), name)
        assert not RENDER_METHODS & set(vars(cls)), f"{qualified} renders itself"
        view_module, _, function = spec.partition(":")
        assert kind(tuple(view_module.split(".")[1:])) == "view", spec
        assert callable(getattr(importlib.import_module(view_module), function)), spec


def test_the_import_rule_catches_a_breach_inside_a_function(tmp_path, monkeypatch):
    fake = tmp_path / "dockermagic"
    (fake / "views").mkdir(parents=True)
    (fake / "views" / "thing.py").write_text("")
    (fake / "result.py").write_text("def show():\n    from .views import thing\n")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    with pytest.raises(AssertionError, match="result.py:2: imports dockermagic.views"):
        test_the_core_imports_no_view_magic_ipython_or_ipywidgets()


# -- circles ---------------------------------------------------------------------------------------
def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports, at module level or inside a function."""
    names = {".".join(["dockermagic", *(parts[:-1] if parts[-1] == "__init__" else parts)]): (parts, tree)
             for _, parts, tree in modules()}
    graph = {name: set() for name in names}
    for name, (parts, tree) in names.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(parts, node):
                    if target in names and target != name:
                        graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                part.append(other)
                if other == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_of(module: str) -> str:
    """`dockermagic.engine.connection` -> `dockermagic.engine`; a top module is its own package."""
    path = PACKAGE.parent.joinpath(*module.split("."))
    return module if path.is_dir() or module.count(".") == 1 else module.rpartition(".")[0]


def test_no_module_imports_itself_back():
    assert circles(import_graph()) == []


def test_no_package_imports_itself_back():
    packages: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        edges = packages.setdefault(package_of(module), set())
        edges.update(package_of(t) for t in targets if package_of(t) != package_of(module))
    # a package's __init__ is its docstring: no package reaches its parent through it
    assert circles(packages) == []


def test_the_circle_rule_sees_imports_inside_functions():
    graph = {"a": {"b"}, "b": set(), "c": {"d"}, "d": {"c"}}
    assert circles(graph) == [["c", "d"]]
    tree = ast.parse("def f():\n    from .b import x\n")
    assert imported(("a",), tree.body[0].body[0]) == ["dockermagic.b", "dockermagic.b.x"]


def test_no_folder_holds_more_than_twenty_modules():
    crowded = {}
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        count = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
        if count > MAX_MODULES:
            crowded[str(folder.relative_to(PACKAGE.parent))] = count
    assert crowded == {}


def test_every_folder_is_a_package_with_a_docstring():
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        init = folder / "__init__.py"
        assert init.exists(), f"{folder} has no __init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} has no docstring"


def test_test_files_have_names_of_their_own():
    """The test folders have no `__init__.py`: pytest imports each test file by its bare name, so
    two files of one name in two folders stop the whole run at collection."""
    import collections

    names = collections.Counter(p.name for p in (PACKAGE.parent / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
