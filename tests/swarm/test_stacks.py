"""`%docker stack ...` against the docker CLI on the same two-node swarm (`scripts/engine up swarm`):
the same compose file deployed by both gives the same service specs, each lists and removes what
the other deployed.  The tests without the `swarm` fixture need no engine: the converter on a
compose model, the parsing."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.magics.swarm import stack as stack_magic
from dockermagic.swarm import stack_convert, stacks

FILE = """\
services:
  web:
    image: busybox:latest
    command: ["sleep", "300"]
    environment: {GREETING: hello, EMPTY: null}
    labels: {role: front}
    healthcheck: {test: ["CMD", "true"], interval: 5s, retries: 2}
    stop_grace_period: 3s
    hostname: web-host
    user: "0"
    working_dir: /tmp
    ports: ["{port}/udp", "90"]
    secrets: [pw, {source: pw, target: other, mode: 0400}]
    configs: [{source: conf, target: /etc/app.conf}]
    volumes: [data:/data]
    build: .
    container_name: web1
    restart: always
    depends_on: [db]
    deploy:
      replicas: 2
      labels: {tier: web}
      placement: {max_replicas_per_node: 2, constraints: [node.role!=nobody]}
      resources: {limits: {cpus: "0.25", memory: 32M, pids: 40}, reservations: {memory: 4M}}
      restart_policy: {condition: on-failure, delay: 1s, max_attempts: 3, window: 30s}
      update_config: {parallelism: 2, delay: 1s, order: start-first}
      rollback_config: {failure_action: continue}
  db:
    image: busybox:latest
    entrypoint: ["sh", "-c"]
    command: ["sleep 300"]
    networks: [back]
    deploy:
      mode: global
      endpoint_mode: dnsrr
networks:
  back: {attachable: true, labels: {zone: a}}
secrets:
  pw: {file: ./pw.txt}
configs:
  conf: {file: ./app.conf}
volumes:
  data: {labels: {keep: "no"}}
"""


def write_project(folder, port: int = 0) -> str:
    (folder / "pw.txt").write_text("s3cret")
    (folder / "app.conf").write_text("mode=test\n")
    text = FILE.replace("{port}", f"{port}:91" if port else "91")
    (folder / "compose.yaml").write_text(text)
    return str(folder / "compose.yaml")


def model_of(folder, port: int = 0):
    path = write_project(folder, port)
    return stacks.load([path], "app").model


# -- the converter, without an engine ------------------------------------------------------------------
def test_names_and_labels_are_the_clis(tmp_path):
    plan = stack_convert.plan("app", model_of(tmp_path))
    assert sorted(plan.networks) == ["app_back", "app_default"]
    assert plan.networks["app_back"]["labels"] == {"zone": "a", "com.docker.stack.namespace": "app"}
    assert plan.networks["app_back"]["attachable"] and not plan.networks["app_default"]["attachable"]
    assert {n["driver"] for n in plan.networks.values()} == {"overlay"}
    assert [s["Name"] for s in plan.secrets] == ["app_pw"] and plan.secrets[0]["Data"] == b"s3cret"
    assert [c["Name"] for c in plan.configs] == ["app_conf"]
    web = plan.services["web"]
    assert web["Name"] == "app_web"
    assert web["Labels"] == {"tier": "web", "com.docker.stack.namespace": "app", "com.docker.stack.image": "busybox:latest"}
    container = web["TaskTemplate"]["ContainerSpec"]
    assert container["Labels"] == {"role": "front", "com.docker.stack.namespace": "app"}
    assert container["Env"] == ["EMPTY", "GREETING=hello"]
    assert [(s["SecretName"], s["File"]["Name"], s["File"]["Mode"]) for s in container["Secrets"]] == [
        ("app_pw", "pw", 0o444), ("app_pw", "other", 0o400)]
    assert container["Mounts"] == [{"Type": "volume", "Target": "/data", "Source": "app_data", "VolumeOptions": {
        "Labels": {"keep": "no", "com.docker.stack.namespace": "app"}}}]
    assert web["TaskTemplate"]["Networks"] == [{"Target": "app_default", "Aliases": ["web"]}]
    assert web["EndpointSpec"]["Ports"] == [{"Protocol": "udp", "TargetPort": 91, "PublishMode": "ingress"},
                                            {"Protocol": "tcp", "TargetPort": 90, "PublishMode": "ingress"}]
    assert web["TaskTemplate"]["RestartPolicy"] == {"Condition": "on-failure", "Delay": 1_000_000_000, "MaxAttempts": 3,
                                                    "Window": 30_000_000_000}
    assert web["UpdateConfig"]["Parallelism"] == 2 and web["UpdateConfig"]["Order"] == "start-first"
    db = plan.services["db"]
    assert db["Mode"] == {"Global": {}} and db["EndpointSpec"]["Mode"] == "dnsrr"
    assert db["TaskTemplate"]["ContainerSpec"]["Command"] == ["sh", "-c"]
    assert "UpdateConfig" not in db  # the engine's defaults, as for the CLI's


def test_keys_a_stack_ignores_are_named_as_the_cli_names_them(tmp_path):
    plan = stack_convert.plan("app", model_of(tmp_path))
    assert plan.notes == ["Ignoring unsupported options: build, restart",
                          "Ignoring deprecated options:\n\ncontainer_name: Setting the container name is not supported."]


def test_a_stack_name_a_compose_project_cannot_have_is_kept(tmp_path):
    model = stacks.load([write_project(tmp_path)], "MyApp").model
    plan = stack_convert.plan("MyApp", model)
    assert plan.services["web"]["Name"] == "MyApp_web" and "MyApp_back" in plan.networks


@pytest.mark.parametrize("deploy, said", [
    ({"mode": "global", "replicas": 2}, "replicas can only be used"),
    ({"mode": "replicated-job"}, "jobs are not supported"),
])
def test_bad_deploy_keys_are_one_line(deploy, said):
    with pytest.raises(InvalidInput, match=said):
        stack_convert.plan("app", {"services": {"x": {"image": "busybox", "deploy": deploy}}})


def test_the_legacy_restart_key_is_the_fallback_policy():
    plan = stack_convert.plan("app", {"services": {"x": {"image": "busybox", "restart": "on-failure:2"}}})
    assert plan.services["x"]["TaskTemplate"]["RestartPolicy"] == {"Condition": "on-failure", "MaxAttempts": 2}


def test_lines_are_parsed_as_the_cli_parses_them():
    sub, args = stack_magic.parse("up -c a.yaml --compose-file b.yaml --prune --resolve-image never -d=false app")
    assert (sub, args.compose_file, args.prune, args.resolve_image, args.detach, args.stack) == (
        "deploy", ["a.yaml", "b.yaml"], True, "never", False, "app")
    assert stack_magic.parse("deploy -c a.yaml app")[1].detach is None
    assert stack_magic.parse("down a b")[1].stacks == ["a", "b"]
    with pytest.raises(InvalidInput, match="not a stack subcommand"):
        stack_magic.parse("scale app")


# -- the cluster ----------------------------------------------------------------------------------------
def cli(manager: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["docker", "-H", manager, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def gone(manager: str, stack: str, timeout: float = 60) -> None:
    """Wait until nothing of the stack is left (a network is freed once its tasks are gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [cli(manager, kind, "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}").stdout.strip()
                for kind in ("service", "network", "secret", "config")]
        if not any(left):
            return
        cli(manager, "stack", "rm", stack, check=False)
        time.sleep(0.5)
    raise AssertionError(f"stack {stack} still there after {timeout}s")


@pytest.fixture
def made(swarm):
    """Stack names for this test; each removed at the end, whoever deployed it."""
    names = []

    def name(stem: str = "stk") -> str:
        names.append(f"dmt-{stem}-{uuid.uuid4().hex[:6]}")
        return names[-1]

    yield name
    for stack in names:
        gone(swarm.manager, stack)


def magic(ip, manager: str, line: str):
    return ip.run_line_magic("docker", f"-H {manager} stack {line}")


def normalized(manager: str, stack: str) -> dict:
    """Every service's spec as the manager keeps it, with what must differ between two stacks taken
    out: the stack's name, and the ids of its own networks, secrets and configs (made anew by each
    deploy).  Secret and config references are sorted: the CLI's order of two references of one
    secret is its map's (it changes from one run to the next)."""
    names = cli(manager, "stack", "services", stack, "--format", "{{.Name}}").stdout.split()
    out = {}
    for name in names:
        spec = json.loads(cli(manager, "service", "inspect", name, "--format", "{{json .Spec}}").stdout)
        container = spec["TaskTemplate"]["ContainerSpec"]
        for key in ("Configs", "Secrets"):
            container[key] = sorted(container.get(key) or [], key=lambda r: (r["File"]["Name"]))
        text = re.sub(r'"(SecretID|ConfigID|Target)": "[a-z0-9]{25}"', r'"\1": "ID"', json.dumps(spec))
        out[name.removeprefix(stack)] = json.loads(text.replace(stack, "STACK"))
    return out


def test_the_cli_and_the_magic_deploy_the_same_specs(ip, swarm, made, tmp_path):
    path = write_project(tmp_path)
    theirs, ours = made("cli"), made("magic")
    cli(swarm.manager, "stack", "deploy", "-c", path, theirs)
    stack = magic(ip, swarm.manager, f"deploy -c {path} {ours}")
    assert [s.name for s in stack.services] == [f"{ours}_db", f"{ours}_web"]
    assert normalized(swarm.manager, ours) == normalized(swarm.manager, theirs)
    networks = json.loads(cli(swarm.manager, "network", "inspect", f"{ours}_default", f"{ours}_back").stdout)
    assert [(n["Driver"], n["Scope"], n["Attachable"], n["Labels"]) for n in networks] == [
        ("overlay", "swarm", False, {"com.docker.stack.namespace": ours}),
        ("overlay", "swarm", True, {"com.docker.stack.namespace": ours, "zone": "a"})]


def test_the_cli_sees_and_removes_what_the_magic_deployed(ip, swarm, made, tmp_path, capsys):
    path, name = write_project(tmp_path), made()
    magic(ip, swarm.manager, f"deploy -c {path} {name}")
    out = capsys.readouterr().out
    assert out.startswith("Ignoring unsupported options: build, restart\n")
    assert f"Creating network {name}_back\nCreating network {name}_default\nCreating secret {name}_pw\n" \
           f"Creating config {name}_conf\nCreating service {name}_db\nCreating service {name}_web\n" in out
    assert "Since --detach=false was not specified" in out
    assert re.search(rf"^{name}\s+2$", cli(swarm.manager, "stack", "ls").stdout, re.M)
    listed = magic(ip, swarm.manager, f"services --format '{{{{.Name}}}} {{{{.Mode}}}}' {name}")
    assert str(listed).strip() == cli(swarm.manager, "stack", "services", name, "--format", "{{.Name}} {{.Mode}}").stdout.strip()
    tasks = cli(swarm.manager, "stack", "ps", name, "-q").stdout.split()
    assert sorted(str(magic(ip, swarm.manager, f"ps -q {name}")).split()) == sorted(tasks)
    removed = cli(swarm.manager, "stack", "rm", name).stdout
    assert f"Removing service {name}_web" in removed and f"Removing network {name}_back" in removed


def test_the_magic_sees_and_removes_what_the_cli_deployed(ip, swarm, made, tmp_path):
    path, name = write_project(tmp_path), made()
    cli(swarm.manager, "stack", "deploy", "-c", path, name)
    assert any(r.Name == name and r.Services == 2 for r in magic(ip, swarm.manager, "ls").rows)
    assert f"{name}:2" in str(magic(ip, swarm.manager, "ls --format '{{.Name}}:{{.Services}}'")).splitlines()
    rows = magic(ip, swarm.manager, f"services {name}").rows
    assert [r.Name for r in rows] == [f"{name}_db", f"{name}_web"]
    removed = magic(ip, swarm.manager, f"rm {name}")
    assert removed.lines == [f"Removing service {name}_db", f"Removing service {name}_web", f"Removing secret {name}_pw",
                             f"Removing config {name}_conf", f"Removing network {name}_back",
                             f"Removing network {name}_default"]
    assert cli(swarm.manager, "service", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={name}").stdout == ""


def test_a_redeploy_updates_prunes_and_waits(ip, swarm, made, tmp_path, capsys):
    name = made()
    (tmp_path / "one.yaml").write_text("services:\n  a:\n    image: busybox\n    command: sleep 300\n"
                                       "  b:\n    image: busybox\n    command: sleep 300\n")
    (tmp_path / "two.yaml").write_text("services:\n  a:\n    image: busybox\n    command: sleep 300\n"
                                       "    deploy: {replicas: 2}\n")
    magic(ip, swarm.manager, f"deploy -c one.yaml {name}")
    before = json.loads(cli(swarm.manager, "service", "inspect", f"{name}_a").stdout)[0]
    capsys.readouterr()
    stack = magic(ip, swarm.manager, f"deploy -c two.yaml --prune --detach=false --timeout 120 {name}")
    out = capsys.readouterr().out
    assert f"Removing service {name}_b\n" in out and f"Updating service {name}_a (id: {before['ID']})" in out
    assert "Since --detach" not in out
    [service] = stack.services
    assert service.convergence.outcome == "converged" and service.convergence.running == 2
    assert service.spec["TaskTemplate"]["ContainerSpec"]["Image"] == before["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert cli(swarm.manager, "stack", "services", name, "--format", "{{.Name}}").stdout == f"{name}_a\n"


def test_faults_are_one_line(ip, swarm, made, tmp_path):
    path, name = write_project(tmp_path), made()
    with pytest.raises(Exception, match="is a swarm worker"):
        ip.run_line_magic("docker", f"-H {swarm.worker} stack deploy -c {path} {name}")
    with pytest.raises(Exception, match=f"nothing found in stack: {name}"):
        magic(ip, swarm.manager, f"ps {name}")
    assert magic(ip, swarm.manager, f"rm {name}").lines == [f"Nothing found in stack: {name}"]
