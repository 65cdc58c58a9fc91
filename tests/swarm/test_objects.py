"""`%docker secret|config ...` and the `%%docker_secret` / `%%docker_config` cells on the real
swarm, against the docker CLI on the same manager.  A secret's value is never in a result, its
views, an error, or IPython's history."""

from __future__ import annotations

import json

import pytest

from dockermagic.swarm.cluster import SwarmError
from dockermagic.swarm.objects import Config, ObjectList, Secret
from dockermagic.views.formatters import bundle


def _ages(text: str) -> str:
    """The CREATED / UPDATED ages made equal: the two listings are a second apart at most."""
    import re

    aged = re.sub(r"(Less than a second|\d+ seconds?|About a minute) ago", "(age)", text)
    aged = re.sub(r'"Labels":"([^"]*)"', lambda m: '"Labels":"' + ",".join(sorted(m[1].split(","))) + '"', aged)
    return re.sub(r" {2,}", "  ", aged)  # and the columns' padding, which the ages' widths set


def docker(ip, swarm, line):
    return ip.run_line_magic("docker", f"-H {swarm.manager} {line}")


@pytest.mark.parametrize("kind", ["secret", "config"])
def test_made_by_the_magic_seen_and_removed_by_the_cli(ip, swarm, swarm_made, unique, tmp_path, kind):
    name = getattr(swarm_made, kind)(f"dm-{kind}-{unique}")
    (tmp_path / "value.txt").write_text("hello value\n")
    made = docker(ip, swarm, f"{kind} create --label env=dev --label rev=20170324 {name} value.txt")
    assert isinstance(made, Secret if kind == "secret" else Config) and made.name == name
    fmt = "{{.ID}} {{.Name}} {{.Labels}}"
    mid, mname, mlabels = docker(ip, swarm, f"{kind} ls --filter name={name} --format '{fmt}'").text.split()
    cid, cname, clabels = swarm.cli(kind, "ls", "--filter", f"name={name}", "--format", fmt).stdout.split()
    # the CLI joins the labels in Go's map order, which changes from run to run: the same set
    assert (mid, mname, mlabels) == (made.id, name, "env=dev,rev=20170324")
    assert (cid, cname, sorted(clabels.split(","))) == (made.id, name, ["env=dev", "rev=20170324"])
    for args in (["--filter", f"name={name}"], ["--filter", f"name={name}", "--format", "json"],
                 ["-f", f"id={made.id}", "-q"], ["--filter", f"name={name}", "--format", "table {{.ID}}\\t{{.Name}}"],
                 ["--filter", "label=rev=20170324", "--filter", f"name={name}", "--format", "{{.ID}}: {{.Name}}"]):
        import shlex

        mine = docker(ip, swarm, f"{kind} ls {shlex.join(args)}")
        text = bundle(mine)["text/plain"] + "\n" if isinstance(mine, ObjectList) else mine.text
        assert _ages(text) == _ages(swarm.cli(kind, "ls", *args).stdout), args
    assert docker(ip, swarm, f"{kind} inspect --pretty {name}").text == swarm.cli(kind, "inspect", "--pretty", name).stdout
    assert docker(ip, swarm, f"{kind} inspect --format='{{{{.CreatedAt}}}}' {made.id}").text == \
        swarm.cli(kind, "inspect", "--format={{.CreatedAt}}", made.id).stdout
    assert json.loads(docker(ip, swarm, f"{kind} inspect --format json {name}").text) == \
        json.loads(swarm.cli(kind, "inspect", name).stdout)
    swarm.cli(kind, "rm", name)
    assert docker(ip, swarm, f"{kind} ls -q --filter name={name}").text == ""


@pytest.mark.parametrize("kind", ["secret", "config"])
def test_made_by_the_cli_seen_and_removed_by_the_magic(ip, swarm, swarm_made, unique, kind):
    name = getattr(swarm_made, kind)(f"dm-cli-{kind}-{unique}")
    swarm.cli(kind, "create", "--label", "project=project-a", name, "-", input="from the cli")
    listed = docker(ip, swarm, f"{kind} ls --filter label=project=project-a")
    assert name in listed.names
    found = docker(ip, swarm, f"{kind} inspect {name}")
    assert found.labels == {"project": "project-a"}
    if kind == "config":
        assert found.data == b"from the cli"
    removed = docker(ip, swarm, f"{kind} rm {name}")
    assert repr(removed) == name
    assert name not in swarm.cli(kind, "ls", "--format", "{{.Name}}").stdout.split()
    with pytest.raises(SwarmError) as err:
        docker(ip, swarm, f"{kind} rm {name}")
    said = swarm.cli(kind, "rm", name, check=False).stderr.strip().removeprefix("Error response from daemon: ")
    assert str(err.value) == f"{kind} rm {name}: {said}"


def test_a_secret_cell_sends_the_value_and_keeps_it_nowhere(ip, swarm, swarm_made, unique):
    name = swarm_made.secret(f"dm-cell-{unique}")
    value = f"s3cr3t-{unique}"
    ip.run_cell(f"%%docker_secret -H {swarm.manager} {name}\n{value}\n", store_history=True)
    made = ip.user_ns["_"]
    assert isinstance(made, Secret) and made.name == name
    shown = repr(made) + json.dumps(bundle(made)) + json.dumps(made.raw)
    assert value not in shown
    history = ip.history_manager
    assert not [h for h in history.input_hist_raw + history.input_hist_parsed if value in h]
    assert not [k for k, v in ip.user_ns.items() if k.startswith("_i") and isinstance(v, str) and value in v]
    assert not [row for row in history.get_range(history.session_number, 1) if value in str(row)]
    assert swarm.cli("secret", "inspect", "-f", "{{.Spec.Name}}", name).stdout == f"{name}\n"


def test_a_secret_typed_at_the_prompt(ip, swarm, swarm_made, unique, monkeypatch):
    import getpass

    name = swarm_made.secret(f"dm-stdin-{unique}")
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "typed value")
    made = docker(ip, swarm, f"secret create {name} -")
    assert made.name == name and "typed value" not in repr(made)


def test_a_config_cell_keeps_its_content(ip, swarm, swarm_made, unique):
    name = swarm_made.config(f"dm-cfg-cell-{unique}")
    ip.run_cell(f"%%docker_config -H {swarm.manager} {name}\nserver {{ listen 80; }}\n")
    made = ip.user_ns["_"]
    assert made.data == b"server { listen 80; }"
    assert swarm.cli("config", "inspect", "--pretty", name).stdout.endswith("Data:\nserver { listen 80; }\n")
    assert "listen 80" in bundle(made)["text/html"]


def test_refusals_are_one_line(ip, swarm, swarm_made, unique):
    from dockermagic.errors import InvalidInput

    with pytest.raises(InvalidInput, match="needs a file"):
        docker(ip, swarm, f"secret create dm-nofile-{unique}")
    with pytest.raises(InvalidInput, match="invalid name"):
        docker(ip, swarm, "secret create bad!name value.txt")
    name = swarm_made.secret(f"dm-twice-{unique}")
    swarm.cli("secret", "create", name, "-", input="x")
    with pytest.raises(SwarmError, match=f"secret create {name}: .*already exists"):
        ip.run_cell(f"%%docker_secret -H {swarm.manager} {name}\nagain\n")
        raise ip.last_execution_result.error_in_exec
