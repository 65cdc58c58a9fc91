"""`%docker service ...` against the docker CLI on the same two-node swarm (`scripts/engine up
swarm`): the CLI and the magics make the same specs, print the same tables, and each manages
what the other made.  The tests without the `swarm` fixture need no engine: the spec builder,
the columns, the convergence on recorded engine answers, the views."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.swarm import convergence, service_pretty, service_spec, services, tasks
from dockermagic.text import units

IMAGE = "busybox:latest"  # loaded into both nodes by scripts/engine up swarm


# -- the cluster: tests/support/swarm_fixtures.py's `swarm` ---------------------------------------------
@pytest.fixture
def manager(swarm):
    return swarm.manager


@pytest.fixture
def made(manager):
    """Service names for this test; every one removed at the end, whoever made it."""
    names = []

    def name(stem: str = "svc") -> str:
        names.append(f"dmt-{stem}-{uuid.uuid4().hex[:6]}")
        return names[-1]

    name.names = names   # for fixtures whose objects these services use: they remove the services first
    yield name
    if names:
        subprocess.run(["docker", "-H", manager, "service", "rm", *names], capture_output=True, timeout=60)


def cli(manager: str, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["docker", "-H", manager, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout


def magic(ip, manager: str, line: str):
    return ip.run_line_magic("docker", f"-H {manager} service {line}")


def spec_of(manager: str, name: str) -> dict:
    spec = json.loads(cli(manager, "service", "inspect", name, "--format", "{{json .Spec}}"))
    spec.pop("Name")
    return spec


def wait_running(manager: str, name: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = cli(manager, "service", "ps", name, "--filter", "desired-state=running", "--format", "{{.CurrentState}}")
        if sum(s.startswith("Running") for s in states.split("\n")) >= count:
            return
        time.sleep(0.3)
    raise AssertionError(f"{name}: {count} tasks not running in {timeout}s")


AGES = re.compile(r"(Running|Pending|Preparing|Starting|Assigned|Accepted|Ready|Shutdown|Complete|Failed|Rejected|New) "
                  r"(less than a second|about a minute|about an hour|\d+ \w+) ago")


def no_ages(text: str) -> str:
    """Ages tick between two listings: CURRENT STATE without them (and the CLI's padding after)."""
    return re.sub(r" +", " ", AGES.sub(r"\1 AGO", text))


# -- the spec, without an engine -----------------------------------------------------------------------
# what `docker service create --name x busybox sleep 300` (CLI 28) sends, read back from the manager
CLI_DEFAULTS = {
    "Labels": {}, "TaskTemplate": {
        "ContainerSpec": {"Image": "busybox:latest", "Args": ["sleep", "300"], "Init": False,
                          "StopGracePeriod": 10_000_000_000, "DNSConfig": {}, "Isolation": "default"},
        "Resources": {"Limits": {}, "Reservations": {}},
        "RestartPolicy": {"Condition": "any", "Delay": 5_000_000_000, "MaxAttempts": 0}, "Placement": {}},
    "Mode": {"Replicated": {"Replicas": 1}},
    "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5_000_000_000, "MaxFailureRatio": 0,
                     "Order": "stop-first"},
    "RollbackConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5_000_000_000, "MaxFailureRatio": 0,
                       "Order": "stop-first"},
    "EndpointSpec": {"Mode": "vip"}}


def test_a_new_spec_has_the_clis_defaults():
    spec = service_spec.apply(service_spec.defaults("busybox", ["sleep", "300"], "x"), {})
    assert spec.pop("Name") == "x"
    assert spec == CLI_DEFAULTS


def test_options_land_where_the_cli_puts_them():
    names = []
    spec = service_spec.apply(service_spec.defaults(IMAGE), {
        "replicas": "4", "publish": ["8080:80", "published=9000,target=90,mode=host,protocol=udp", "53/udp"],
        "limit_cpu": "0.5", "limit_memory": "64m", "limit_pids": "20", "reserve_memory": "1g",
        "restart_condition": "on-failure", "restart_window": "1m30s", "update_failure_action": "rollback",
        "rollback_monitor": "0", "secret": ["db_pw", "source=key,target=/run/k,mode=0400"], "network": ["backend"],
        "placement_pref": ["spread=node.labels.zone"], "host": ["db:10.0.0.9"], "no_healthcheck": True,
        "env_file": [], "mount": ["type=volume,source=data,target=/data,volume-driver=local,volume-nocopy"],
    }, resolve=lambda kind, name: names.append((kind, name)) or f"id-{name}")
    template, container = spec["TaskTemplate"], spec["TaskTemplate"]["ContainerSpec"]
    assert spec["Mode"] == {"Replicated": {"Replicas": 4}}
    assert spec["EndpointSpec"]["Ports"] == [
        {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
        {"Protocol": "udp", "TargetPort": 90, "PublishedPort": 9000, "PublishMode": "host"},
        {"Protocol": "udp", "TargetPort": 53, "PublishMode": "ingress"}]
    assert template["Resources"] == {"Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 64 << 20, "Pids": 20},
                                     "Reservations": {"MemoryBytes": 1 << 30}}
    assert template["RestartPolicy"] == {"Condition": "on-failure", "Delay": 5_000_000_000, "MaxAttempts": 0,
                                         "Window": 90_000_000_000}
    assert spec["UpdateConfig"]["FailureAction"] == "rollback" and spec["RollbackConfig"]["Monitor"] == 0
    assert container["Secrets"][1] == {"SecretID": "id-key", "SecretName": "key",
                                       "File": {"Name": "/run/k", "UID": "0", "GID": "0", "Mode": 0o400}}
    assert template["Networks"] == [{"Target": "id-backend"}]
    assert template["Placement"]["Preferences"] == [{"Spread": {"SpreadDescriptor": "node.labels.zone"}}]
    assert container["Hosts"] == ["10.0.0.9 db"] and container["Healthcheck"] == {"Test": ["NONE"]}
    assert container["Mounts"][0]["VolumeOptions"] == {"NoCopy": True, "DriverConfig": {"Name": "local", "Options": {}}}
    assert ("secret", "db_pw") in names and ("network", "backend") in names


def test_an_update_changes_only_what_it_names():
    spec = service_spec.apply(service_spec.defaults(IMAGE), {
        "env": ["A=1", "B=2"], "label": ["keep=1", "drop=2"], "publish": ["8080:80", "8443:443"],
        "constraint": ["node.role==worker"], "limit_memory": "64m"})
    updated = service_spec.apply(spec, {
        "env_add": ["B=3", "C=4"], "env_rm": ["A"], "label_rm": ["drop"], "label_add": ["new=1"],
        "publish_rm": ["443"], "publish_add": ["9000:90"], "constraint_rm": ["node.role==worker"],
        "constraint_add": ["node.role==manager"], "limit_cpu": "1", "replicas": 0, "force": True}, creating=False)
    container = updated["TaskTemplate"]["ContainerSpec"]
    assert container["Env"] == ["B=3", "C=4"]
    assert updated["Labels"] == {"keep": "1", "new": "1"}
    assert [p["TargetPort"] for p in updated["EndpointSpec"]["Ports"]] == [80, 90]
    assert updated["TaskTemplate"]["Placement"]["Constraints"] == ["node.role==manager"]
    assert updated["TaskTemplate"]["Resources"]["Limits"] == {"MemoryBytes": 64 << 20, "NanoCPUs": 1_000_000_000}
    assert updated["Mode"]["Replicated"]["Replicas"] == 0 and updated["TaskTemplate"]["ForceUpdate"] == 1
    assert spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["A=1", "B=2"]  # the original is left alone


@pytest.mark.parametrize("options, said", [
    ({"mode": "replicated-job"}, "--mode 'replicated-job'"),
    ({"replicas": "many"}, "--replicas 'many'"),
    ({"limit_cpu": "lots"}, "--limit-cpu 'lots'"),
    ({"limit_memory": "64q"}, "--limit-memory '64q'"),
    ({"restart_delay": "5 seconds"}, "--restart-delay '5 seconds'"),
    ({"restart_condition": "always"}, "--restart-condition 'always'"),
    ({"update_order": "random"}, "--update-order 'random'"),
    ({"update_max_failure_ratio": "2"}, "--update-max-failure-ratio '2'"),
    ({"publish": ["80:http"]}, "-p '80:http'"),
    ({"publish": ["target=80,colour=red"]}, "unknown key 'colour'"),
    ({"mount": ["type=volume,target=/d,size=1"]}, "unknown key 'size'"),
    ({"constraint": ["node.role"]}, "--constraint 'node.role'"),
    ({"placement_pref": ["pack=node.id"]}, "--placement-pref 'pack=node.id'"),
    ({"name": "-web"}, "--name '-web'"),
    ({"secret": ["target=/x"]}, "source is required"),
])
def test_bad_options_are_one_line_before_anything_is_sent(options, said):
    with pytest.raises(InvalidInput) as caught:
        service_spec.apply(service_spec.defaults(IMAGE), options)
    assert said in str(caught.value) and "\n" not in str(caught.value)


def test_the_global_mode_takes_no_replicas():
    spec = service_spec.apply(service_spec.defaults(IMAGE), {"mode": "global"})
    assert spec["Mode"] == {"Global": {}}
    with pytest.raises(InvalidInput, match="replicated mode"):
        service_spec.apply(service_spec.defaults(IMAGE), {"mode": "global", "replicas": 2})


def test_columns_as_the_cli_prints_them():
    ports = [{"PublishedPort": p, "TargetPort": t, "Protocol": "tcp", "PublishMode": "ingress"}
             for p, t in ((8080, 80), (8081, 81), (9000, 90))]
    assert services.ports_text(ports + [{"PublishedPort": 53, "TargetPort": 53, "Protocol": "udp"}]) == \
        "*:8080-8081->80-81/tcp, *:9000->90/tcp, *:53->53/udp"
    assert tasks.image_text("busybox:latest@sha256:" + "a" * 64) == "busybox:latest"
    assert tasks.image_text("busybox@sha256:" + "a" * 64) == "busybox@sha256:" + "a" * 64
    assert [units.human_duration(s) for s in (0.2, 1, 5, 61, 300, 3600, 7200)] == [
        "less than a second", "1 second", "5 seconds", "about a minute", "5 minutes", "about an hour", "2 hours"]
    assert [service_pretty.go_duration(n) for n in (0, 5 * 10**9, 90 * 10**9, 3600 * 10**9, 5 * 10**8)] == [
        "0s", "5s", "1m30s", "1h0m0s", "500ms"]
    assert service_pretty.bytes_size(64 << 20) == "64MiB"


def _task(task_id, slot, state, created, desired="running", error="", node="n1"):
    return {"ID": task_id, "Slot": slot, "NodeID": node, "DesiredState": desired, "CreatedAt": created,
            "Spec": {"ContainerSpec": {"Image": IMAGE + "@sha256:" + "b" * 64}},
            "Status": {"State": state, "Timestamp": "2026-01-01T00:00:00Z", "Err": error}}


def test_ps_rows_name_each_slot_and_indent_its_history():
    raws = [_task("a" * 25, 1, "shutdown", "2026-01-01T00:00:00Z", desired="shutdown"),
            _task("b" * 25, 1, "running", "2026-01-01T00:01:00Z"),
            _task("c" * 25, 10, "pending", "2026-01-01T00:00:00Z",
                  error="no suitable node (scheduling constraints not satisfied on 2 nodes)"),
            _task("d" * 25, 2, "running", "2026-01-01T00:00:00Z")]
    listing = tasks.TaskList(tasks.ordered([tasks.from_raw({**t, "ServiceID": "s1"}, {"s1": "web"}, {"n1": "node-1"})
                                           for t in raws]))
    rows = listing.rows(now=units_epoch("2026-01-01T00:00:05Z"))
    assert [r.Name for r in rows] == ["web.1", " \\_ web.1", "web.2", "web.10"]
    assert rows[0].ID == "b" * 12 and rows[0].Image == IMAGE and rows[0].CurrentState == "Running 5 seconds ago"
    assert rows[3].Error == '"no suitable node (scheduling …"'
    assert [r.Name for r in listing.rows(table=False)][1] == "web.1"


def units_epoch(text):
    from dockermagic.text import units

    return units.to_epoch(text)


class FakeAPI:
    """The three answers convergence reads, scripted poll by poll."""

    def __init__(self, polls, replicas=2):
        self.polls, self.replicas, self.i = polls, replicas, -1

    def inspect_service(self, _):
        self.i = min(self.i + 1, len(self.polls) - 1)
        return {"ID": "s1", "Spec": {"Mode": {"Replicated": {"Replicas": self.replicas}},
                                     "UpdateConfig": {"Monitor": 1}}}

    def tasks(self, filters):
        return self.polls[self.i][0]

    def nodes(self):
        return [{"ID": n, "Description": {"Hostname": n}, "Status": {"State": s, "Message": m}}
                for n, (s, m) in self.polls[self.i][1].items()]


class FakeEngine:
    def __init__(self, api):
        self.api, self.label, self.address = api, "fake", "fake"


def test_convergence_follows_slots_says_the_scheduler_and_a_node_down(monkeypatch):
    monkeypatch.setattr(convergence, "POLL", 0)
    up = {"n1": ("ready", ""), "n2": ("ready", "")}
    reason = "no suitable node (scheduling constraints not satisfied on 2 nodes)"
    polls = [
        ([_task("t1", 1, "pending", "x", error=reason), _task("t2", 2, "running", "x", node="n2")], up),
        ([_task("t1", 1, "starting", "x"), _task("t2", 2, "running", "x", node="n2")],
         {"n1": ("ready", ""), "n2": ("down", "heartbeat failure")}),
        ([_task("t1", 1, "running", "x"), _task("t3", 2, "running", "x")], {"n1": ("ready", ""), "n2": ("down", "")}),
    ]
    result = convergence.Convergence("web")
    seen = []
    for event in convergence.converge(FakeEngine(FakeAPI(polls)), "s1", result, timeout=10):
        seen.append(event)
        if isinstance(event, convergence.SlotChanged) and event.slot.error:
            assert result.pending_reasons() == [reason]
    assert isinstance(seen[-1], convergence.Converged) and result.outcome == "converged"
    downs = [e for e in seen if isinstance(e, convergence.NodeDown)]
    assert downs[0].node == "n2" and downs[0].state == "down" and result.nodes_down == {"n2": "heartbeat failure"}
    assert len(downs) == 1  # said once, not at every look
    assert result.slots["2/2"].task == "t3" and (result.running, result.desired) == (2, 2)

    from dockermagic.views.swarm.service import ConvergenceView

    service = services.Service("s1", "web", "replicated", 2, IMAGE, "", convergence=result)
    text = ConvergenceView.snapshot(service)["text/plain"]
    assert "overall progress: 2 out of 2 tasks" in text and "1/2: running" in text
    assert "node n2 is down: heartbeat failure" in text and "verify: Service web converged" in text


def test_a_bounded_wait_names_the_schedulers_reason(monkeypatch):
    monkeypatch.setattr(convergence, "POLL", 0.01)
    reason = "no suitable node (scheduling constraints not satisfied on 2 nodes)"
    polls = [([_task("t1", 1, "pending", "x", error=reason)], {"n1": ("ready", "")})]
    result = convergence.Convergence("web")
    with pytest.raises(convergence.ConvergenceError, match=re.escape(f"the scheduler says: {reason}")):
        for _ in convergence.converge(FakeEngine(FakeAPI(polls, replicas=1)), "s1", result, timeout=0.1):
            pass
    assert result.outcome == "timeout"


def test_ctrl_c_stops_the_waiting_only(monkeypatch):
    polls = [([_task("t1", 1, "pending", "x")], {"n1": ("ready", "")})]

    def interrupt(_):
        raise KeyboardInterrupt

    monkeypatch.setattr(convergence.time, "sleep", interrupt)
    result = convergence.Convergence("web")
    with pytest.raises(convergence.WaitInterrupted, match="it goes on converging"):
        for _ in convergence.converge(FakeEngine(FakeAPI(polls, replicas=1)), "s1", result):
            pass
    assert result.outcome == "interrupted"


def test_log_lines_are_prefixed_as_the_cli_prefixes_them():
    from dockermagic.swarm.service_logs import Prefixes

    class API:
        def inspect_task(self, task_id):
            return {"ID": task_id, "Slot": 3}

        def inspect_service(self, _):
            return {"Spec": {"Name": "web"}}

        def nodes(self):
            return [{"ID": "n1", "Description": {"Hostname": "node-1"}}]

    details = b"com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=" + b"t" * 25
    prefixes = Prefixes(FakeEngine(API()), padding=2)
    assert prefixes.line(details + b" hello\n", False) == b"web.3." + b"t" * 12 + b"@node-1     | hello\n"
    stamped = Prefixes(FakeEngine(API()), padding=1, no_task_ids=True)
    assert stamped.line(b"2026-01-01T00:00:00.000000000Z " + details + b" hi\n", True) == \
        b"2026-01-01T00:00:00.000000000Z web.3@node-1    | hi\n"


def test_the_magic_reads_lines_as_the_cli(shell):
    from dockermagic.magics.swarm.service import parse

    sub, args, command = parse("create --name web -p 8080:80 --replicas=3 -e A=1 busybox sh -c 'echo -n hi'")
    assert (sub, args.name, args.publish, args.replicas, args.image) == ("create", "web", ["8080:80"], "3", "busybox")
    assert command == ["sh", "-c", "echo -n hi"]
    sub, args, _ = parse("update --env-add B=2 --image busybox:1.36 --force web")
    assert (sub, args.env_add, args.image, args.force, args.service) == ("update", ["B=2"], "busybox:1.36", True, "web")
    with pytest.raises(InvalidInput, match="not a service subcommand"):
        parse("launch web")


def test_a_worker_and_an_engine_in_no_swarm_say_so(ip, swarm, engine):
    from dockermagic.swarm.cluster import NotAManager

    with pytest.raises(NotAManager, match=f"{re.escape(swarm.worker)} is a swarm worker.*managers: {re.escape(swarm.manager_addr)}:2377"):
        ip.run_line_magic("docker", f"-H {swarm.worker} service ls")
    with pytest.raises(NotAManager, match=f"{re.escape(engine.address)} is not in a swarm"):
        ip.run_line_magic("docker", f"-H {engine.address} service ls")


def test_an_unknown_service_is_one_line(ip, manager):
    from dockermagic.swarm.services import ServiceError

    for line in ("ps dmt-nosuch", "inspect dmt-nosuch", "scale dmt-nosuch=2", "update --force dmt-nosuch"):
        with pytest.raises(ServiceError, match="no such service: dmt-nosuch"):
            magic(ip, manager, line)


# -- against the CLI, on the swarm -----------------------------------------------------------------------
# no published port: a swarm publishes one port for one service only, and both services take these
SPEC_FLAGS = ("--replicas 2 -p 80 -p target=81,protocol=udp --env A=1 --label x=y "
              "--container-label c=d --limit-memory 64m --limit-cpu 0.5 --limit-pids 50 --reserve-memory 32m "
              "--reserve-cpu 0.1 --restart-condition on-failure --restart-max-attempts 3 --restart-delay 2s "
              "--update-parallelism 2 --update-delay 1s --update-order start-first --update-failure-action rollback "
              "--rollback-parallelism 3 --rollback-monitor 2s --health-cmd true --health-interval 5s "
              "--health-retries 2 --constraint node.role==manager --placement-pref spread=node.labels.zone "
              "--mount type=tmpfs,target=/t,tmpfs-size=1m --mount type=bind,source=/tmp,target=/v,readonly "
              "--workdir /tmp --user 0 --hostname h1 --stop-grace-period 3s --stop-signal SIGINT --init --dns 1.1.1.1 "
              "--dns-search example.org --host db:10.0.0.9 --group 10 --entrypoint 'sh -c' --read-only "
              "--log-driver json-file --log-opt max-size=1m --replicas-max-per-node 2 --endpoint-mode vip "
              "--no-resolve-image -d")


def test_create_sends_the_spec_the_cli_sends(ip, manager, made):
    theirs, ours = made("cli"), made("ours")
    cli(manager, "service", "create", "-q", "--name", theirs, *_words(SPEC_FLAGS), IMAGE, "sleep 300")
    magic(ip, manager, f"create --name {ours} {SPEC_FLAGS} {IMAGE} 'sleep 300'")
    assert spec_of(manager, ours) == spec_of(manager, theirs)


def _words(line: str) -> list[str]:
    import shlex

    return shlex.split(line)


UPDATE_FLAGS = ("--env-add B=2 --env-rm A --label-add z=1 --label-rm x --publish-rm 80 --publish-add 82 "
                "--constraint-rm node.role==manager --constraint-add node.role!=nowhere --limit-memory 96m "
                "--update-parallelism 1 --restart-condition any --health-retries 5 --container-label-add e=f "
                "--mount-rm /t --mount-add type=tmpfs,target=/u --dns-add 8.8.8.8 --host-add cache:10.0.0.8 "
                "--args 'sleep 400' --replicas 1 --force -d")


def test_update_sends_what_the_cli_sends(ip, manager, made):
    theirs, ours = made("cli"), made("ours")
    for name in (theirs, ours):
        cli(manager, "service", "create", "-q", "--name", name, *_words(SPEC_FLAGS), IMAGE, "sleep 300")
    cli(manager, "service", "update", "-q", *_words(UPDATE_FLAGS), theirs)
    magic(ip, manager, f"update {UPDATE_FLAGS} {ours}")
    assert spec_of(manager, ours) == spec_of(manager, theirs)


def test_the_cli_and_the_magics_manage_each_others_services(ip, manager, made):
    ours, theirs = made("ours"), made("cli")
    service = magic(ip, manager, f"create --name {ours} --replicas 2 --no-resolve-image {IMAGE} sleep 300")
    assert service.convergence.outcome == "converged" and service.replicas == 2
    assert {s.key for s in service.convergence.slots.values()} == {"1/2", "2/2"}
    cli(manager, "service", "scale", "-d", f"{ours}=3")
    wait_running(manager, ours, 3)
    assert len(magic(ip, manager, f"ps -f desired-state=running {ours}")) == 3
    cli(manager, "service", "create", "-d", "-q", "--name", theirs, "--no-resolve-image", IMAGE, "sleep", "300")
    scaled = magic(ip, manager, f"scale {theirs}=2")
    assert scaled.replicas == 2 and scaled.convergence.running == 2
    assert json.loads(cli(manager, "service", "inspect", theirs, "--format", "{{json .Spec.Mode}}")) == {"Replicated": {"Replicas": 2}}
    magic(ip, manager, f"update --env-add FROM=magic -d {theirs}")
    cli(manager, "service", "rollback", "-d", theirs)
    assert "FROM=magic" not in cli(manager, "service", "inspect", theirs, "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}")
    removed = magic(ip, manager, f"rm {ours} {theirs}")
    assert removed.names == [ours, theirs]
    assert cli(manager, "service", "ls", "-q", "--filter", f"name={ours}") == ""


@pytest.fixture(scope="module")
def listed(swarm):
    """One service with a history in every slot, shared by the cases of the listing test: made
    once, its tasks replaced all at once (`--init`: each stops at once), then left to settle so
    both sides list the same states."""
    name = f"dmt-ls-{uuid.uuid4().hex[:6]}"
    cli(swarm.manager, "service", "create", "-q", "--name", name, "--replicas", "3", "-p", "18094:80", "-p", "18095:81",
        "--init", "--update-parallelism", "3", "--update-monitor", "1s", "--no-resolve-image", IMAGE, "sleep", "300")
    try:
        cli(swarm.manager, "service", "update", "-q", "--force", name)  # a history for every slot
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = cli(swarm.manager, "service", "ps", name, "--format", "{{.DesiredState}} {{.CurrentState}}").split("\n")
            if sum(s.startswith("Running Running") for s in states) == 3 and \
                    sum(s.startswith("Shutdown Shutdown") for s in states) == 3:
                break
            time.sleep(0.3)
        else:
            raise AssertionError(f"{name}: the forced update did not settle in 60s: {states}")
        yield name
    finally:
        subprocess.run(["docker", "-H", swarm.manager, "service", "rm", name], capture_output=True, timeout=60)


@pytest.mark.parametrize("line", [
    "ls --filter name={name}", "ls --filter name={name} --format '{{{{.Name}}}} {{{{.Mode}}}} {{{{.Replicas}}}} {{{{.Ports}}}}'",
    "ls -q --filter name={name}",
    "ps {name}", "ps --no-trunc {name}", "ps -f desired-state=running {name}",
    "ps --format '{{{{.Name}}}}\\t{{{{.Node}}}}\\t{{{{.DesiredState}}}}\\t{{{{.Error}}}}' {name}",
    "ps --format 'table {{{{.ID}}}}\\t{{{{.Name}}}}\\t{{{{.Image}}}}' {name}", "ps -q {name}",
    "ps --no-resolve --format '{{{{.Name}}}} {{{{.Node}}}}' {name}",
    "ps --filter node=swarm-worker --format '{{{{.Name}}}} {{{{.Node}}}}' {name}"])
def test_ls_ps_and_their_formats_print_what_the_cli_prints(ip, manager, listed, line):
    line = line.format(name=listed)
    if line.startswith("ls"):
        from dockermagic.views.swarm.service import services_text

        ours = magic(ip, manager, line)
        text = ours.text if hasattr(ours, "text") else services_text(ours) + "\n"
        assert text == cli(manager, "service", *_words(line)), line
    else:
        from dockermagic.views.swarm.nodes import tasks_text

        ours = magic(ip, manager, line)
        text = ours.text if hasattr(ours, "text") else tasks_text(ours) + "\n"
        assert no_ages(text) == no_ages(cli(manager, "service", *_words(line))), line


def test_inspect_pretty_prints_what_the_cli_prints(ip, manager, made):
    name = made("pretty")
    cli(manager, "service", "create", "-q", "-d", "--name", name, *_words(SPEC_FLAGS), IMAGE, "sleep 300")
    assert magic(ip, manager, f"inspect --pretty {name}").text == cli(manager, "service", "inspect", "--pretty", name)
    assert magic(ip, manager, f"inspect --format '{{{{.Spec.Name}}}} {{{{json .Spec.Mode}}}}' {name}").text == \
        cli(manager, "service", "inspect", "--format", "{{.Spec.Name}} {{json .Spec.Mode}}", name)


def test_a_task_no_node_takes_shows_the_schedulers_reason(ip, manager, made):
    from dockermagic.swarm.convergence import ConvergenceError

    name = made("pending")
    with pytest.raises(ConvergenceError, match=r"no suitable node \(scheduling constraints not satisfied on 2 nodes\)"):
        magic(ip, manager, f"create --name {name} --constraint node.labels.dmt==nowhere --timeout 3 --no-resolve-image {IMAGE} sleep 300")
    line = f"ps --format '{{{{.Name}}}} {{{{.CurrentState}}}} {{{{.Error}}}}' {name}"
    assert no_ages(magic(ip, manager, line).text) == no_ages(cli(manager, "service", *_words(line)))
    assert "no suitable node" in cli(manager, "service", "ps", "--no-trunc", "--format", "{{.Error}}", name)


def test_logs_name_each_line_as_the_cli(ip, manager, made):
    name = made("logs")
    cli(manager, "service", "create", "-q", "--name", name, "--replicas", "2", "--no-resolve-image", IMAGE,
        "sh", "-c", "echo hello from $(hostname); sleep 300")
    deadline = time.monotonic() + 20
    while cli(manager, "service", "logs", name).count("hello") < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    for flags in ("", "--no-task-ids", "--no-trunc", "--raw", "--no-resolve"):
        ours = magic(ip, manager, f"logs {flags} {name}")
        theirs = cli(manager, "service", "logs", *flags.split(), name)
        assert sorted(ours.logs.splitlines()) == sorted(theirs.splitlines()) and ours.logs.count("hello") == 2, flags


def test_text_of_a_converging_service_is_the_clis_progress(ip, manager, made, capsys):
    name = made("progress")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    magic(ip, manager, f"create --name {name} --replicas 2 --no-resolve-image {IMAGE} sleep 300")
    out = capsys.readouterr().out
    assert "overall progress: 2 out of 2 tasks" in out and "verify: Service " + name + " converged" in out
    assert re.search(r"^1/2: running +\[=+>\]$", out, re.M), out
    assert os.environ.get("DOCKER_HOST", "") != manager  # -H chose the manager for this call only


def test_update_image_changes_the_image(ip, manager, made):
    name = made("img")
    cli(manager, "service", "create", "-d", "--name", name, "--no-resolve-image", IMAGE, "sleep", "300")
    magic(ip, manager, f"update -d --no-resolve-image --image busybox:1.36 {name}")
    assert spec_of(manager, name)["TaskTemplate"]["ContainerSpec"]["Image"] == "busybox:1.36"
