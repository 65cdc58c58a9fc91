"""`-it` with an interactive shell, in a real kernel typed into as a frontend types: jupyter_client
executes the cell with `allow_stdin=True` and answers each `input_request` on the stdin channel
(what JupyterLab's input box under the cell does).  Headless (`allow_stdin=False`, as nbclient
runs) the line is refused before anything is created; an interrupt while the box waits ends the
cell with one line and leaves nothing running."""

from __future__ import annotations

import json
import os
import queue
import time
from pathlib import Path

import pytest
from jupyter_client import KernelManager

from support.engine_fixtures import gone

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]


class Kernel:
    """A python3 kernel importing dockermagic from this checkout, and one cell run at a time."""

    def __init__(self, cwd):
        self.km = KernelManager(kernel_name="python3")
        env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        self.km.start_kernel(env=env, cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def execute(self, code, answers=(), allow_stdin=True, interrupt_at=None, timeout=90):
        """Run `code`; answer the input requests with `answers` in turn (interrupt the kernel at
        request number `interrupt_at` instead).  (reply content, iopub messages, request times)."""
        msg_id = self.kc.execute(code, allow_stdin=allow_stdin)
        self.requests = []
        answers, asked, messages, reply = list(answers), [], [], None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_stdin_msg(timeout=0.02)
                if msg["msg_type"] == "input_request":
                    asked.append(time.monotonic())
                    self.requests.append(msg)
                    if interrupt_at == len(asked):
                        self.km.interrupt_kernel()
                    else:
                        self.kc.input(answers.pop(0) if answers else "")
            except queue.Empty:
                pass
            try:
                while True:
                    msg = self.kc.get_iopub_msg(timeout=0.01)
                    if msg["parent_header"].get("msg_id") == msg_id:
                        messages.append(msg)
            except queue.Empty:
                pass
            try:
                msg = self.kc.get_shell_msg(timeout=0.01)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg["content"]
            except queue.Empty:
                pass
            if reply is not None and any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                                         for m in messages):
                return reply, messages, asked
        pytest.fail(f"the cell did not end within {timeout}s: {code!r}")

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(engine, tmp_path_factory):
    k = Kernel(tmp_path_factory.mktemp("interactive"))
    reply, _, _ = k.execute("%load_ext dockermagic")
    assert reply["status"] == "ok"
    yield k
    k.close()


def shown(messages) -> str:
    """The cell's last view (its final display update) as text, and any error's one line."""
    views = [m["content"]["data"].get("text/plain", "") for m in messages
             if m["msg_type"] in ("display_data", "update_display_data")]
    errors = [" ".join(m["content"]["traceback"]) for m in messages if m["msg_type"] == "error"]
    return "\n".join(views[-1:] + errors)


def test_run_it_sh_is_typed_into_line_by_line(kernel, engine, made, unique):
    name = made.container(f"dm-it-{unique}")
    reply, messages, asked = kernel.execute(f"%docker run -it --rm --name {name} busybox sh",
                                            ["echo hello-$((6*7))", "exit"])
    assert reply["status"] == "ok", shown(messages)
    text = shown(messages)
    assert "hello-42" in text and "echo hello-$((6*7))" in text  # the terminal's echo: the transcript
    assert "exit code 0" in text
    assert len(asked) == 2, "asked again after exit"
    assert gone(engine, name)
    asked_at = kernel.requests[0]["header"]["date"]
    before = [m for m in messages if m["header"]["date"] < asked_at]
    assert any(m["msg_type"] == "display_data" for m in before), "the input box came before the view"
    assert any("/ # " in json.dumps(m["content"]) for m in before), "the shell's prompt was not shown when asked"


def test_the_images_own_shell_and_an_exit_code(kernel, engine, made, unique):
    name = made.container(f"dm-it-{unique}")
    reply, messages, asked = kernel.execute(f"%docker_run -ti --name {name} busybox", ["ls -d /etc", "exit 3"])
    assert reply["status"] == "error" and reply["ename"] == "RunFailed"
    assert "exited with code 3" in reply["evalue"] and "/etc" in shown(messages)
    assert len(asked) == 2
    assert engine.api.inspect_container(name)["State"]["ExitCode"] == 3  # no --rm: kept, as the CLI keeps it


def test_exec_it_into_a_running_container(kernel, engine, made, unique):
    name = made.container(f"dm-it-x-{unique}")
    engine.api.start(engine.api.create_container("busybox", "sh", name=name, tty=True, stdin_open=True))
    reply, messages, asked = kernel.execute(f"%docker exec -it {name} sh",
                                            ["cd /tmp && echo from-$(pwd)", "exit"])
    assert reply["status"] == "ok", shown(messages)
    assert "from-/tmp" in shown(messages) and len(asked) == 2
    assert engine.api.inspect_container(name)["State"]["Running"]  # the container runs on


def test_headless_refuses_before_anything_is_created(kernel, engine, made, unique):
    name = made.container(f"dm-it-h-{unique}")
    for line in (f"%docker run -it --rm --name {name} busybox sh", f"%docker_run --interactive --tty --name {name} busybox",
                 f"%docker container run -ti --name {name} busybox /bin/sh"):
        reply, messages, asked = kernel.execute(line, allow_stdin=False)
        assert reply["status"] == "error" and not asked
        assert "-it needs a terminal" in reply["evalue"] and "%docker_run -dit" in reply["evalue"], reply["evalue"]
        assert gone(engine, name)
    reply, _, asked = kernel.execute(f"%docker exec -it {name} bash", allow_stdin=False)
    assert reply["status"] == "error" and "-it needs a terminal" in reply["evalue"] and not asked


def test_full_screen_programs_are_refused_in_one_line(kernel, engine, made, unique):
    name = made.container(f"dm-it-v-{unique}")
    reply, _, asked = kernel.execute(f"%docker run -it --rm --name {name} busybox vi /etc/hosts")
    assert reply["status"] == "error" and not asked
    assert "vi draws the whole screen" in reply["evalue"] and "\n" not in reply["evalue"]
    assert gone(engine, name)
    reply, _, asked = kernel.execute(f"%docker run -t --rm --name {name} busybox sh")  # no stdin to type into
    assert reply["status"] == "error" and not asked and "add -i" in reply["evalue"]
    assert gone(engine, name)


def test_an_interrupt_while_the_box_waits_ends_at_once_and_removes(kernel, engine, made, unique):
    name = made.container(f"dm-it-i-{unique}")
    started = time.monotonic()
    reply, messages, asked = kernel.execute(f"%docker run -it --rm --name {name} busybox sh", interrupt_at=1)
    took = time.monotonic() - asked[0]
    assert reply["status"] == "error" and reply["ename"] == "RunInterrupted", shown(messages)
    assert reply["evalue"].startswith("interrupted: ") and "removed (--rm)" in reply["evalue"]
    assert len(reply["traceback"]) == 1 and len(asked) == 1
    assert took < 5, f"took {took:.1f}s after the interrupt ({time.monotonic() - started:.1f}s in all)"
    assert gone(engine, name)
    reply, _, _ = kernel.execute("1 + 1")  # the kernel goes on
    assert reply["status"] == "ok"


def test_start_ai_of_a_container_made_with_it(kernel, engine, made, unique):
    name = made.container(f"dm-it-s-{unique}")
    engine.api.create_container("busybox", "sh", name=name, tty=True, stdin_open=True)
    reply, messages, asked = kernel.execute(f"%docker start -ai {name}", ["echo started-$((40+2))", "exit"])
    assert reply["status"] == "ok", shown(messages)
    assert "started-42" in shown(messages) and len(asked) == 2
    assert not engine.api.inspect_container(name)["State"]["Running"]


def test_an_interrupt_in_exec_leaves_the_container_running(kernel, engine, made, unique):
    name = made.container(f"dm-it-xi-{unique}")
    engine.api.start(engine.api.create_container("busybox", "sh", name=name, tty=True, stdin_open=True))
    reply, _, asked = kernel.execute(f"%docker_exec -it {name} sh", interrupt_at=1)
    assert reply["status"] == "error" and reply["evalue"] == f"interrupted: sh in container {name} ended on Ctrl-C, Ctrl-D"
    assert len(asked) == 1 and engine.api.inspect_container(name)["State"]["Running"]


def test_a_shell_deaf_to_the_hang_up_is_stopped_and_removed(kernel, engine, made, unique):
    name = made.container(f"dm-it-t-{unique}")
    reply, messages, asked = kernel.execute(f"%docker run -it --rm --stop-timeout 1 --name {name} busybox sh",
                                            ["trap '' INT; sleep 100"], interrupt_at=2)
    assert reply["status"] == "error" and reply["ename"] == "RunInterrupted", shown(messages)
    assert reply["evalue"] == (f"interrupted: stopped container {name} (SIGTERM; SIGKILL after the 1s grace period) "
                               "and removed it (--rm)")
    assert "interrupted: interrupted" not in shown(messages)
    assert gone(engine, name)


def test_attach_types_into_the_containers_shell_and_an_interrupt_detaches(kernel, engine, made, unique):
    name = made.container(f"dm-it-a-{unique}")
    engine.api.start(engine.api.create_container("busybox", "sh", name=name, tty=True, stdin_open=True))
    reply, messages, asked = kernel.execute(f"%docker attach {name}", ["echo attached-$((1+1))"], interrupt_at=2)
    assert reply["status"] == "error" and reply["evalue"] == f"interrupted: detached from container {name}; it runs on"
    assert "attached-2" in shown(messages)
    assert engine.api.inspect_container(name)["State"]["Running"]


def test_ctrl_d_in_the_box_ends_the_shell(kernel, engine, made, unique):
    name = made.container(f"dm-it-d-{unique}")
    reply, messages, asked = kernel.execute(f"%docker run -it --rm --name {name} busybox sh", ["\x04"])
    assert reply["status"] == "ok", shown(messages)
    assert len(asked) == 1 and gone(engine, name)


def test_input_refused_after_all_hangs_up_and_says_why(kernel, engine, made, unique):
    name = made.container(f"dm-it-n-{unique}")
    code = ("import builtins\nfrom IPython.core.error import StdinNotImplementedError\n"
            "def _refused(prompt=''):\n    raise StdinNotImplementedError('no input requests here')\n"
            "builtins.input = _refused\n"
            f"get_ipython().run_line_magic('docker', 'run -it --rm --name {name} busybox sh')")
    reply, messages, asked = kernel.execute(code)
    assert reply["status"] == "error" and not asked
    assert reply["evalue"].startswith("-it needs a terminal") and "removed (--rm)" in reply["evalue"], reply["evalue"]
    assert gone(engine, name)
