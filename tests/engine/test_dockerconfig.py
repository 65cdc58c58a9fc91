"""The docker config folder: one reader and one atomic writer for config.json and contexts' meta."""

import json
import os
import stat

import pytest

from dockermagic.engine import contexts, dockerconfig
from dockermagic.errors import InvalidInput
from dockermagic.registry import auth


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_write_is_atomic_private_and_read_back(folder):
    assert dockerconfig.read() == {}
    path = dockerconfig.write({"auths": {"r:5000": {"auth": "eA=="}}, "currentContext": "e2"})
    assert path == folder / "config.json" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert dockerconfig.read()["currentContext"] == "e2"
    assert os.listdir(folder) == ["config.json"]  # no temporary file left beside it


def test_logins_and_contexts_share_the_file(folder):
    dockerconfig.write({"auths": {"r:5000": {"auth": "eA=="}}, "psFormat": "table {{.ID}}"})
    contexts.create("cfg-e2", "unix:///tmp/nowhere.sock", description="two words")
    contexts.use("cfg-e2")
    config = dockerconfig.read()
    assert config["currentContext"] == "cfg-e2" and config["auths"] and config["psFormat"] == "table {{.ID}}"
    assert dockerconfig.read_meta("cfg-e2")["Metadata"] == {"Description": "two words"}
    assert contexts.names() == ["cfg-e2"]
    contexts.remove("cfg-e2", force=True)
    assert "currentContext" not in dockerconfig.read() and dockerconfig.read_meta("cfg-e2") is None


def test_a_broken_file_is_one_line_naming_it(folder):
    folder.mkdir()
    (folder / "config.json").write_text("{not json")
    with pytest.raises(InvalidInput, match="cannot read the docker config file .*config.json"):
        contexts.current_name()
    with pytest.raises(auth.LoginError, match="cannot read the docker config file"):
        auth.stored("r:5000")
    (folder / "config.json").write_text(json.dumps(["not", "a", "dict"]))
    assert dockerconfig.read() == {}
