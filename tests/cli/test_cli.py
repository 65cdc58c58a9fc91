"""The `dockermagic` command: `export` writes what the magics would write, `run` executes a
notebook in a real kernel against the real engine, and every refusal is one line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dockermagic.cli import command as cli
from dockermagic.cli import notebook

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cli"
TUTORIAL = ROOT / "notebooks" / "01-build-push-run.ipynb"
COMMAND = [sys.executable, "-m", "dockermagic"]


def dockermagic(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def make_notebook(path: Path, *sources: str, params: str | None = None) -> Path:
    cells = [new_code_cell(params, metadata={"tags": ["parameters"]})] if params else []
    nbformat.write(new_notebook(cells=cells + [new_code_cell(s) for s in sources]), path)
    return path


def tree(root: Path) -> dict[str, tuple[str, int]]:
    """{relative path: (text, mode)} of every file below `root`."""
    return {str(p.relative_to(root)): (p.read_text(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


# -- help --------------------------------------------------------------------------------------

def test_help_is_real_help_for_the_command_and_each_subcommand():
    assert shutil.which("dockermagic"), "the console script is missing: pip install -e ."
    top = subprocess.run(["dockermagic", "--help"], capture_output=True, text=True, timeout=60)
    assert top.returncode == 0 and "export" in top.stdout and "run" in top.stdout and "Exit status" in top.stdout
    run = dockermagic("run", "--help")
    for option in ("-p NAME VALUE", "-o OUT.ipynb", "--kernel NAME", "--timeout S", "--cwd DIR", "injected-parameters"):
        assert option in run.stdout
    export = dockermagic("export", "--help")
    assert "NOTEBOOK" in export.stdout and "DIR" in export.stdout and "{var}" in export.stdout


# -- export ------------------------------------------------------------------------------------

def test_export_writes_what_the_magics_write(ip, tmp_path, monkeypatch):
    nb = notebook.read(TUTORIAL)
    by_magics = tmp_path / "by-magics"
    by_magics.mkdir()
    monkeypatch.chdir(by_magics)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(("%%dockerfile", "%%context_file")):
            assert ip.run_cell(cell.source).success
    notebook.export(nb, tmp_path / "exported")
    assert tree(tmp_path / "exported") == tree(by_magics)


def test_export_tutorial_then_docker_build_and_run(engine, made, unique, tmp_path):
    out = tmp_path / "ci"
    proc = dockermagic("export", TUTORIAL, out)
    assert proc.returncode == 0, proc.stderr
    files = tree(out)
    assert sorted(files) == ["my-base-image/Dockerfile", "my-derived-image/Dockerfile", "my-derived-image/hello.sh"]
    nb = notebook.read(TUTORIAL)
    hello = next(c.source for c in nb.cells if c.source.startswith("%%context_file my-derived-image/hello.sh"))
    assert files["my-derived-image/hello.sh"] == (hello.split("\n", 1)[1] + "\n", 0o755)
    assert files["my-base-image/Dockerfile"][0].startswith("FROM busybox\n")
    assert files["my-base-image/Dockerfile"][1] & 0o111 == 0
    assert "-rwxr-xr-x  my-derived-image/hello.sh" in proc.stdout
    assert f"build contexts: {out}/my-base-image  {out}/my-derived-image" in proc.stdout

    base = made.image(f"dockermagic-cli-base-{unique}:1")
    derived = made.image(f"dockermagic-cli-derived-{unique}:1")
    docker_build(engine, base, out / "my-base-image")
    docker_build(engine, derived, out / "my-derived-image", BASE=base)
    container = made.container(f"dockermagic-cli-{unique}")
    engine.api.create_container(derived, name=container)
    engine.api.start(container)
    assert engine.api.wait(container, timeout=30)["StatusCode"] == 0
    assert engine.api.logs(container).decode().strip() == "Hello world"  # hello.sh kept its 755


def docker_build(engine, tag: str, context: Path, **build_args) -> None:
    """`docker build` as CI would run it; docker-py's build where no docker CLI is installed."""
    if shutil.which("docker"):
        args = [f"--build-arg={k}={v}" for k, v in build_args.items()]
        proc = subprocess.run(["docker", "-H", engine.address, "build", "-q", "-t", tag, *args, str(context)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return
    records = list(engine.api.build(path=str(context), tag=tag, buildargs=build_args, rm=True, decode=True))
    assert not any("error" in r for r in records), records


def test_export_refuses_what_it_cannot_write_faithfully_and_writes_nothing(tmp_path, capsys):
    path = make_notebook(
        tmp_path / "bad.ipynb",
        "%%dockerfile {ctx}\nFROM busybox",
        "%%context_file $name/run.sh\necho",
        "%%context_file ../escape.sh\necho",
        "%%context_file /etc/escape\necho",
        "%%dockerfile ok -f ../../Dockerfile\nFROM busybox",
        "%%dockerfile typo\nFORM busybox",
        "%%context_file x --mode 999\n",
        "%%dockerfile a b\nFROM busybox",
        "%%dockerfile fine\nFROM busybox",
    )
    out = tmp_path / "out"
    assert cli.main(["export", str(path), str(out)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "dockermagic export: cell 1 (%%dockerfile {ctx}): the line expands ctx, known only when the notebook runs; write the path literally to export this cell",
        "dockermagic export: cell 2 (%%context_file $name/run.sh): the line expands name, known only when the notebook runs; write the path literally to export this cell",
        "dockermagic export: cell 3 (%%context_file ../escape.sh): ../escape.sh leads outside the folder; export writes only inside it",
        "dockermagic export: cell 4 (%%context_file /etc/escape): /etc/escape is an absolute path; export writes only inside its folder",
        "dockermagic export: cell 5 (%%dockerfile ok -f ../../Dockerfile): ok/../../Dockerfile leads outside the folder; export writes only inside it",
        lines[5],
        "dockermagic export: cell 7 (%%context_file x --mode 999): --mode '999' is not an octal file mode; use e.g. --mode 755 or --mode 644",
        "dockermagic export: cell 8 (%%dockerfile a b): unrecognized arguments: b",
    ]
    assert lines[5].startswith("dockermagic export: cell 6 (%%dockerfile typo): line 1: unknown instruction FORM")
    assert not out.exists()


def test_export_reads_lines_as_the_kernel_does(tmp_path, capsys):
    # shell quoting, `$$` as IPython's var_expand leaves it, leading blank lines, `a/../b`
    path = make_notebook(
        tmp_path / "nb.ipynb",
        "%%context_file 'with space/x$$y'\nhi",
        "\n%%context_file a$$b/../c.txt --mode 0o600\nthere",
        "print('%%dockerfile is only a string here')",
        "%%dockerfile\nFROM busybox",
        "%%dockerfile app -f App.Dockerfile\nFROM busybox",
    )
    assert cli.main(["export", str(path), str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"build contexts: {tmp_path}/out/  {tmp_path}/out/app (-f {tmp_path}/out/app/App.Dockerfile)")
    assert tree(tmp_path / "out") == {
        "with space/x$$y": ("hi\n", tree_mode(0o666)), "c.txt": ("there\n", 0o600),
        "Dockerfile": ("FROM busybox\n", tree_mode(0o666)), "app/App.Dockerfile": ("FROM busybox\n", tree_mode(0o666)),
    }


def tree_mode(requested: int) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return requested & ~mask


def test_export_does_not_follow_a_symlink_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "ctx").symlink_to(outside)
    path = make_notebook(tmp_path / "nb.ipynb", "%%dockerfile ctx\nFROM busybox")
    with pytest.raises(notebook.NotebookError, match="ctx/Dockerfile leads outside .* through a symlink"):
        notebook.export(notebook.read(path), out)
    assert not list(outside.iterdir())


@pytest.mark.parametrize("command", ["export", "run"])
def test_input_errors_are_one_line_with_status_2(tmp_path, capsys, command):
    (tmp_path / "text.ipynb").write_text("hello\n")
    (tmp_path / "list.ipynb").write_text("[1, 2]\n")
    cases = {
        str(tmp_path / "missing.ipynb"): f"{tmp_path}/missing.ipynb: no such file",
        str(tmp_path): f"{tmp_path} is a folder, not a notebook",
        str(tmp_path / "text.ipynb"): f"{tmp_path}/text.ipynb is not a notebook (not JSON)",
        str(tmp_path / "list.ipynb"): f"{tmp_path}/list.ipynb is not a notebook (JSON without an nbformat version)",
    }
    for path, message in cases.items():
        args = [command, path] + ([str(tmp_path / "out")] if command == "export" else [])
        assert cli.main(args) == 2
        assert capsys.readouterr().err == f"dockermagic {command}: {message}\n"


def test_export_of_a_notebook_without_such_cells(tmp_path, capsys):
    path = make_notebook(tmp_path / "plain.ipynb", "print(1)", "%%writefile x.txt\nhi")
    assert cli.main(["export", str(path), str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == "dockermagic export: no %%dockerfile or %%context_file cells: nothing to export\n"


# -- parameters --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("3", 3), ("-1.5", -1.5), ("True", True), ("None", None), ("[1, 'a']", [1, "a"]), ("'quoted'", "quoted"),
    ("hello", "hello"), ("127.0.0.1:5000", "127.0.0.1:5000"), ("me/app:1.0", "me/app:1.0"), ("", ""),
])
def test_values_are_python_literals_when_they_parse(text, value):
    assert notebook.parse_value(text) == value


def test_injected_cell_follows_the_parameters_cell_and_recomputes_derived_names():
    nb = notebook.read(FIXTURES / "build.ipynb")
    assert notebook.inject_parameters(nb, {"greeting": "hi", "n": 3}) == []
    assert nb.cells[2].metadata.tags == ["injected-parameters"]
    assert nb.cells[2].source == (
        "# Parameters given to dockermagic run\ngreeting = 'hi'\nn = 3\n"
        "# recomputed from them, as the parameters cell computes them\nlabel = f\"{greeting} from the cli\""
    )
    # a second injection (a notebook saved by -o, run again) replaces the first
    assert notebook.inject_parameters(nb, {"label": "x", "typo": 1}) == [
        "-p typo: the parameters cell does not set typo; passed anyway"]
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert [c.source for c in injected] == ["# Parameters given to dockermagic run\nlabel = 'x'\ntypo = 1"]
    notebook.inject_parameters(nb, {})
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def test_without_a_parameters_cell_they_go_first_with_a_warning(tmp_path):
    nb = notebook.read(make_notebook(tmp_path / "nb.ipynb", "print(x)"))
    assert notebook.inject_parameters(nb, {"x": 1}) == [
        "no cell is tagged 'parameters': the parameters go in a cell at the top"]
    assert nb.cells[0].source.endswith("x = 1")


@pytest.mark.parametrize("args, message", [
    (["-p", "1x", "y"], "dockermagic run: -p 1x: a parameter name must be a Python identifier, e.g. -p user me\n"),
    (["-p", "class", "y"], "dockermagic run: -p class: a parameter name must be a Python identifier, e.g. -p user me\n"),
    (["--kernel", "no-such-kernel"], "dockermagic run: no kernel named 'no-such-kernel'; choose an installed one with --kernel (jupyter kernelspec list)\n"),
    (["--cwd", "/no/such/folder"], "dockermagic run: --cwd /no/such/folder: no such folder\n"),
])
def test_bad_run_options_are_one_line_with_status_2(capsys, args, message):
    assert cli.main(["run", str(FIXTURES / "build.ipynb"), *args]) == 2
    assert capsys.readouterr().err == message


def test_run_without_nbclient_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbclient", None)  # import nbclient now raises ImportError
    assert cli.main(["run", str(FIXTURES / "build.ipynb")]) == 2
    assert capsys.readouterr().err == "dockermagic run: needs nbclient and ipykernel: pip install nbclient ipykernel\n"


def test_a_parameter_without_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["run", str(FIXTURES / "build.ipynb"), "-p", "tag"])
    assert exit.value.code == 2
    assert "-p/--parameter: expected 2 arguments" in capsys.readouterr().err


# -- run ---------------------------------------------------------------------------------------

def test_run_builds_with_parameters_and_writes_the_executed_notebook(engine, made, unique, tmp_path):
    tag = made.image(f"dockermagic-cli-{unique}:1")
    out = tmp_path / "out.ipynb"
    before = (FIXTURES / "build.ipynb").read_text()
    proc = dockermagic("run", FIXTURES / "build.ipynb", "--cwd", tmp_path, "-p", "tag", tag, "-p", "n", "3",
                       "-p", "greeting", "hi", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[:2] == ['[1/6] cell 2: tag = "dockermagic-cli-test:default"', f"[2/6] cell 3: tag = '{tag}'"]
    assert lines[4:6] == ["[5/6] cell 6: result = %docker_build -t {tag} --build-arg \"MSG={label}\" context",
                          "[6/6] cell 7: print(type(n).__name__, n, \"|\", label, \"|\", result.tags)"]
    assert lines[6].startswith("ran 6 cells in ") and lines[7] == f"wrote {out}"
    assert "\x1b[" not in proc.stderr  # not a terminal: no bar, no colours

    engine.api.inspect_image(tag)
    assert (tmp_path / "context" / "Dockerfile").exists()  # the kernel worked in --cwd
    assert (FIXTURES / "build.ipynb").read_text() == before  # no -o: the input is never written

    nb = nbformat.read(out, as_version=4)
    assert nb.cells[2].metadata.tags == ["injected-parameters"]
    assert nb.cells[-1].outputs[0].text == f"int 3 | hi from the cli | ['{tag}']\n"
    build_output = nb.cells[-2].outputs[0].data
    assert "text/html" in build_output and "[2/2] RUN" in build_output["text/html"]
    assert "widgets" not in nb.metadata  # no widget state: the saved view is its static HTML
    assert all("execution" not in c.metadata for c in nb.cells)  # no timing noise in diffs


def test_run_stops_at_the_failing_cell_and_prints_it_and_its_one_line_error(engine, made, unique, tmp_path):
    tag = made.image(f"dockermagic-cli-fail-{unique}:1")
    out = tmp_path / "failed.ipynb"
    proc = dockermagic("run", FIXTURES / "fail.ipynb", "--cwd", tmp_path, "-p", "tag", tag, "-o", out)
    assert proc.returncode == 1
    tail = proc.stderr.split("[6/7] cell 6: %docker_build -t {tag} failing\n", 1)[1].splitlines()
    assert tail[:3] == ["", "cell 6 (6/7) failed after " + tail[1].rsplit(" ", 1)[1], "  1 | %docker_build -t {tag} failing"]
    assert tail[3] == "BuildError: [2/2] RUN echo about to fail && exit 3 (Dockerfile line 2) failed: exit code 3"
    assert tail[4:] == [f"wrote {out}"]
    assert "\x1b[" not in proc.stderr and "Traceback" not in proc.stderr

    nb = nbformat.read(out, as_version=4)
    assert nb.cells[3].outputs[0].text == "before the failure\n"
    assert nb.cells[5].outputs[-1].output_type == "error" and nb.cells[5].outputs[-1].ename == "BuildError"
    # the cell after the failure did not run, and its stale output from an earlier run is gone
    assert nb.cells[6].outputs == [] and nb.cells[6].execution_count is None


def test_a_python_error_shows_its_traceback_without_ansi_and_timeouts_stop_the_run(tmp_path):
    path = make_notebook(tmp_path / "nb.ipynb", "def f():\n    return 1 / 0", "f()")
    proc = dockermagic("run", path)
    assert proc.returncode == 1
    assert "cell 2 (2/2) failed after" in proc.stderr and "  1 | f()" in proc.stderr
    assert "----> 2     return 1 / 0" in proc.stderr and proc.stderr.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "\x1b[" not in proc.stderr

    path = make_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)")
    started = time.monotonic()
    proc = dockermagic("run", path, "--timeout", "1")
    assert proc.returncode == 1 and time.monotonic() - started < 25
    assert proc.stderr.rstrip().endswith("TimeoutError: still running after 1 s (--timeout)")


def test_ctrl_c_interrupts_the_running_cell_and_exits_130(tmp_path):
    path = make_notebook(tmp_path / "nb.ipynb", "import pathlib, time\npathlib.Path('running').touch()\ntime.sleep(30)",
                         "print('not reached')")
    out = tmp_path / "out.ipynb"
    proc = subprocess.Popen([*COMMAND, "run", str(path), "-o", str(out)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stderr.readline() == "[1/2] cell 1: import pathlib, time\n"
        deadline = time.monotonic() + 20
        while not (tmp_path / "running").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the kernel takes SIGINT only while a cell really runs
        time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=20) == 130 and time.monotonic() - started < 15
    finally:
        proc.kill()
    assert "cell 1 (1/2) was interrupted after" in rest and rest.endswith(f"dockermagic run: interrupted\nwrote {out}\n")
    nb = json.loads(out.read_text())
    assert nb["cells"][0]["outputs"][-1]["ename"] == "KeyboardInterrupt" and nb["cells"][1]["outputs"] == []
