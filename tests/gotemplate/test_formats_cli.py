"""`--format` on images, ps (with -l / -n), inspect, history, version, info and volumes, typed as
in a terminal (`{{...}}` kept, `{name}` expanded), compared with what the engine holds; images
`-f` / `--digests`; volume create `--opt` read back."""

from __future__ import annotations

import json

import pytest

from dockermagic.gotemplate.formats import Formatted
from dockermagic.gotemplate.template import TemplateError

pytestmark = pytest.mark.engine


@pytest.fixture
def box(ip, made, unique):
    name = made.container(f"dm-fm-{unique}")
    ip.run_line_magic("config", "DockerMagics.display = 'text'")
    ip.run_line_magic("docker", f"run -d --name {name} -l dm.fm={unique} busybox sleep 600")
    return name


def test_ps_format_as_typed_with_python_names_expanded(ip, engine, box, unique):
    ip.user_ns["wanted"] = f"label=dm.fm={unique}"
    ip.run_cell("_fm = %docker ps --filter {wanted} --format 'table {{.Names}}\\t{{.Status}}\\t{{.Label \"dm.fm\"}}'")
    lines = ip.user_ns["_fm"].lines
    assert lines[0].split() == ["NAMES", "STATUS", "fm"]  # the CLI heads a label column with its last part, as is and lines[1].split()[0] == box and lines[1].endswith(unique)
    latest = ip.run_line_magic("docker", "ps -l --format '{{.ID}} {{.Command}}'")
    assert len(latest.lines) == 1
    assert len(ip.run_line_magic("docker", "ps -n 2 --format '{{.ID}}'").lines) == min(2, len(engine.api.containers(all=True)))
    row = json.loads(ip.run_line_magic("docker", f"ps --filter name={box} --format json").lines[0])
    assert row["Names"] == box and row["State"] == "running" and row["Command"] == '"sleep 600"'


def test_inspect_format_reads_the_engine_json(ip, engine, box):
    info = engine.api.inspect_container(box)
    shown = ip.run_line_magic("docker", f"inspect -f '{{{{.State.Status}}}} {{{{json .Config.Cmd}}}} {{{{index .Config.Labels \"dm.fm\"}}}}' {box}")
    assert isinstance(shown, Formatted)
    assert shown.text == f"running [\"sleep\",\"600\"] {info['Config']['Labels']['dm.fm']}\n"
    sized = ip.run_line_magic("docker", f"inspect --size -f '{{{{.SizeRootFs}}}}' {box}")
    assert int(sized.text) > 0
    assert ip.run_line_magic("docker", "inspect --type image -f '{{.Id}}' busybox").text.strip() == engine.api.inspect_image("busybox")["Id"]


def test_images_history_version_info_formats(ip, engine):
    image = engine.api.inspect_image("busybox")
    listed = ip.run_line_magic("docker", "images --format '{{.Repository}}:{{.Tag}} {{.ID}}' busybox")
    assert listed.lines == [f"busybox:latest {image['Id'][7:19]}"]
    filtered = ip.run_line_magic("docker", "image ls -f reference='busy*' --format '{{.Repository}}'")
    assert "busybox" in filtered.lines
    digests = ip.run_line_magic("docker", "images --digests busybox")
    assert digests.lines[0].split()[:3] == ["REPOSITORY", "TAG", "DIGEST"]
    history = ip.run_line_magic("docker", "history --format '{{.ID}}|{{.Size}}' busybox")
    assert len(history.lines) == len(engine.api.history("busybox")) and history.lines[0].startswith(image["Id"][7:19])
    version = ip.run_line_magic("docker", "version --format '{{.Server.Version}} {{.Client.APIVersion}}'")
    assert version.text.split() == [engine.api.version()["Version"], engine.api.api_version]
    assert ip.run_line_magic("docker", "info -f '{{.Driver}}'").text.strip() == engine.api.info()["Driver"]
    assert "ServerVersion" in json.loads(ip.run_line_magic("docker", "info --format '{{json .}}'").text)


def test_volume_create_opt_and_volume_formats(ip, engine, made, unique):
    name = made.volume(f"dm-fm-v-{unique}")
    ip.run_line_magic("docker", f"volume create --driver local --opt type=tmpfs --opt device=tmpfs --opt o=size=8m {name}")
    assert engine.api.inspect_volume(name)["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=8m"}
    listed = ip.run_line_magic("docker", f"volume ls -f name={name} --format '{{{{.Name}}}}: {{{{.Driver}}}}'")
    assert listed.lines == [f"{name}: local"]
    assert ip.run_line_magic("docker", f"volume inspect --format '{{{{ .Options.o }}}}' {name}").text == "size=8m\n"


def test_a_template_outside_what_is_supported_names_the_part(ip):
    with pytest.raises(TemplateError, match="define"):
        ip.run_line_magic("docker", "ps --format '{{define \"x\"}}{{end}}'")
    with pytest.raises(TemplateError, match="nosuchfunction"):
        ip.run_line_magic("docker", "inspect -f '{{nosuchfunction .}}' busybox")
