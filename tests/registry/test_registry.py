"""Push, pull, tag and rmi through the magics, on the real engine and the loopback registries."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from dockermagic.errors import EngineError, InvalidInput
from dockermagic.registry.transfer import PullError, PushError
from dockermagic.views import formatters
from dockermagic.views.transfer import TransferView
from support.registry_fixtures import build_image, layer_dockerfile

pytestmark = pytest.mark.usefixtures("docker_config")  # a docker config folder of each test's own

DOWN = "127.0.0.1:5999"  # nothing listens here


def registry_has(registry: str, repository: str) -> bool:
    try:
        urllib.request.urlopen(f"http://{registry}/v2/{repository}/tags/list", timeout=10).close()
        return True
    except urllib.error.HTTPError:
        return False


def test_push_shows_each_layer_and_what_was_sent(ip, engine, registry, made, pushed, unique, capsys):
    name = f"{registry}/dmtest-{unique}/app:1"
    build_image(engine, made, name, layer_dockerfile(unique))
    result = ip.run_line_magic("docker_push", name)
    pushed.add_result(result)
    out = capsys.readouterr().out
    assert "Preparing" in out and "Pushing" in out and "Pushed" in out
    assert result.digest.startswith("sha256:")
    assert any(d.endswith(result.digest) for d in engine.api.inspect_image(name)["RepoDigests"])
    own = [layer for layer in result.layers if layer.state == "Pushed"]
    assert own and all(layer.fraction == 1.0 for layer in result.layers)
    assert result.bytes_transferred >= 600_000
    assert f"uploaded {result.summary().split()[1]}" in out  # the summary line closes the output
    assert repr(result).startswith(f"<Transfer push {name} digest=sha256:")
    bundle = formatters.bundle(result)
    assert "digest" in bundle["text/plain"] and result.digest in bundle["text/html"]


def test_layer_sizes_are_read_only_for_a_push_that_sends_a_layer(ip, engine, registry, made, pushed, unique, monkeypatch):
    name = f"{registry}/dmtest-{unique}/sizes:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=20))
    histories = []
    history = engine.api.history
    monkeypatch.setattr(engine.api, "history", lambda image: (histories.append(image), history(image))[1])
    first = ip.run_line_magic("docker_push", name)
    pushed.add_result(first)
    assert len(histories) == 1  # a layer to send: its size from the history
    own = [layer for layer in first.layers if layer.state == "Pushed"]
    assert own and all(layer.total and layer.transferred == layer.total for layer in own)
    again = ip.run_line_magic("docker_push", name)
    assert len(histories) == 1  # every layer already there: nothing to size
    assert again.digest == first.digest and again.bytes_transferred == 0


def test_derived_image_push_reuses_the_base_layers(ip, engine, registry, made, pushed, unique):
    """The tutorial: push the base, build FROM it, push the derived image: shared layers are free."""
    base = f"{registry}/me-{unique}/my-base-image"
    derived = f"{registry}/me-{unique}/my-derived-image"
    build_image(engine, made, base, layer_dockerfile(unique, kilobytes=1000))
    first = ip.run_line_magic("docker_push", base)
    pushed.add_result(first)
    build_image(engine, made, derived, f"FROM {base}\nRUN echo derived-{unique} > /derived\n")
    second = ip.run_line_magic("docker", f"push {derived}")
    pushed.add_result(second)

    assert len(second.layers) == len(first.layers) + 1
    shared = [layer for layer in second.layers if layer.mounted_from or layer.state == "Layer already exists"]
    assert len(shared) == len(first.layers)
    assert f"me-{unique}/my-base-image" in second.mounted  # the base's own layer came along for free
    summary = second.summary()
    assert f"mounted from {next(iter(second.mounted))}" in summary
    own = [layer for layer in second.layers if layer.state == "Pushed"]
    assert len(own) == 1 and second.bytes_transferred == own[0].transferred
    assert second.bytes_transferred < 10_000 < 1_000_000 < first.bytes_transferred
    assert second.size > 1_000_000


def test_pull_of_a_removed_image_shows_progress(ip, engine, registry, made, pushed, unique, capsys, monkeypatch):
    name = f"{registry}/dmtest-{unique}/pulled:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=1500))
    sent = ip.run_line_magic("docker_push", name)
    pushed.add_result(sent)
    removed = ip.run_line_magic("docker_rmi", name)
    assert f"Untagged: {name}" in repr(removed) and removed.deleted
    assert not engine.api.images(name=name)
    capsys.readouterr()

    states = []
    monkeypatch.setattr(TransferView, "feed", lambda view, event, feed=TransferView.feed: (
        states.append(getattr(getattr(event, "layer", None), "state", None)), feed(view, event))[-1])
    result = ip.run_line_magic("docker_pull", name)
    out = capsys.readouterr().out
    assert "Pulling fs layer" in out and "Pull complete" in out and "Already exists" in out
    assert {"Pulling fs layer", "Download complete", "Extracting", "Pull complete", "Already exists"} <= set(states)
    assert all(0.0 <= layer.fraction <= 1.0 for layer in result.layers)
    assert "layer already there" in result.summary() or "layers already there" in result.summary()
    assert result.digest == sent.digest
    fetched = [layer for layer in result.layers if layer.state == "Pull complete"]
    assert len(fetched) == 1 and result.already_there == len(result.layers) - 1
    assert result.bytes_transferred > 500_000
    assert result.summary().startswith("downloaded ")
    assert engine.api.inspect_image(name)["Id"]
    by_digest = ip.run_line_magic("docker_pull", f"{name.rsplit(':', 1)[0]}@{sent.digest}")
    assert by_digest.digest == sent.digest and by_digest.bytes_transferred == 0


def test_widget_view_state(ip, engine, registry, made, pushed, unique, monkeypatch):
    views = []
    start = TransferView.start
    monkeypatch.setattr(TransferView, "start", lambda self: (views.append(self), start(self))[1])
    name = f"{registry}/dmtest-{unique}/widget:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=200))
    ip.run_line_magic("config", "DockerMagics.display = 'widget'")
    ip.run_line_magic("config", "DockerMagics.live_after = 0")  # the widget even for quick work
    result = ip.run_line_magic("docker_push", name)
    pushed.add_result(result)
    view = views[0]
    assert set(view._rows) == {layer.id for layer in result.layers}
    for layer in result.layers:
        label, bar, amount, _ = view._rows[layer.id]
        assert layer.id in label.value and bar.value == 1.0
        assert bar.style.bar_color in ("#1a7f37", "#6f42c1")  # done or shared, as the badges
    assert result.digest in view._footer.value and "uploaded" in view._footer.value
    assert "succeeded" in view._header.value
    assert view.redraws >= 1


def test_all_tags_push_and_pull(ip, engine, registry, made, pushed, unique):
    repo = f"{registry}/dmtest-{unique}/tags"
    build_image(engine, made, f"{repo}:1", layer_dockerfile(unique, kilobytes=50))
    ip.run_line_magic("docker_tag", f"{repo}:1 {repo}:2")
    made.image(f"{repo}:2")
    result = ip.run_line_magic("docker_push", f"--all-tags {repo}")
    pushed.add_result(result)
    assert set(result.digests) == {"1", "2"}
    ip.run_line_magic("docker_rmi", f"{repo}:1 {repo}:2")
    pulled = ip.run_line_magic("docker_pull", f"-a {repo}")
    assert {t.split(":")[-1] for t in engine.api.inspect_image(f"{repo}:1")["RepoTags"]} >= {"1", "2"}
    assert pulled.ok


# -- failures: one line, actionable, nothing half-done ----------------------------------------
def test_push_of_a_name_that_exists_nowhere(ip, registry, unique):
    name = f"{registry}/dmtest-{unique}/ghost:1"
    with pytest.raises(PushError, match="there is no image .* build it .* or tag one"):
        ip.run_line_magic("docker_push", name)
    assert not registry_has(registry, f"dmtest-{unique}/ghost")


def test_push_to_a_registry_that_is_down(ip, made, unique):
    name = made.image(f"{DOWN}/dmtest-{unique}/x:1")
    ip.run_line_magic("docker_tag", f"busybox:latest {name}")
    with pytest.raises(PushError, match=f"registry {DOWN} is unreachable: is it running") as info:
        ip.run_line_magic("docker_push", name)
    assert "\n" not in str(info.value)


def test_pull_from_a_registry_that_is_down(ip, engine, unique):
    with pytest.raises(PullError, match=f"registry {DOWN} is unreachable"):
        ip.run_line_magic("docker_pull", f"{DOWN}/dmtest-{unique}/x:1")


def test_pull_of_a_tag_or_name_that_does_not_exist(ip, engine, registry, unique):
    for name in (f"{registry}/dmtest-{unique}/nothing:1", f"{registry}/busybox-not-{unique}"):
        with pytest.raises(PullError, match=f"is not in {re.escape(registry)}: check the name and tag"):
            ip.run_line_magic("docker_pull", name)
        assert not engine.api.images(name=name.split(":1")[0])


def test_push_without_login_marks_the_failed_layer(ip, engine, auth_registry, made, unique):
    server = auth_registry["address"]
    name = made.image(f"{server}/dmtest-{unique}/private:1")
    ip.run_line_magic("docker_tag", f"busybox:latest {name}")
    with pytest.raises(PushError, match=f"{server} wants a login to push .*: run %docker_login {server}") as info:
        ip.run_line_magic("docker_push", name)
    assert info.value.layer is not None and info.value.layer.failed
    assert "no basic auth credentials" in str(info.value) and "\n" not in str(info.value)
    assert info.value.result.error == "no basic auth credentials"


def test_pull_without_login(ip, auth_registry, unique):
    server = auth_registry["address"]
    with pytest.raises(PullError, match=f"{server} wants a login"):
        ip.run_line_magic("docker_pull", f"{server}/dmtest-{unique}/private:1")


@pytest.mark.parametrize("magic, line", [  # names are checked before connecting: no engine needed
    ("docker_push", "Me/App:1"), ("docker_pull", "127.0.0.1:5000/UPPER:1"), ("docker_pull", "'bad name'"),
    ("docker_tag", "busybox:latest not/ok:"), ("docker_push", "app@sha256:" + "0" * 64),
    ("docker_push", "-a app:1"), ("docker_pull", "me/app:café"), ("docker_tag", "busybox:latest me/ａpp:1"),
])
def test_malformed_references_are_refused_before_sending(ip, magic, line):
    with pytest.raises(InvalidInput):
        ip.run_line_magic(magic, line)


@pytest.mark.engine
def test_tag_and_rmi_errors(ip, unique):
    with pytest.raises(EngineError, match="no image nothing-"):
        ip.run_line_magic("docker_tag", f"nothing-{unique}:1 dmtest-{unique}/x:1")
    with pytest.raises(EngineError, match=f"no such image: nothing-{unique}"):
        ip.run_line_magic("docker_rmi", f"nothing-{unique}:1")


def test_errors_show_as_one_line(ip, registry, unique):
    with pytest.raises(PushError) as info:
        ip.run_line_magic("docker", f"push {registry}/dmtest-{unique}/ghost:1")
    lines = info.value._render_traceback_()
    assert len(lines) == 1 and "PushError" in lines[0]


def test_interrupted_push_shows_it_and_stops(ip, engine, registry, made, pushed, unique, monkeypatch):
    from dockermagic.registry.transfer import LayerUpdated

    views = []
    apply = TransferView.apply

    def interrupt(self, event):
        views.append(self)
        apply(self, event)
        if isinstance(event, LayerUpdated) and event.layer.state == "Pushing":
            raise KeyboardInterrupt

    monkeypatch.setattr(TransferView, "apply", interrupt)
    name = f"{registry}/dmtest-{unique}/stopped:1"
    build_image(engine, made, name, layer_dockerfile(unique, kilobytes=3000))
    with pytest.raises(KeyboardInterrupt):
        ip.run_line_magic("docker_push", name)
    view = views[-1]
    assert view.state == "interrupted" and "interrupted" in view.text()
    assert not view.result.ok
