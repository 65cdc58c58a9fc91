"""`%docker stack ...` against the docker CLI on the same two-node swarm (`scripts/engine up swarm`):
the same compose file deployed by both gives the same service specs, each lists and removes what
the other deployed.  The tests without the `swarm` fixture need no engine: the converter on a
compose model, the parsing."""

from __future__ import annotations

import json
import random
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
    stop_grace_period: 1s
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
    stop_grace_period: 1s
    networks: [back]
    deploy:
      mode: global
      endpoint_mode: dnsrr
networks:
  back: {attachable: true, labels: {zone: a}}
secrets:
  pw: {file: ./pw.txt}
configs:
  conf: {file: ./app.conf, template_driver: golang, labels: {kind: conf}}
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


def gone(manager: str, *stacks: str, timeout: float = 60) -> None:
    """Wait until nothing of the stacks is left (a network is freed once its tasks are gone): all
    removed at once, then waited for together."""
    deadline, left = time.monotonic() + timeout, list(stacks)
    while left and time.monotonic() < deadline:
        cli(manager, "stack", "rm", *left, check=False)
        time.sleep(0.5)
        left = [stack for stack in left if any(
            cli(manager, kind, "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}").stdout.strip()
            for kind in ("service", "network", "secret", "config"))]
    if left:
        raise AssertionError(f"stacks {left} still there after {timeout}s")


@pytest.fixture
def made(swarm):
    """Stack names for this test; each removed at the end, whoever deployed it."""
    names = []

    def name(stem: str = "stk") -> str:
        names.append(f"dmt-{stem}-{uuid.uuid4().hex[:6]}")
        return names[-1]

    yield name
    gone(swarm.manager, *names)


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


def objects(manager: str, stack: str) -> dict:
    """The stack's secrets and configs as the manager keeps them (a secret's value it never gives
    back), the stack's name taken out."""
    out = {}
    for kind in ("secret", "config"):
        ids = cli(manager, kind, "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}").stdout.split()
        for spec in (json.loads(cli(manager, kind, "inspect", *ids).stdout) if ids else []):
            out[(kind, spec["Spec"]["Name"].replace(stack, "STACK"))] = json.loads(json.dumps(spec["Spec"]).replace(stack, "STACK"))
    return out


def test_the_cli_and_the_magic_deploy_the_same_specs(ip, swarm, made, tmp_path):
    path = write_project(tmp_path)
    theirs, ours = made("cli"), made("magic")
    cli(swarm.manager, "stack", "deploy", "-c", path, theirs)
    stack = magic(ip, swarm.manager, f"deploy -c {path} {ours}")
    assert [s.name for s in stack.services] == [f"{ours}_db", f"{ours}_web"]
    assert normalized(swarm.manager, ours) == normalized(swarm.manager, theirs)
    assert objects(swarm.manager, ours) == objects(swarm.manager, theirs)
    assert objects(swarm.manager, ours)[("config", "STACK_conf")]["Templating"] == {"Name": "golang"}
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
    removed = magic(ip, swarm.manager, f"rm --detach=false {name}")  # returns once the tasks are gone
    assert "nothing found in stack" in cli(swarm.manager, "stack", "ps", name, check=False).stderr
    assert removed.lines == [f"Removing service {name}_db", f"Removing service {name}_web", f"Removing secret {name}_pw",
                             f"Removing config {name}_conf", f"Removing network {name}_back",
                             f"Removing network {name}_default"]
    assert cli(swarm.manager, "service", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={name}").stdout == ""


def test_a_redeploy_updates_prunes_and_waits(ip, swarm, made, tmp_path, capsys):
    name = made()
    a = "  a:\n    image: busybox\n    command: sleep 300\n    stop_grace_period: 1s\n"
    (tmp_path / "one.yaml").write_text(f"services:\n{a}  b:\n    image: busybox\n    command: sleep 300\n"
                                       "    stop_grace_period: 1s\n")
    (tmp_path / "two.yaml").write_text(f"services:\n{a}    deploy: {{replicas: 2, update_config: {{monitor: 1s}}}}\n")
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


# -- ports, standard input, secrets and configs ----------------------------------------------------------
def ports_file(base: int) -> str:
    """Short-syntax ranges (paired, one target for a published range, unpublished), a host IP the
    CLI warns of, and the long syntax: published from `base` on."""
    return f"""\
services:
  web:
    image: busybox:latest
    command: ["sleep", "300"]
    stop_grace_period: 1s
    ports:
      - "{base}-{base + 1}:80-81"
      - "{base + 2}-{base + 3}:9000-9001/udp"
      - "{base + 10}-{base + 11}:90"
      - "95-96"
      - "127.0.0.1:{base + 20}:97"
      - {{target: 83, published: {base + 4}, protocol: tcp}}
"""


def test_port_ranges_are_one_port_each_sorted_by_published_port(tmp_path):
    (tmp_path / "compose.yaml").write_text(ports_file(8000) + '      - {target: 84, published: "8005-8006"}\n')
    plan = stack_convert.plan("app", stacks.load([str(tmp_path / "compose.yaml")], "app").model)
    ports = [(p["Protocol"], p["TargetPort"], p.get("PublishedPort")) for p in plan.services["web"]["EndpointSpec"]["Ports"]]
    assert ports == [("tcp", 95, None), ("tcp", 96, None), ("tcp", 80, 8000), ("tcp", 81, 8001), ("udp", 9000, 8002),
                     ("udp", 9001, 8003), ("tcp", 83, 8004), ("tcp", 84, 8005), ("tcp", 84, 8006), ("tcp", 90, 8010),
                     ("tcp", 90, 8011), ("tcp", 97, 8020)]
    assert plan.warnings == ["WARN[0000] ignoring IP-address (127.0.0.1:8020:97/tcp) service will listen on '0.0.0.0'"]


def test_secrets_and_configs_keep_their_drivers():
    plan = stack_convert.plan("app", {"services": {}, "secrets": {"pw": {"driver": "vault", "driver_opts": {"k": "v"}},
                                                                   "named": {"name": "pw2", "driver": "vault"}}})
    assert plan.secrets == [
        {"Name": "pw2", "Labels": {}, "Driver": {"Name": "vault"}},
        {"Name": "app_pw", "Labels": {stack_convert.NAMESPACE: "app"}, "Driver": {"Name": "vault", "Options": {"k": "v"}}}]


def test_a_compose_file_on_stdin_is_read_once_and_named(tmp_path):
    (tmp_path / "pw.txt").write_text("s3cret")
    text = "services:\n  a: {image: busybox, secrets: [pw]}\nsecrets:\n  pw: {file: ./pw.txt}\n"
    model = stacks.load(["-"], "app", cwd=str(tmp_path), stdin=text).model
    assert model["secrets"]["pw"]["file"] == str(tmp_path / "pw.txt")
    for files, stdin, said in ((["-"], None, "nothing comes in on standard input"),
                               (["-", "-"], text, "read once"), (["-"], " \n", "standard input is empty")):
        with pytest.raises(InvalidInput, match=said):
            stacks.load(files, "app", cwd=str(tmp_path), stdin=stdin)


def test_the_cli_and_the_magic_publish_the_same_port_ranges(ip, swarm, made, tmp_path):
    base = random.randrange(20000, 29000, 100)  # published on every node: apart from other tests' ports
    (tmp_path / "cli.yaml").write_text(ports_file(base))
    (tmp_path / "compose.yaml").write_text(ports_file(base + 50))
    theirs, ours = made("cli"), made("magic")
    said = cli(swarm.manager, "stack", "deploy", "-c", str(tmp_path / "cli.yaml"), theirs).stderr
    stack = magic(ip, swarm.manager, f"deploy -c compose.yaml {ours}")
    assert f"msg=\"ignoring IP-address (127.0.0.1:{base + 20}:97/tcp) service will listen on '0.0.0.0'\"" in said
    assert stack.warnings == [f"WARN[0000] ignoring IP-address (127.0.0.1:{base + 70}:97/tcp) service will listen on '0.0.0.0'"]

    def shifted(spec: dict, by: int) -> dict:
        for port in spec["_web"]["EndpointSpec"]["Ports"]:
            if port.get("PublishedPort"):
                port["PublishedPort"] -= by
        return spec

    assert shifted(normalized(swarm.manager, ours), base + 50) == shifted(normalized(swarm.manager, theirs), base)


def test_a_compose_file_from_stdin_deploys_as_the_clis(ip, swarm, made, tmp_path):
    """`-c -` as the CLI reads it, its relative paths from the working folder (not the file's):
    the CLI's stdin, the cell of %%docker_stack, and `< FILE` on a %docker line."""
    (tmp_path / "pw.txt").write_text("s3cret")
    (tmp_path / "app.conf").write_text("mode=stdin\n")
    (tmp_path / "elsewhere").mkdir()
    text = ("services:\n  a:\n    image: busybox:latest\n    command: [sleep, '300']\n    stop_grace_period: 1s\n"
            "    secrets: [pw]\n    configs: [conf]\n"
            "secrets:\n  pw: {file: ./pw.txt}\nconfigs:\n  conf: {file: ./app.conf}\n")
    (tmp_path / "elsewhere" / "compose.yaml").write_text(text)
    theirs, ours = made("cli"), made("magic")
    proc = subprocess.run(["docker", "-H", swarm.manager, "stack", "deploy", "-c", "-", theirs], input=text,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    stack = ip.run_cell_magic("docker_stack", f"-H {swarm.manager} deploy -c - {ours}", text)
    assert [s.name for s in stack.services] == [f"{ours}_a"]
    assert normalized(swarm.manager, ours) == normalized(swarm.manager, theirs)
    assert objects(swarm.manager, ours) == objects(swarm.manager, theirs)
    again = ip.run_line_magic("docker", f"-H {swarm.manager} stack deploy -c - {ours} < elsewhere/compose.yaml")
    assert f"Updating service {ours}_a (id: {stack.services[0].id})" in again.lines
    assert normalized(swarm.manager, ours) == normalized(swarm.manager, theirs)


def test_stdin_faults_are_one_line(ip, swarm):
    for line, said in ((f"-H {swarm.manager} stack deploy -c - app", "nothing comes in on standard input"),
                       (f"-H {swarm.manager} stack deploy -c - -c - app < /dev/null", "read once"),
                       (f"-H {swarm.manager} stack deploy -c - app < /dev/null", "standard input is empty")):
        with pytest.raises(InvalidInput, match=said):
            ip.run_line_magic("docker", line)
    with pytest.raises(InvalidInput, match="name it with -c -"):
        ip.run_cell_magic("docker_stack", f"-H {swarm.manager} deploy -c compose.yaml app", "services: {}\n")
    with pytest.raises(InvalidInput, match="only deploy reads a cell"):
        ip.run_cell_magic("docker_stack", f"-H {swarm.manager} ls", "services: {}\n")


@pytest.mark.parametrize("declared, said", [
    ("secrets:\n  s: {environment: DMT_STACK_VALUE}\n", "secrets.s Additional property environment is not allowed"),
    ("secrets:\n  s: {content: inline-value}\n", "secrets.s Additional property content is not allowed"),
    ("configs:\n  c: {environment: DMT_STACK_VALUE}\n", "configs.c Additional property environment is not allowed"),
    ("configs:\n  c: {content: inline-value}\n", "configs.c Additional property content is not allowed"),
])
def test_secrets_and_configs_from_the_environment_or_content_are_refused_as_the_cli_refuses_them(
        ip, swarm, made, monkeypatch, declared, said):
    monkeypatch.setenv("DMT_STACK_VALUE", "hidden-value")
    with open("compose.yaml", "w") as f:
        f.write("services:\n  a: {image: busybox, command: [sleep, '300']}\n" + declared)
    theirs, ours = made("cli"), made("magic")
    proc = cli(swarm.manager, "stack", "deploy", "-c", "compose.yaml", theirs, check=False)
    assert (proc.returncode, proc.stderr.strip()) == (1, said)
    with pytest.raises(InvalidInput) as refused:
        magic(ip, swarm.manager, f"deploy -c compose.yaml {ours}")
    assert str(refused.value).startswith(said + " (") and "hidden-value" not in str(refused.value)
    for stack in (theirs, ours):
        assert cli(swarm.manager, "network", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}").stdout == ""
