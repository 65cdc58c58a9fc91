"""Contexts: the docker CLI's own store, both ways, and the CLI's precedence of -H, --context,
DOCKER_HOST, DOCKER_CONTEXT and `docker context use` -- against engine 1 and engine 2."""

from __future__ import annotations

import json
import shlex

import pytest
from IPython.core.error import UsageError

from dockermagic.engine import contexts
from dockermagic.engine.connection import connect, resolve
from dockermagic.engine.contexts import UnknownContext
from dockermagic.engine.selection import Selection, split_global_flags
from dockermagic.errors import InvalidInput
from dockermagic.views import formatters
from support.engine_fixtures import cli, unique_name

ENGINE1 = "unix:///var/run/docker.sock"


def root_dir(engine) -> str:
    return engine.api.info()["DockerRootDir"]


def test_cli_context_is_seen_and_used_by_the_magics(ip, docker_env, engine2, engine2_address, capsys):
    name = unique_name("cli")
    cli("context", "create", name, "--description", "made by the CLI", "--docker", f"host={engine2_address}")
    listing = ip.run_line_magic("docker_context", "ls")
    assert name in listing.names and listing.current == "default"
    row = next(c for c in listing if c.name == name)
    assert row.host == engine2_address and row.description == "made by the CLI"
    assert f"{name} " in formatters.bundle(listing)["text/plain"] and "default *" in formatters.bundle(listing)["text/plain"]
    assert name in formatters.bundle(listing)["text/html"]
    # -- and `docker context use` in the terminal moves the notebook too
    cli("context", "use", name)
    current = ip.run_line_magic("docker_context", "")
    assert current.context == name and current.source == "current context"
    assert f"(context {name})" in current.label and engine2_address in current.label
    info = ip.run_line_magic("docker_info", "")
    assert info.root_dir == root_dir(engine2) and info.context == name
    ip.run_line_magic("docker_context", "show")
    assert capsys.readouterr().out.strip().endswith(name)


def test_notebook_context_is_seen_and_used_by_the_cli(ip, docker_env, engine2_address, capsys):
    name = unique_name("nb")
    ip.run_line_magic("docker_context", f'create {name} --docker host={engine2_address} --description "from the notebook"')
    assert f'Successfully created context "{name}"' in capsys.readouterr().out
    out = json.loads(cli("context", "inspect", name).stdout)[0]
    assert out["Endpoints"]["docker"]["Host"] == engine2_address and out["Metadata"]["Description"] == "from the notebook"
    ours = ip.run_line_magic("docker_context", f"inspect {name}")[0]
    assert {k: ours[k] for k in ("Name", "Metadata", "Endpoints", "Storage")} == {k: out[k] for k in ("Name", "Metadata", "Endpoints", "Storage")}
    ip.run_line_magic("docker_context", f"use {name}")
    assert cli("context", "show").stdout.strip() == name
    assert cli("info", "--format", "{{.DockerRootDir}}").stdout.strip().endswith("engine2/data")
    ip.run_line_magic("docker_context", "use default")
    assert cli("context", "show").stdout.strip() == "default"
    ip.run_line_magic("docker_context", f"rm {name}")
    assert name not in cli("context", "ls", "--format", "{{.Name}}").stdout.split()


def test_rm_of_the_context_in_use_needs_force(ip, docker_env, engine2_address):
    name = unique_name("inuse")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address}")
    ip.run_line_magic("docker_context", f"use {name}")
    with pytest.raises(InvalidInput, match="in use"):
        ip.run_line_magic("docker_context", f"rm {name}")
    ip.run_line_magic("docker_context", f"rm -f {name}")
    assert contexts.current_name() == "default" and name not in contexts.names()
    assert "currentContext" not in json.loads((docker_env / "config.json").read_text())


def test_use_keeps_the_rest_of_config_json(ip, docker_env, engine2_address):
    (docker_env / "config.json").write_text(json.dumps({"auths": {"127.0.0.1:5001": {"auth": "eDp5"}}, "psFormat": "x"}))
    name = unique_name("keep")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address}")
    ip.run_line_magic("docker_context", f"use {name}")
    config = json.loads((docker_env / "config.json").read_text())
    assert config == {"auths": {"127.0.0.1:5001": {"auth": "eDp5"}}, "psFormat": "x", "currentContext": name}


def test_context_errors_are_one_line(ip, docker_env):
    with pytest.raises(UnknownContext, match='context "nope-nope" does not exist') as info:
        ip.run_line_magic("docker_images", "--context nope-nope")
    assert "\n" not in str(info.value) and "%docker_context ls" in str(info.value)
    with pytest.raises(UnknownContext):
        ip.run_line_magic("docker_context", "use nope-nope")
    with pytest.raises(InvalidInput, match="reserved"):
        ip.run_line_magic("docker_context", "create default --docker host=unix:///x.sock")
    with pytest.raises(InvalidInput, match="expected host=URL"):
        ip.run_line_magic("docker_context", "create x1 --docker hots=unix:///x.sock")
    with pytest.raises(InvalidInput, match="not an engine address"):
        ip.run_line_magic("docker_context", "create x1 --docker host=ftp://x")
    with pytest.raises(InvalidInput, match="not supported"):
        ip.run_line_magic("docker_context", "frobnicate")
    with pytest.raises(UsageError):
        ip.run_line_magic("docker_context", "rm")
    assert contexts.names() == []


def test_precedence_is_the_clis(docker_env, monkeypatch, engine2_address, engine2, engine):
    """-H / --context > DOCKER_HOST > DOCKER_CONTEXT > `docker context use` > default socket,
    checked against the real CLI on the same settings."""
    e2 = unique_name("e2")
    bogus = unique_name("bogus")
    cli("context", "create", e2, "--docker", f"host={engine2_address}")
    cli("context", "create", bogus, "--docker", "host=unix:///nonexistent/docker.sock")
    e1_root, e2_root = root_dir(engine), root_dir(engine2)

    def both(expect_root, expect_source, host=None, context=None):
        engine_ = connect(host, context=context)
        assert engine_.source == expect_source
        assert root_dir(engine_) == expect_root
        args = (["-H", host] if host else []) + (["--context", context] if context else [])
        assert cli(*args, "info", "--format", "{{.DockerRootDir}}").stdout.strip() == expect_root

    both(e1_root, "default socket")
    cli("context", "use", e2)
    both(e2_root, "current context")
    monkeypatch.setenv("DOCKER_CONTEXT", "default")
    both(e1_root, "DOCKER_CONTEXT")                       # DOCKER_CONTEXT over `use`
    monkeypatch.setenv("DOCKER_CONTEXT", bogus)
    monkeypatch.setenv("DOCKER_HOST", engine2_address)
    both(e2_root, "DOCKER_HOST")                          # DOCKER_HOST over DOCKER_CONTEXT
    both(e2_root, "--context", context="default")         # "default" is DOCKER_HOST's engine, as in the CLI
    monkeypatch.setenv("DOCKER_HOST", ENGINE1)
    both(e2_root, "--context", context=e2)                # --context over DOCKER_HOST
    monkeypatch.delenv("DOCKER_HOST")
    both(e1_root, "-H", host=ENGINE1)                     # -H over DOCKER_CONTEXT and `use`
    with pytest.raises(InvalidInput, match="cannot specify both"):
        resolve(ENGINE1, e2)
    assert "cannot specify both" in cli("-H", ENGINE1, "--context", e2, "ps", check=False).stderr


def test_the_magics_take_the_global_flags(ip, docker_env, engine2_address, engine2, engine, capsys):
    name = unique_name("flags")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address}")
    e2_root = root_dir(engine2)
    assert ip.run_line_magic("docker_info", f"--context {name}").root_dir == e2_root
    assert ip.run_line_magic("docker_info", f"--context={name}").root_dir == e2_root
    assert ip.run_line_magic("docker_info", f"-H {engine2_address}").root_dir == e2_root
    assert ip.run_line_magic("docker_info", f"--host={engine2_address}").root_dir == e2_root
    assert ip.run_line_magic("docker", f"-c {name} info").root_dir == e2_root
    assert ip.run_line_magic("docker", f"--context {name} info").root_dir == e2_root
    assert ip.run_line_magic("docker", f"-H {engine2_address} version").server["Address"] == engine2_address
    # for that call only: the next one is back on engine 1
    assert ip.run_line_magic("docker_info", "").root_dir == root_dir(engine)
    # the other areas' magics get them too (engine 2 starts empty: no busybox there)
    images = ip.run_line_magic("docker_images", f"--context {name} busybox")
    assert len(images) == 0
    assert len(ip.run_line_magic("docker_images", "busybox")) >= 1
    help_text = ip.find_line_magic("docker_images").__doc__
    assert "--context NAME" in help_text and "-H, --host URL" in help_text


def test_split_global_flags():
    def split(line, short_context=False):
        selection, rest = split_global_flags(shlex.split(line), short_context)
        return selection, shlex.join(rest)

    assert split("-H tcp://h:2376 --tlsverify -t x .") == (Selection(host="tcp://h:2376", tlsverify=True), "-t x .")
    assert split('--context "my ctx" ls') == (Selection(context="my ctx"), "ls")
    assert split("--host=unix:///x.sock --tls=false images") == (Selection(host="unix:///x.sock"), "images")
    assert split("-t x --context e2 .") == (None, "-t x --context e2 .")  # only leading flags
    assert split("-c 512 busybox") == (None, "-c 512 busybox")  # docker run -c: --cpu-shares
    assert split("-c e2 ps", short_context=True) == (Selection(context="e2"), "ps")
    assert split("--tlsfoo x") == (None, "--tlsfoo x")
    assert split("-H") == (None, "-H")
    assert split("") == (None, "")


def test_context_list_escapes_what_it_shows(ip, docker_env):
    ip.run_line_magic("docker_context", "create esc1 --docker host=unix:///x/docker.sock --description '<b>bold</b>'")  # quoted, as in a shell
    html = formatters.bundle(ip.run_line_magic("docker_context", "ls"))["text/html"]
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_env_docker_context_chooses_for_this_kernel_only(ip, docker_env, engine2_address, engine2, monkeypatch):
    name = unique_name("env")
    ip.run_line_magic("docker_context", f"create {name} --docker host={engine2_address}")
    monkeypatch.setenv("DOCKER_CONTEXT", "")  # restored after the test, whatever %env does
    ip.run_line_magic("env", f"DOCKER_CONTEXT={name}")
    current = ip.run_line_magic("docker_context", "")
    assert current.context == name and current.source == "DOCKER_CONTEXT"
    assert contexts.current_name() == "default"  # config.json untouched: the terminal keeps its context
    ip.run_line_magic("env", "DOCKER_CONTEXT=")
    assert ip.run_line_magic("docker_context", "").context is None


def test_update_export_and_create_from_are_what_the_cli_reads(ip, docker_env, engine2_address, tmp_path):
    import json

    name, copy = unique_name("dm-upd"), unique_name("dm-from")
    ip.run_line_magic("docker", f"context create {name} --docker host=unix:///nowhere.sock")
    ip.run_line_magic("docker", f"context update {name} --description 'second engine' --docker host={engine2_address}")
    seen = json.loads(cli("context", "inspect", name).stdout)[0]
    assert seen["Endpoints"]["docker"]["Host"] == engine2_address and seen["Metadata"]["Description"] == "second engine"
    ip.run_line_magic("docker", f"context create {copy} --from {name}")
    assert json.loads(cli("context", "inspect", copy).stdout)[0]["Endpoints"]["docker"]["Host"] == engine2_address
    exported = tmp_path / "ctx.dockercontext"
    ip.run_line_magic("docker", f"context export {name} {exported}")
    cli("context", "rm", "-f", name)
    cli("context", "import", name, str(exported))
    assert json.loads(cli("context", "inspect", name).stdout)[0]["Endpoints"]["docker"]["Host"] == engine2_address
