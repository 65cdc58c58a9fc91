"""`service create` / `service update` flags beyond tests/swarm/test_services.py's, each sent
side by side with the docker CLI 28 on the shared swarm: one service made (or updated) by the CLI,
one by dockermagic, the two specs compared without their names.  Every flag of the CLI's
`--help` is accepted here, and either honoured or refused in one line saying why."""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import pytest
import test_services as shared

from dockermagic.errors import InvalidInput
from dockermagic.swarm import service_runtime, service_spec

# test_services' helpers and fixtures (`manager`: the shared swarm's; `made`: service names removed after)
IMAGE, cli, magic, spec_of, _words = shared.IMAGE, shared.cli, shared.magic, shared.spec_of, shared._words
manager, made = shared.manager, shared.made


def _cli_flags(sub: str) -> set[str]:
    out = subprocess.run(["docker", "service", sub, "--help"], capture_output=True, text=True).stdout
    return {f for line in out.splitlines() for f in re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", line)}


@pytest.mark.parametrize("sub", ["create", "update"])
def test_every_flag_of_the_cli_is_accepted(sub):
    from dockermagic.magics.swarm.service import SUBCOMMANDS

    ours = {o for a in SUBCOMMANDS[sub]._actions for o in a.option_strings}
    assert _cli_flags(sub) - ours == set()


# -- the spec, without an engine ---------------------------------------------------------------------
def test_capabilities_as_the_cli_merges_them():
    spec = service_spec.apply(service_spec.defaults(IMAGE), {"cap_add": ["net_admin", "CAP_SYS_TIME", "chown"],
                                                            "cap_drop": ["chown", "mknod"]})
    c = spec["TaskTemplate"]["ContainerSpec"]
    assert c["CapabilityAdd"] == ["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_TIME"] and c["CapabilityDrop"] == ["CAP_MKNOD"]
    updated = service_spec.apply(spec, {"cap_drop": ["net_admin", "kill"], "cap_add": ["mknod"]}, creating=False)
    c = updated["TaskTemplate"]["ContainerSpec"]
    # dropping an added one takes it off the added list only; adding a dropped one, likewise
    assert c["CapabilityAdd"] == ["CAP_CHOWN", "CAP_SYS_TIME"] and c["CapabilityDrop"] == ["CAP_KILL"]
    c = service_spec.apply(spec, {"cap_add": ["ALL", "chown"]})["TaskTemplate"]["ContainerSpec"]
    assert c["CapabilityAdd"] == ["ALL"]
    c = service_spec.apply(spec, {"cap_add": ["RESET", "kill"]}, creating=False)["TaskTemplate"]["ContainerSpec"]
    assert c["CapabilityAdd"] == ["CAP_KILL"] and c["CapabilityDrop"] == ["CAP_MKNOD"]


@pytest.mark.parametrize("options, said", [
    ({"ulimit": ["foo=1"]}, "invalid ulimit type: foo"),
    ({"ulimit": ["nofile=10:5"]}, "ulimit soft limit must be less than or equal to hard limit: 10 > 5"),
    ({"ulimit": ["nofile"]}, "NAME=SOFT[:HARD]"),
    ({"generic_resource": ["gpu"]}, "invalid generic-resource format `gpu` expected `name=value`"),
    ({"generic_resource": ["gpu=abc"]}, "Named Generic Resources is not supported for service create or update"),
    ({"credential_spec": "foo"}, 'value must be prefixed with "config://", "file://", or "registry://"'),
    ({"max_concurrent": "2"}, "--max-concurrent is for --mode replicated-job, and dockermagic does not run jobs"),
    ({"mode": "global-job"}, "dockermagic does not run jobs"),
])
def test_bad_values_are_the_clis_one_line(options, said):
    with pytest.raises(InvalidInput) as caught:
        service_spec.apply(service_spec.defaults(IMAGE), options)
    assert said in str(caught.value) and "\n" not in str(caught.value)


def test_a_generic_resource_removed_must_be_there():
    with pytest.raises(InvalidInput, match="could not find generic-resource `gpu` to remove it"):
        service_spec.apply(service_spec.defaults(IMAGE), {"generic_resource_rm": ["gpu"]}, creating=False)
    assert service_runtime.generic_resource("gpu=2", "--generic-resource") == \
        {"DiscreteResourceSpec": {"Kind": "gpu", "Value": 2}}


# -- against the CLI, on the shared swarm -------------------------------------------------------------
@pytest.fixture
def objects(manager, made):
    """Two configs, a secret and two overlay networks for one test, removed after it (after the
    test's services, which hold them while they exist)."""
    tag = uuid.uuid4().hex[:6]
    names = {k: f"dmt-{k}-{tag}" for k in ("cfg", "cfg2", "cfg3", "sec", "net", "net2")}
    for kind in ("cfg", "cfg2", "cfg3"):
        subprocess.run(["docker", "-H", manager, "config", "create", names[kind], "-"], input=b"x", capture_output=True,
                       check=True)
    subprocess.run(["docker", "-H", manager, "secret", "create", names["sec"], "-"], input=b"s", capture_output=True,
                   check=True)
    for net in ("net", "net2"):
        cli(manager, "network", "create", "-d", "overlay", names[net])
    yield names
    if made.names:
        subprocess.run(["docker", "-H", manager, "service", "rm", *made.names], capture_output=True, timeout=60)
    kinds = {"net": "network", "net2": "network", "cfg": "config", "cfg2": "config", "cfg3": "config", "sec": "secret"}
    left = [(kinds[k], name) for k, name in names.items()]
    deadline = time.monotonic() + 30   # a removed service's tasks let go of its networks a moment later
    while left and time.monotonic() < deadline:
        left = [(kind, name) for kind, name in left
                if subprocess.run(["docker", "-H", manager, kind, "rm", name], capture_output=True).returncode != 0
                and subprocess.run(["docker", "-H", manager, kind, "inspect", name], capture_output=True).returncode == 0]
        if left:
            time.sleep(0.5)
    assert not left, f"left on the swarm: {left}"


CREATE = ("--cap-add net_admin --cap-add SYS_TIME --cap-drop CHOWN --cap-drop net_admin --ulimit nofile=1024:2048 "
          "--ulimit nproc=100 --generic-resource gpu=2 --generic-resource fpga=1 --credential-spec config://{cfg} "
          "--config {cfg2} --secret {sec} --network {net} --sysctl net.core.somaxconn=1024 --dns-option ndots:2 "
          "--dns-search a.example --dns 9.9.9.9 --tty --isolation default --stop-signal SIGTERM "
          "--health-cmd true --health-start-period 10s --health-timeout 3s --restart-window 30s "
          "--rollback-order start-first --rollback-failure-action continue --rollback-max-failure-ratio 0.2 "
          "--rollback-delay 2s --update-monitor 10s --update-max-failure-ratio 0.5 -l a=b -l c "
          "--container-label c=d --env-file {env} -e A=1 -e B=2 --placement-pref spread=node.labels.zone "
          "--host db:10.0.0.9 --host cache:10.0.0.8 --group 10 --group 20 --user 0 --workdir /tmp --hostname h1 "
          "--with-registry-auth --no-resolve-image -d")


def _flags(text: str, names: dict, tmp_path) -> str:
    env = tmp_path / "service.env"
    env.write_text("FROM_FILE=1\n# a comment\nA=0\n")
    return text.format(**names, env=env)


def _same(ours: dict, theirs: dict) -> None:
    """Two specs alike; generic resources and the environment compared as sets (the CLI's update
    lists them from a Go map: in no order)."""
    for spec in (ours, theirs):
        container = spec["TaskTemplate"]["ContainerSpec"]
        container["Env"] = sorted(container.get("Env") or [])
        reservations = spec["TaskTemplate"].get("Resources", {}).get("Reservations", {})
        if reservations.get("GenericResources"):
            reservations["GenericResources"].sort(key=lambda r: r["DiscreteResourceSpec"]["Kind"])
    assert _differences(ours, theirs) == []


def _differences(ours, theirs, path="") -> list:
    """Where two JSON values differ, as (path, ours, theirs) leaves: a readable failure."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return [d for k in sorted(set(ours) | set(theirs))
                for d in _differences(ours.get(k), theirs.get(k), f"{path}.{k}")]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(ours, theirs)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if ours == theirs else [(path, ours, theirs)]


def test_create_flags_send_the_spec_the_cli_sends(ip, manager, made, objects, tmp_path):
    theirs, ours = made("cli"), made("ours")
    flags = _flags(CREATE, objects, tmp_path)
    cli(manager, "service", "create", "-q", "--name", theirs, *_words(flags), IMAGE, "sleep", "300")
    magic(ip, manager, f"create --name {ours} {flags} {IMAGE} sleep 300")
    spec = spec_of(manager, ours)
    _same(spec, spec_of(manager, theirs))
    c = spec["TaskTemplate"]["ContainerSpec"]
    assert c["Ulimits"][0] == {"Name": "nofile", "Hard": 2048, "Soft": 1024}
    assert c["Privileges"]["CredentialSpec"]["Config"] == cli(manager, "config", "inspect", "-f", "{{.ID}}",
                                                              objects["cfg"]).strip()
    assert c["CapabilityAdd"] == ["CAP_NET_ADMIN", "CAP_SYS_TIME"] and c["CapabilityDrop"] == ["CAP_CHOWN"]
    # the CLI's --pretty fails on a runtime config (no File); dockermagic's prints the rest
    assert f"Name:\t\t{ours}" in magic(ip, manager, f"inspect --pretty {ours}").text


UPDATE = ("--cap-add chown --cap-drop sys_time --ulimit-add nofile=512 --ulimit-rm nproc "
          "--generic-resource-add ssd=1 --generic-resource-rm gpu --credential-spec registry://dm-key "
          "--config-rm {cfg2} --config-add {cfg3} --secret-rm {sec} "
          "--secret-add source={sec},target=/run/x,mode=0400 --network-rm {net} --network-add {net2} "
          "--placement-pref-rm spread=node.labels.zone --placement-pref-add spread=node.labels.rack "
          "--group-add 30 --group-rm 10 --dns-rm 9.9.9.9 --dns-search-add b.example --dns-option-rm ndots:2 "
          "--dns-option-add timeout:2 --sysctl-add net.ipv4.ip_forward=1 --sysctl-rm net.core.somaxconn "
          "--host-rm db --host-add web:10.0.0.7 --entrypoint 'sh -c' --user 1 --workdir /x --hostname h2 --init "
          "--read-only --stop-signal SIGINT --stop-grace-period 2s --log-driver json-file --log-opt max-file=2 "
          "--no-healthcheck --replicas-max-per-node 1 --label-rm a --label-add e=f --container-label-rm c "
          "--env-rm A --env-add C=3 --restart-max-attempts 2 --limit-pids 30 --reserve-cpu 0.1 "
          "--update-order start-first --rollback-parallelism 2 --args 'sleep 301' --no-resolve-image -d")


def test_update_flags_send_what_the_cli_sends(ip, manager, made, objects, tmp_path):
    theirs, ours = made("cli"), made("ours")
    created = _flags(CREATE, objects, tmp_path)
    for name in (theirs, ours):
        cli(manager, "service", "create", "-q", "--name", name, *_words(created), IMAGE, "sleep", "300")
    flags = _flags(UPDATE, objects, tmp_path)
    cli(manager, "service", "update", "-q", *_words(flags), theirs)
    magic(ip, manager, f"update {flags} {ours}")
    spec = spec_of(manager, ours)
    _same(spec, spec_of(manager, theirs))
    c = spec["TaskTemplate"]["ContainerSpec"]
    assert c["Ulimits"] == [{"Name": "nofile", "Hard": 512, "Soft": 512}]
    assert c["Privileges"]["CredentialSpec"]["Registry"] == "dm-key"
    assert not any("Runtime" in ref for ref in c.get("Configs") or [])  # config:// gone with its runtime config
    ids = {name: cli(manager, "service", "inspect", "-f", "{{.ID}}", name).strip() for name in (ours, theirs)}
    assert _env_sorted(magic(ip, manager, f"inspect --pretty {ours}").text) == _env_sorted(
        cli(manager, "service", "inspect", "--pretty", theirs).replace(theirs, ours).replace(ids[theirs], ids[ours]))


def _env_sorted(text: str) -> str:
    """`--pretty` with its Env line's words sorted (the CLI's update orders them from a Go map)."""
    return re.sub(r"^ Env:\t\t(.*)$", lambda m: " Env:\t\t" + " ".join(sorted(m.group(1).split())), text, flags=re.M)


def test_an_empty_credential_spec_removes_it_as_the_cli(ip, manager, made, objects):
    theirs, ours = made("cli"), made("ours")
    for name in (theirs, ours):
        cli(manager, "service", "create", "-q", "-d", "--name", name, "--credential-spec", "file://spec.json",
            "--no-resolve-image", IMAGE, "sleep", "300")
    cli(manager, "service", "update", "-q", "-d", "--credential-spec", "", theirs)
    magic(ip, manager, f"update -d --credential-spec '' {ours}")
    assert spec_of(manager, ours) == spec_of(manager, theirs)
    assert not (spec_of(manager, ours)["TaskTemplate"]["ContainerSpec"].get("Privileges") or {}).get("CredentialSpec")


def test_global_mode_and_endpoint_flags_send_what_the_cli_sends(ip, manager, made):
    theirs, ours = made("cli"), made("ours")
    flags = "--mode global --endpoint-mode dnsrr --cap-add ALL --cap-drop kill -d -q"
    cli(manager, "service", "create", "--name", theirs, *_words(flags), "--no-resolve-image", IMAGE, "sleep", "300")
    magic(ip, manager, f"create --name {ours} {flags} --no-resolve-image {IMAGE} sleep 300")
    assert spec_of(manager, ours) == spec_of(manager, theirs)
    with pytest.raises(InvalidInput, match="--max-concurrent is for --mode replicated-job"):
        magic(ip, manager, f"update -d --max-concurrent 2 {ours}")  # the CLI takes it and does nothing


@pytest.mark.parametrize("flag, api", [("--health-start-interval 2s", "1.44"), ("--oom-score-adj 100", "1.46")])
def test_a_flag_this_engine_is_too_old_for_is_refused_in_one_line(ip, manager, made, flag, api):
    name = made("new")
    with pytest.raises(InvalidInput, match=rf'^"{flag.split()[0]}" requires API version {api}, but the Docker daemon '
                                           r"API version is 1\.41$"):
        magic(ip, manager, f"create -d --name {name} {flag} {IMAGE}")
    assert cli(manager, "service", "ls", "-q", "--filter", f"name={name}") == ""


def test_the_newer_options_land_where_the_cli_puts_them():
    spec = service_spec.apply(service_spec.defaults(IMAGE), {"health_start_interval": "2s", "oom_score_adj": "-5",
                                                            "health_cmd": "true"})
    c = spec["TaskTemplate"]["ContainerSpec"]
    assert c["Healthcheck"]["StartInterval"] == 2 * 10**9 and c["Healthcheck"]["Test"] == ["CMD-SHELL", "true"]
    assert c["OomScoreAdj"] == -5
    with pytest.raises(InvalidInput, match="from -1000 to 1000"):
        service_spec.apply(service_spec.defaults(IMAGE), {"oom_score_adj": "2000"})


def test_rollback_takes_no_other_flag_as_the_cli(ip, manager, made):
    name = made("rb")
    cli(manager, "service", "create", "-q", "-d", "--name", name, "--no-resolve-image", IMAGE, "sleep", "300")
    said = subprocess.run(["docker", "-H", manager, "service", "update", "--rollback", "--env-add", "A=1", name],
                          capture_output=True, text=True).stderr
    with pytest.raises(InvalidInput, match="other flags may not be combined with --rollback") as refused:
        magic(ip, manager, f"update --rollback --env-add A=1 {name}")
    assert "other flags may not be combined with --rollback" in said and "\n" not in str(refused.value)


MERGED = ("-p 80 -p 53/udp -p target=81 --mount type=bind,source=/tmp,target=/b --mount type=tmpfs,target=/a "
          "--constraint node.role==manager --constraint node.hostname!=nowhere --group 30 --group 10 --dns 9.9.9.9 "
          "--dns 1.1.1.1 --host db:10.0.0.9 --host db:10.0.0.8 --network {net} --log-driver json-file "
          "--log-opt max-file=3 --no-resolve-image -d")
MERGING = ("--publish-rm 80 --publish-add 82 --publish-add 53/udp --mount-add type=volume,source=dm-vol,target=/c "
           "--mount-rm /a --constraint-add node.labels.dmt==x --constraint-rm node.hostname!=nowhere "
           "--constraint-add node.role!=worker --group-add 20 --dns-add 8.8.8.8 --dns-add 1.1.1.1 "
           "--host-rm db:10.0.0.8 --host-add web:10.0.0.7 --network-add {net2} --log-driver json-file "
           "--log-opt max-size=1m --no-resolve-image -d")


def test_update_merges_lists_as_the_cli_merges_them(ip, manager, made, objects, tmp_path):
    theirs, ours = made("cli"), made("ours")
    for name in (theirs, ours):
        cli(manager, "service", "create", "-q", "--name", name, *_words(_flags(MERGED, objects, tmp_path)), IMAGE,
            "sleep", "300")
    flags = _flags(MERGING, objects, tmp_path)
    cli(manager, "service", "update", "-q", *_words(flags), theirs)
    magic(ip, manager, f"update {flags} {ours}")
    spec = spec_of(manager, ours)
    _same(spec, spec_of(manager, theirs))
    assert spec["TaskTemplate"]["Placement"]["Constraints"] == ["node.labels.dmt==x", "node.role!=worker",
                                                                "node.role==manager"]
    assert spec["TaskTemplate"]["LogDriver"] == {"Name": "json-file", "Options": {"max-size": "1m"}}
    with pytest.raises(InvalidInput, match="already attached to network"):
        magic(ip, manager, f"update -d --network-add {objects['net2']} {ours}")
    magic(ip, manager, f"update -d --log-opt max-file=2 {ours}")  # --log-opt alone: added to the driver's
    assert spec_of(manager, ours)["TaskTemplate"]["LogDriver"]["Options"] == {"max-size": "1m", "max-file": "2"}


def test_a_log_opt_without_a_driver_is_refused():
    with pytest.raises(InvalidInput, match="--log-opt needs --log-driver"):
        service_spec.apply(service_spec.defaults(IMAGE), {"log_opt": ["max-size=1m"]})


def test_boolean_flags_take_the_clis_values(ip, manager, made):
    theirs, ours = made("cli"), made("ours")
    for name in (theirs, ours):
        cli(manager, "service", "create", "-q", "--detach=true", "--name", name, "--read-only", "--tty", "--init",
            "--no-healthcheck", "--no-resolve-image", IMAGE, "sleep", "300")
    flags = "--read-only=false --tty=False --init=0 --no-healthcheck=false --force=true -d=true"
    cli(manager, "service", "update", "-q", *flags.split(), theirs)
    magic(ip, manager, f"update {flags} {ours}")
    spec = spec_of(manager, ours)
    assert spec == spec_of(manager, theirs)
    c = spec["TaskTemplate"]["ContainerSpec"]
    assert not c.get("ReadOnly") and not c.get("TTY") and c["Init"] is False and spec["TaskTemplate"]["ForceUpdate"] == 1
    with pytest.raises(InvalidInput, match=r'^invalid argument "maybe" for "--tty" flag'):
        magic(ip, manager, f"update --tty=maybe {ours}")
