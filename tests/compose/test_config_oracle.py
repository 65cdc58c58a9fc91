"""Differential: our `config` against `docker-compose config` (v2.40.3) on the same files in tmp folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from dockermagic.compose.model import config as cfg
from dockermagic.compose.model.loader import load
from dockermagic.compose.model.project import ProjectOptions

pytestmark = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="no docker-compose oracle")

CASES = {
    "interpolation": ("services:\n  s:\n    image: ${IMG:-busybox}\n    environment:\n      A: ${A}\n      B: ${U-un}\n"
                      "      C: ${A:+alt}\n      D: $$literal\n      E: ${U:-${A}x}\n", {"A": "a"}),
    "ports_volumes": ("services:\n  s:\n    image: x\n    ports: ['8080:80', '127.0.0.1:9000-9001:90-91/udp', 5000]\n"
                      "    volumes: ['./d:/d:ro', 'named:/n', '/anon']\nvolumes:\n  named: {}\n", {}),
    "profiles": ("services:\n  a:\n    image: x\n  b:\n    image: y\n    profiles: [debug]\n", {}),
    "yaml12": ("services:\n  s:\n    image: x\n    environment:\n      A: yes\n      B: on\n      C: 010\n", {}),
}


def _oracle(folder, env, *args):
    run = subprocess.run(["docker-compose", "-p", "t", *args], cwd=folder, env={"PATH": os.environ["PATH"],
                         **env}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_yaml_and_hash_as_v2(tmp_path, name):
    text, env = CASES[name]
    (tmp_path / "compose.yaml").write_text(text)
    project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ=env))
    assert json.loads(cfg.render(project, "json")) == json.loads(_oracle(tmp_path, env, "config", "--format", "json"))
    assert cfg.render(project, "yaml") == _oracle(tmp_path, env, "config")
    assert "\n".join(cfg.hashes(project)) + "\n" == _oracle(tmp_path, env, "config", "--hash", "*")
    assert "\n".join(cfg.services(project)) + "\n" == "".join(
        sorted(_oracle(tmp_path, env, "config", "--services").splitlines(True)))
