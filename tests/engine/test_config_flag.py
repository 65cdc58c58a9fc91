"""The CLI's global `--config DIR`: the docker config folder (contexts, logins) for one line."""

from __future__ import annotations

import json

import pytest

from dockermagic.magics.args import global_flags
from dockermagic.magics.checks import check
from support.engine_fixtures import cli, unique_name

pytestmark = pytest.mark.engine


def test_config_folder_is_used_for_that_line_only(ip, docker_env, engine2, engine2_address, tmp_path, capsys):
    other = tmp_path / "other-config"
    name = unique_name("cfg")
    cli("--config", str(other), "context", "create", name, "--docker", f"host={engine2_address}")
    cli("--config", str(other), "context", "use", name)
    assert check(ip, f"docker --config {other} ps") is not None
    capsys.readouterr()
    ip.run_line_magic("docker", f"--config {other} context show")
    assert capsys.readouterr().out.strip() == name
    info = ip.run_line_magic("docker", f"--config={other} info")
    assert info.context == name and info.root_dir == engine2.api.info()["DockerRootDir"]
    assert ip.run_line_magic("docker_info", f"--config {other}").context == name  # a magic's own line too
    ip.run_line_magic("docker", "context show")  # the next line: the kernel's own config folder again
    assert capsys.readouterr().out.strip() == "default"
    assert ip.run_line_magic("docker_info", "").context is None


def test_logins_go_to_the_config_folder_named(ip, docker_env, auth_registry, tmp_path, monkeypatch):
    other = tmp_path / "login-config"
    monkeypatch.setenv("DM_TEST_PASSWORD", auth_registry["password"])
    server = auth_registry["address"]
    ip.run_line_magic("docker", f"--config {other} login {server} -u {auth_registry['user']} --password-env DM_TEST_PASSWORD")
    assert server in json.loads((other / "config.json").read_text())["auths"]
    assert not (docker_env / "config.json").exists() or server not in (docker_env / "config.json").read_text()
    assert cli("--config", str(other), "logout", server).returncode == 0  # the CLI reads the same file


def test_config_mixes_with_the_other_global_flags():
    selection, rest = global_flags("-H unix:///x.sock --config ~/testconfigs/ ps -a", short_context=True)
    assert selection.host == "unix:///x.sock" and selection.config == "~/testconfigs/" and rest == "ps -a"
    selection, rest = global_flags("--config=d --context c images")
    assert (selection.config, selection.context, rest) == ("d", "c", "images")
    assert global_flags("ps -a") == (None, "ps -a")
