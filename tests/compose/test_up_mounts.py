"""What `up` mounts and publishes, against Docker Compose v2 on the same engine: secrets and
configs outside swarm mode (files bind-mounted, values copied in), published port ranges and
`expose:` ranges, the anonymous volumes a recreated container keeps, and a container recreated
because its network was removed and made again."""

from __future__ import annotations

import json

from dockermagic.compose.up import UpOptions, up

FILES = """
services:
  app:
    image: busybox:latest
    command: sleep 3600
    init: true
    ports: ["38400-38401:80-81", "127.0.0.1:38402-38403:9000-9001/udp", "38410-38412:90"]
    expose: ["3000-3001", "4000/udp"]
    secrets:
      - token
      - source: token
        target: other
      - source: envsecret
        target: /etc/envsecret
        mode: 0400
    configs:
      - app_conf
      - source: app_conf
        target: /etc/app.conf
      - source: inline
        target: inline.txt
    volumes: ["/anon"]
secrets:
  token: {file: ./token.txt}
  envsecret: {environment: DMUP_SECRET}
configs:
  app_conf: {file: ./app.conf}
  inline: {content: "hello inline"}
"""

INSIDE = "for f in /run/secrets/token /run/secrets/other /etc/envsecret /app_conf /etc/app.conf /inline.txt; " \
         "do stat -c '%n %a' $f; cat $f; echo; done"


def _seen(engine, name: str) -> dict:
    info = engine.api.inspect_container(name)
    out = engine.api.exec_start(engine.api.exec_create(name, ["sh", "-c", INSIDE]))
    return {"HostMounts": sorted(json.dumps(m, sort_keys=True) for m in info["HostConfig"]["Mounts"] or []),
            "Binds": info["HostConfig"]["Binds"], "PortBindings": info["HostConfig"]["PortBindings"],
            "ExposedPorts": info["Config"]["ExposedPorts"],
            "Mounts": sorted((m["Type"], m.get("Source") if m["Type"] == "bind" else "", m["Destination"], m["RW"])
                             for m in info["Mounts"]),
            "inside": out.decode()}


def test_secrets_configs_and_port_ranges_as_v2(engine, stacks, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DMUP_SECRET", "top secret")
    theirs = stacks(FILES)
    (theirs.folder / "token.txt").write_text("s3cret\n")
    (theirs.folder / "app.conf").write_text("a=1\n")
    theirs.v2("up", "-d")
    expected = _seen(engine, f"{theirs.name}-app-1")
    theirs.v2("down", "-v", "-t", "0")
    ours = stacks()
    ours.folder = theirs.folder
    list(up(engine, ours.project(), options=UpOptions()))
    got = _seen(engine, f"{ours.name}-app-1")
    assert got == expected
    assert "/etc/envsecret 400\ntop secret" in got["inside"] and "/inline.txt 444\nhello inline" in got["inside"]


ANON = """
services:
  keep:
    image: busybox:latest
    command: sleep 3600
    init: true
    volumes: ["/anon"]
"""


def _recreate_keeps(engine, stack, run_up) -> tuple[str, dict]:
    name = f"{stack.name}-keep-1"
    run_up()
    engine.api.exec_start(engine.api.exec_create(name, ["sh", "-c", "echo written-before > /anon/f"]))
    before = engine.api.inspect_container(name)
    stack.write(ANON.replace("sleep 3600", "sleep 3601"))
    run_up()
    after = engine.api.inspect_container(name)
    assert after["Id"] != before["Id"]
    volume = [m["Name"] for m in before["Mounts"] if m["Destination"] == "/anon"][0]
    out = engine.api.exec_start(engine.api.exec_create(name, ["cat", "/anon/f"])).decode()
    mounts = json.loads(json.dumps(after["HostConfig"]["Mounts"]).replace(volume, "OLD"))
    return out, mounts


def test_a_recreated_container_keeps_its_anonymous_volume_as_v2(engine, stacks):  # noqa: F811
    theirs = stacks(ANON)
    v2_out, v2_mounts = _recreate_keeps(engine, theirs, lambda: theirs.v2("up", "-d"))
    ours = stacks(ANON)
    out, mounts = _recreate_keeps(engine, ours, lambda: list(up(engine, ours.project(), options=UpOptions())))
    assert out == v2_out == "written-before\n"
    assert mounts == v2_mounts


def test_a_network_made_again_recreates_its_containers(engine, stacks):  # noqa: F811
    stack = stacks(ANON.replace('    volumes: ["/anon"]\n', ""))
    list(up(engine, stack.project(), options=UpOptions()))
    name, network = f"{stack.name}-keep-1", f"{stack.name}_default"
    old = engine.api.inspect_container(name)["Id"]
    engine.api.disconnect_container_from_network(name, network)
    engine.api.remove_network(network)
    events = list(up(engine, stack.project(), options=UpOptions()))
    assert [(e.kind, e.state) for e in events if e.state in ("Created", "Recreated")] == \
        [("network", "Created"), ("container", "Recreated")]
    info = engine.api.inspect_container(name)
    assert info["Id"] != old and info["State"]["Running"]
    assert info["NetworkSettings"]["Networks"][network]["NetworkID"] == engine.api.inspect_network(network)["Id"]
    assert "Recreate" not in stack.v2("up", "-d").stderr
