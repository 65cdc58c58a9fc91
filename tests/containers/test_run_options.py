"""`docker run`'s options on the real engine: each read back from `docker inspect`, a user
network where one container reaches another by its `--network-alias` (`--net NAME` spelled as
tutorials spell it), `-P`, `-it` and `exec -it` with a terminal, and what the engine cannot
honour refused in one line before anything is sent."""

from __future__ import annotations

import random

import pytest

from dockermagic.errors import InvalidInput

pytestmark = pytest.mark.engine


@pytest.fixture
def net(engine, unique):
    """A user network (with a subnet for --ip), removed with its containers afterwards."""
    import docker

    name = f"dm-ro-{unique}"
    subnet = f"10.{random.randint(160, 250)}.{random.randint(0, 255)}"
    engine.api.create_network(name, driver="bridge", ipam=docker.types.IPAMConfig(
        pool_configs=[docker.types.IPAMPool(subnet=f"{subnet}.0/24")]))
    yield name, subnet
    for cid in engine.api.inspect_network(name).get("Containers") or {}:
        engine.api.remove_container(cid, force=True)
    engine.api.remove_network(name)


def test_create_options_are_read_back_from_inspect(ip, engine, made, tmp_path, unique):
    name = made.container(f"dm-ro-{unique}")
    (tmp_path / "labels").write_text("team=dm\n")
    cidfile = tmp_path / "cid"
    ip.run_line_magic("docker", (
        f"create --name {name} --cap-add NET_ADMIN --cap-drop MKNOD --security-opt no-new-privileges "
        "-m 64m --memory-swap 128m --memory-reservation 32m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 "
        "--pids-limit 50 --ulimit nofile=512:1024 --add-host db=10.1.2.3 --add-host v6=[2001:db8::33] "
        "--dns 1.1.1.1 --dns-search example.com --dns-option ndots:2 --tmpfs /scratch:size=1m --read-only "
        "--restart on-failure:3 --hostname box --domainname example.org -u 1000:1000 -w /tmp --init "
        "--sysctl net.ipv4.ip_forward=1 --shm-size 16m --stop-signal SIGINT --label-file labels "
        f"--cidfile {cidfile} --log-driver json-file --log-opt max-size=10m --expose 7000-7001 "
        "--health-cmd 'true' --health-interval 5s --health-retries 2 --oom-score-adj 100 --group-add 10 "
        "--privileged busybox true"))
    info = engine.api.inspect_container(name)
    host, config = info["HostConfig"], info["Config"]
    assert cidfile.read_text() == info["Id"]
    assert host["CapAdd"] == ["NET_ADMIN"] and host["CapDrop"] == ["MKNOD"]
    assert "no-new-privileges" in host["SecurityOpt"] and host["Privileged"] is True  # the engine adds label=disable
    assert (host["Memory"], host["MemorySwap"], host["MemoryReservation"]) == (64 << 20, 128 << 20, 32 << 20)
    assert (host["NanoCpus"], host["CpuShares"], host["CpusetCpus"], host["PidsLimit"]) == (500_000_000, 512, "0", 50)
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 512, "Hard": 1024}]
    assert host["ExtraHosts"] == ["db:10.1.2.3", "v6:2001:db8::33"]
    assert (host["Dns"], host["DnsSearch"], host["DnsOptions"]) == (["1.1.1.1"], ["example.com"], ["ndots:2"])
    assert host["Tmpfs"] == {"/scratch": "size=1m"} and host["ReadonlyRootfs"] is True
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert host["Sysctls"] == {"net.ipv4.ip_forward": "1"} and host["ShmSize"] == 16 << 20
    assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-size": "10m"}}
    assert host["OomScoreAdj"] == 100 and host["GroupAdd"] == ["10"] and host["Init"] is True
    assert (config["Hostname"], config["Domainname"], config["User"], config["WorkingDir"]) == ("box", "example.org", "1000:1000", "/tmp")
    assert config["StopSignal"] == "SIGINT" and config["Labels"]["team"] == "dm"
    assert set(config["ExposedPorts"]) == {"7000/tcp", "7001/tcp"}
    assert config["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 5_000_000_000, "Retries": 2}


def test_a_container_reaches_another_by_its_network_alias(ip, engine, made, net, unique):
    network, subnet = net
    server = made.container(f"dm-ro-srv-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -d --name {server} --net {network} --network-alias db --ip {subnet}.77 busybox sleep 300")
    endpoint = engine.api.inspect_container(server)["NetworkSettings"]["Networks"][network]
    assert "db" in endpoint["Aliases"] and endpoint["IPAMConfig"]["IPv4Address"] == f"{subnet}.77"
    result = ip.run_line_magic("docker", f"run --rm --net {network} busybox ping -c1 -W3 db")
    assert result.exit_code == 0 and f"{subnet}.77" in result.logs


def test_publish_all_maps_every_exposed_port(ip, engine, made, unique):
    name = made.container(f"dm-ro-p-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -d -P --expose 8080 --name {name} busybox sleep 300")
    mapped = engine.api.inspect_container(name)["NetworkSettings"]["Ports"]["8080/tcp"]
    assert mapped and int(mapped[0]["HostPort"]) > 0
    lines = ip.run_line_magic("docker", f"port {name}").lines
    assert any(line.startswith("8080/tcp -> ") and line.endswith(":" + mapped[0]["HostPort"]) for line in lines)


def test_run_it_with_a_command_gets_a_terminal(ip, engine, made, unique, capsys):
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    result = ip.run_line_magic("docker", "run --rm -it busybox sh -c 'test -t 0 && test -t 1 && echo on-a-tty; ls --color=always /'")
    assert result.exit_code == 0 and "on-a-tty" in result.logs
    assert "\x1b[1;34mbin\x1b[m" in result.logs  # colours, as ls gives them on a terminal
    assert result.stderr == ""  # a terminal is one stream


def test_exec_it_runs_with_a_terminal_and_exec_d_in_the_background(ip, engine, made, unique):
    name = made.container(f"dm-ro-x-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -dit --name {name} busybox sh")
    result = ip.run_line_magic("docker", f"exec -it {name} sh -c 'test -t 1 && echo tty-here'")
    assert "tty-here" in result.logs
    ip.run_line_magic("docker", f"exec -d {name} touch /tmp/exec-works")
    import time

    for _ in range(20):
        check = ip.run_line_magic("docker", f"exec {name} ls /tmp")
        if "exec-works" in check.logs:
            break
        time.sleep(0.1)
    assert "exec-works" in check.logs


@pytest.mark.parametrize("line, says", [
    ("run -it busybox sh", "-it needs a terminal"),
    ("run -ti busybox /bin/bash", "-it needs a terminal"),
    ("exec -it web bash", "-it needs a terminal"),
    ("run --ip 10.9.9.9 busybox true", "--ip needs a user-defined network"),
    ("run --network-alias db busybox true", "--network-alias needs a user-defined network"),
    ("run --device vendor.com/class=x busybox true", "CDI names"),
    ("run -m lots busybox true", "-m"),
    ("run --restart sometimes busybox true", "--restart 'sometimes'"),
    ("run --add-host nohost busybox true", "--add-host 'nohost'"),
    ("run --ulimit nofile busybox true", "--ulimit 'nofile'"),
])
def test_what_cannot_be_honoured_is_refused_before_anything_is_sent(shell, monkeypatch, line, says):
    import dockermagic.engine.connection as engine_module

    monkeypatch.setattr(engine_module, "connect", lambda *a, **k: pytest.fail("reached for the engine"))
    with pytest.raises((InvalidInput, Exception)) as err:
        shell.run_line_magic("docker", line)
    message = str(err.value)
    assert says in message and "\n" not in message


def test_an_image_whose_command_is_a_shell_is_refused_with_it_and_removed(ip, engine, made, unique):
    import docker

    name = made.container(f"dm-ro-sh-{unique}")
    with pytest.raises(InvalidInput, match="-it needs a terminal"):
        ip.run_line_magic("docker", f"run -it --name {name} busybox")  # busybox's CMD is sh
    with pytest.raises(docker.errors.NotFound):
        engine.api.inspect_container(name)
