"""Logging in and out of the htpasswd registry on loopback, and keeping the password out of
every output, IPython's history, returned objects, errors and a saved notebook."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.registry import auth
from dockermagic.registry.transfer import PushError
from dockermagic.views import formatters
from support.registry_fixtures import config_json

pytestmark = pytest.mark.usefixtures("docker_config")  # a docker config folder of each test's own

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_prompt(monkeypatch):
    """Fail the test if anything asks for a username or password."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("asked for a password")

    monkeypatch.setattr("getpass.getpass", refuse)
    monkeypatch.setattr("builtins.input", refuse)


def b64(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def docker_cli(*args: str) -> subprocess.CompletedProcess:
    """The docker CLI, with this test's DOCKER_CONFIG (it reads the variable as we do)."""
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI here to check that a terminal push works after %docker_login")
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)


def tagged(ip, made, server: str, unique: str, name: str = "private") -> str:
    image = made.image(f"{server}/dmtest-{unique}/{name}:1")
    ip.run_line_magic("docker_tag", f"busybox:latest {image}")
    return image


def test_login_from_env_keeps_it_as_docker_login_does(ip, auth_registry, docker_config, made, pushed, unique, monkeypatch, no_prompt, capsys):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    monkeypatch.setenv("DM_TEST_PW", password)
    result = ip.run_line_magic("docker_login", f"{server} -u {user} --password-env DM_TEST_PW")
    assert repr(result).startswith(f"Login Succeeded: {server} as {user}")
    assert password not in repr(result) and password not in str(formatters.bundle(result))
    assert config_json(docker_config)["auths"][server] == {"auth": b64(user, password)}
    assert oct((docker_config / "config.json").stat().st_mode & 0o777) == "0o600"

    image = tagged(ip, made, server, unique)
    sent = ip.run_line_magic("docker_push", image)
    pushed.add_result(sent, (user, password))
    assert sent.ok
    cli = docker_cli("push", image)  # a terminal `docker push` works afterwards
    assert cli.returncode == 0, cli.stderr
    assert password not in capsys.readouterr().out


def test_wrong_password_is_one_line_and_keeps_nothing(ip, auth_registry, docker_config, monkeypatch, no_prompt):
    server, user = auth_registry["address"], auth_registry["user"]
    monkeypatch.setenv("DM_TEST_PW", "not-the-password-123")
    with pytest.raises(auth.LoginError) as info:
        ip.run_line_magic("docker_login", f"{server} -u {user} --password-env DM_TEST_PW")
    message = str(info.value)
    assert f"{server} refused the login for {user}: wrong username or password" in message
    assert "401" in message and "not-the-password-123" not in message and "\n" not in message
    assert not (docker_config / "config.json").exists()


def test_hidden_prompt(ip, auth_registry, docker_config, monkeypatch):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt="": (asked.append(prompt), user)[1])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": (asked.append(prompt), password)[1])
    result = ip.run_line_magic("docker", f"login {server}")
    assert asked == ["Username: ", f"Password for {user}@{server}: "]
    assert result.username == user and result.source == "the hidden prompt"
    assert config_json(docker_config)["auths"][server]["auth"] == b64(user, password)


def test_existing_config_is_used_without_asking(ip, auth_registry, docker_config, no_prompt):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    (docker_config / "config.json").write_text(json.dumps({"auths": {server: {"auth": b64(user, password)}}, "detachKeys": "ctrl-x"}))
    result = ip.run_line_magic("docker_login", server)
    assert result.username == user and result.source == "config file"
    assert config_json(docker_config)["detachKeys"] == "ctrl-x"  # the rest of the file is left alone


def test_stale_stored_password_asks_again(ip, auth_registry, docker_config, monkeypatch):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    (docker_config / "config.json").write_text(json.dumps({"auths": {f"http://{server}": {"auth": b64(user, "old-one")}}}))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": password)
    result = ip.run_line_magic("docker_login", server)
    assert result.source == "the hidden prompt"
    assert config_json(docker_config)["auths"] == {server: {"auth": b64(user, password)}}


def test_logout_removes_the_login(ip, auth_registry, docker_config, made, unique, monkeypatch, no_prompt):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    monkeypatch.setenv("DM_TEST_PW", password)
    ip.run_line_magic("docker_login", f"{server} -u {user} --password-env DM_TEST_PW")
    assert repr(ip.run_line_magic("docker", f"logout {server}")) == f"Removing login credentials for {server}"
    assert server not in config_json(docker_config).get("auths", {})
    assert repr(ip.run_line_magic("docker_logout", server)) == f"Not logged in to {server}"
    image = tagged(ip, made, server, unique)
    with pytest.raises(PushError, match="wants a login"):
        ip.run_line_magic("docker_push", image)


@pytest.mark.engine
def test_unreachable_registry(ip, monkeypatch, no_prompt):
    monkeypatch.setenv("DM_TEST_PW", "whatever-pw")
    with pytest.raises(auth.LoginError, match="registry 127.0.0.1:5999 is unreachable"):
        ip.run_line_magic("docker_login", "127.0.0.1:5999 -u someone --password-env DM_TEST_PW")


def test_no_frontend_to_ask(ip, auth_registry, monkeypatch):
    from IPython.core.error import StdinNotImplementedError

    def no_stdin(prompt=""):
        raise StdinNotImplementedError("no stdin")

    monkeypatch.setattr("getpass.getpass", no_stdin)
    with pytest.raises(auth.LoginError, match="--password-env VAR"):
        ip.run_line_magic("docker_login", f"{auth_registry['address']} -u dmtest")
    with pytest.raises(InvalidInput, match="no such environment variable"):
        ip.run_line_magic("docker_login", f"{auth_registry['address']} -u dmtest --password-env DM_UNSET_{os.getpid()}")


# -- a credential helper ---------------------------------------------------------------------
HELPER = textwrap.dedent('''\
    #!{python}
    import json, os, sys
    path = os.environ["DM_FAKE_STORE"]
    data = json.load(open(path)) if os.path.exists(path) else {{}}
    action, given = sys.argv[1], sys.stdin.read()
    if action == "store":
        entry = json.loads(given)
        data[entry["ServerURL"]] = {{"Username": entry["Username"], "Secret": entry["Secret"]}}
    elif action == "get":
        if given.strip() not in data:
            print("credentials not found in native keychain")
            sys.exit(1)
        print(json.dumps(dict(data[given.strip()], ServerURL=given.strip())))
    elif action == "erase":
        data.pop(given.strip(), None)
    elif action == "list":
        print(json.dumps({{k: v["Username"] for k, v in data.items()}}))
    json.dump(data, open(path, "w"))
''')


def test_credential_helper_keeps_the_password(ip, auth_registry, docker_config, made, pushed, unique, tmp_path, monkeypatch, no_prompt):
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-dmfake"
    helper.write_text(HELPER.format(python=sys.executable))
    helper.chmod(0o755)
    store = tmp_path / "store.json"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DM_FAKE_STORE", str(store))
    monkeypatch.setenv("DM_TEST_PW", password)
    (docker_config / "config.json").write_text(json.dumps({"credsStore": "dmfake"}))

    result = ip.run_line_magic("docker_login", f"{server} -u {user} --password-env DM_TEST_PW")
    assert result.kept_in == "credential helper docker-credential-dmfake"
    assert json.loads(store.read_text())[server] == {"Username": user, "Secret": password}
    assert password not in (docker_config / "config.json").read_text()

    image = tagged(ip, made, server, unique)
    sent = ip.run_line_magic("docker_push", image)  # the header comes from the helper
    pushed.add_result(sent, (user, password))
    cli = docker_cli("push", image)
    assert cli.returncode == 0, cli.stderr

    assert ip.run_line_magic("docker_logout", server).removed
    assert server not in json.loads(store.read_text())


# -- a password on the line -------------------------------------------------------------------
@pytest.mark.parametrize("line", [
    "%docker_login {server} -u dmtest -p Sekrit-42", "%docker_login {server} -u dmtest --password Sekrit-42",
    "%docker_login {server} -u dmtest --password=Sekrit-42", "%docker_login -pSekrit-42 {server}",
    "%docker login {server} -u dmtest -p Sekrit-42",
])
def test_password_on_the_line_is_refused_and_forgotten(ip, auth_registry, docker_config, line, capsys):
    shell = ip
    cell = line.format(server=auth_registry["address"])
    outcome = shell.run_cell(cell, store_history=True)
    err = outcome.error_in_exec
    assert isinstance(err, InvalidInput)
    assert "refused" in str(err) and "--password-env" in str(err) and "Sekrit-42" not in str(err)
    out = capsys.readouterr()
    assert "Sekrit-42" not in out.out + out.err
    hm = shell.history_manager
    assert not any("Sekrit-42" in text for text in hm.input_hist_raw + hm.input_hist_parsed)
    assert "-u dmtest" in hm.input_hist_raw[-1] or "%docker" in hm.input_hist_raw[-1]
    assert not any("Sekrit-42" in str(value) for key, value in shell.user_ns.items() if key.startswith("_i"))
    hm.writeout_cache()
    rows = hm.db.execute("SELECT source, source_raw FROM history").fetchall()
    assert not any("Sekrit-42" in (a or "") + (b or "") for a, b in rows)
    assert not (docker_config / "config.json").exists()


# -- a whole notebook, saved ------------------------------------------------------------------
def test_no_password_in_a_saved_notebook(auth_registry, docker_config, made, pushed, unique, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    server, user, password = auth_registry["address"], auth_registry["user"], auth_registry["password"]
    image = made.image(f"{server}/dmtest-{unique}/nb:1")
    monkeypatch.setenv("DM_TEST_PW", password)
    monkeypatch.setenv("DM_WRONG_PW", "Wrong-Pw-987")
    monkeypatch.setenv("PYTHONPATH", f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    cells = [
        "%load_ext dockermagic",
        f"%docker_login {server} -u {user} --password-env DM_WRONG_PW",
        f"login = %docker_login {server} -u {user} --password-env DM_TEST_PW\nlogin",
        "print(repr(login), vars(login))",
        f"%docker_tag busybox:latest {image}",
        f"sent = %docker_push {image}\nsent",
        "print(repr(sent)); sent",
        f"%docker_login {server}",
        f"%docker_logout {server}",
        "%history -n",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    saved = nbformat.writes(notebook)
    digest = engine_digest(made, image)
    if digest:
        pushed.add(server, f"dmtest-{unique}/nb", digest, (user, password))

    assert "Login Succeeded" in saved and "refused the login" in saved and "digest" in saved
    for secret in (password, "Wrong-Pw-987", b64(user, password), b64(user, "Wrong-Pw-987")):
        assert secret not in saved
    assert f"/dmtest-{unique}/nb" in saved


def engine_digest(made, image: str) -> str | None:
    import docker

    try:
        digests = made.engine.api.inspect_image(image).get("RepoDigests", [])
    except docker.errors.NotFound:
        return None
    return digests[0].split("@", 1)[1] if digests else None


def test_password_on_the_line_in_a_kernel_is_taken_out_of_the_cell(auth_registry, docker_config, tmp_path, monkeypatch):
    """In Jupyter the refused cell's text is replaced (set_next_input, replace=True) without the password."""
    manager = pytest.importorskip("jupyter_client.manager")
    monkeypatch.setenv("PYTHONPATH", f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    outputs: list[str] = []

    def collect(msg):  # what a saved notebook would keep: outputs, not the echoed input
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "error"):
            outputs.append(json.dumps(msg["content"]))

    try:
        kc.execute_interactive("%load_ext dockermagic", timeout=60)
        server = auth_registry["address"]
        reply = kc.execute_interactive(f"%docker_login {server} -u dmtest -p Sekrit-77", timeout=60, output_hook=collect)
        payloads = reply["content"].get("payload", [])
        replaced = [p for p in payloads if p.get("source") == "set_next_input"]
        assert replaced and replaced[0]["replace"] is True
        assert replaced[0]["text"].strip() == f"%docker_login {server} -u dmtest"
        kc.execute_interactive("%history -n\nprint(In, _i, _ii)", timeout=60, output_hook=collect)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    seen = "\n".join(outputs)
    assert "refused" in seen and "-u dmtest" in seen
    assert "Sekrit-77" not in seen


def test_logout_needs_no_engine(ip, docker_config, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    config_json_path = docker_config / "config.json"
    config_json_path.write_text('{"auths": {"127.0.0.1:5999": {"auth": "dTpw"}}}')
    result = ip.run_line_magic("docker_logout", "127.0.0.1:5999")
    assert "127.0.0.1:5999" in repr(result)
    assert "127.0.0.1:5999" not in config_json_path.read_text()
