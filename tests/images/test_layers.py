"""`%docker_layers` and `%docker_diff` on the real engine (and Podman): whiteouts, an opaque
directory, hard and symbolic links, a file written again, the added-then-deleted waste, names
that are markup or not UTF-8, two images compared, the cache of layers already read, a 300 MB layer read in
bounded memory, and the OCI layout of newer engines."""

from __future__ import annotations

import io
import json
import re
import tarfile
import tracemalloc

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.images import archive
from dockermagic.images.layers import ContainerDiff, ImageLayers, LayerComparison, LayerReading
from dockermagic.views.formatters import bundle

pytestmark = pytest.mark.engine

PROBE = """FROM busybox
RUN mkdir -p /d/sub && echo one > /d/a && echo two > /d/sub/b && echo keep > /k && echo x > /gone \\
 && head -c 100000 /dev/urandom > /big1 && ln /k /hard && ln -s /k /soft
RUN rm -rf /d && mkdir /d && echo new > /d/c && rm /gone && echo changed > /k \\
 && printf x > "/$(printf 'caf\\351')" && touch '/<b>x&y'
RUN rm /big1
"""


def build(ip, context, made, tag, dockerfile=PROBE, host=""):
    (context / "Dockerfile").write_text(dockerfile)
    ip.run_line_magic("docker_build", f"{host} -q -t {made.image(tag)} {context}")
    return tag


def files(layer) -> dict:
    return {f.path: f for f in layer.files}


@pytest.fixture
def probe(ip, context, made, unique):
    return build(ip, context, made, f"dm-layers/probe-{unique}:1")


def read(ip, line: str):
    return ip.run_line_magic("docker_layers", line)


def test_each_layer_added_modified_removed(ip, probe):
    result = read(ip, probe)
    assert isinstance(result, ImageLayers) and len(result.layers) == 5
    assert [layer.index for layer in result.layers] == [0, 1, 2, 3, 4]
    assert "/bin/busybox" in files(result.layers[0]) and "rm /big1" in result.layers[4].created_by
    made = files(result.layers[2])
    assert made["/big1"].change == "added" and made["/big1"].size == 100_000
    assert made["/soft"].kind == "symlink" and made["/soft"].link == "/k"
    assert made["/k"].kind == "hardlink" and made["/k"].link == "hard" and made["/k"].size == 0
    assert made["/hard"].size == 5
    changed = files(result.layers[3])
    # the opaque directory: what /d held below is removed, /d/c is new
    assert changed["/d/a"].change == changed["/d/sub/b"].change == "removed" and changed["/d/a"].size == 4
    assert changed["/d/c"].change == "added" and changed["/d"].change == "modified"
    assert changed["/gone"].change == "removed" and changed["/gone"].size == 2  # a whiteout
    assert changed["/k"].change == "modified" and changed["/k"].size == 8
    assert "/caf\\xe9" in changed and "/<b>x&y" in changed  # not UTF-8: shown as \xNN
    # BuildKit's RUN layers also carry the folders it mounted files into (/etc for resolv.conf)
    assert [(f.path, f.change, f.size) for f in result.layers[4].files if f.kind != "dir"] == [("/big1", "removed", 100_000)]


def test_waste_and_efficiency_as_dive_counts(ip, probe):
    result = read(ip, probe)
    waste = {w.path: w.size for w in result.waste}
    # a path in two layers wastes what it costs in each: /big1 and /gone a copy each (a removed file
    # costs nothing), /k the 8 bytes written over a hard link (0B); what the opaque /d hid is not
    # counted (dive drops the opaque marker)
    assert waste == {"/big1": 100_000, "/k": 8, "/gone": 2}
    assert result.wasted_bytes == sum(waste.values()) == 100_010
    # each wasteful path's smallest size is 0 (a removal, a hard link), every other path is in one
    # layer: the bytes an image needs are its layers' bytes less the waste
    assert result.efficiency == pytest.approx((result.size - result.wasted_bytes) / result.size)


MIB = 1 << 20


def test_a_file_written_rewritten_and_removed_wastes_its_two_copies(ip, context, made, unique):
    tag = build(ip, context, made, f"dm-layers/rewritten-{unique}:1", "FROM busybox:latest\n"
                "RUN head -c 1048576 /dev/urandom > /f\n"
                "RUN head -c 1048576 /dev/urandom > /f\n"
                "RUN rm /f\n")
    result = read(ip, tag)
    assert [(w.path, w.layers, w.size) for w in result.waste] == [("/f", 3, 2 * MIB)]
    assert result.wasted_bytes == 2 * MIB  # the two stored copies; the removal itself is 0 bytes
    assert result.efficiency == pytest.approx((result.size - 2 * MIB) / result.size)


def test_a_removed_folder_costs_what_it_held(ip, context, made, unique):
    tag = build(ip, context, made, f"dm-layers/folder-{unique}:1", "FROM busybox:latest\n"
                "RUN mkdir /dir\n"
                "RUN head -c 1048576 /dev/urandom > /dir/a && head -c 524288 /dev/urandom > /dir/b\n"
                "RUN rm -rf /dir\n")
    result = read(ip, tag)
    removed = files(result.layers[-1])["/dir"]
    assert removed.change == "removed" and removed.kind == "dir" and removed.size == MIB + MIB // 2
    # /dir is in two layers as dive sees them: made empty (0B), then removed, counting what it held;
    # the files below it are counted once, where they were written
    assert [(w.path, w.layers, w.size) for w in result.waste] == [("/dir", 2, MIB + MIB // 2)]
    assert result.wasted_bytes == MIB + MIB // 2
    assert result.efficiency == pytest.approx(result.size / (result.size + MIB + MIB // 2))


@pytest.mark.parametrize("line, said", [
    ("UPPER", "image 'UPPER': invalid reference format: repository name must be lowercase"),
    ("busybox 'bad name'", "image 'bad name': invalid reference format: a name has no spaces"),
])
def test_a_bad_name_is_refused_before_the_engine_is_asked(ip, line, said):
    with pytest.raises(InvalidInput, match=re.escape(said)):
        read(ip, f"-H unix:///nonexistent/docker.sock {line}")


def test_view_words_escaping_and_collapsible_tree(ip, probe):
    result = read(ip, probe)
    data = bundle(result)
    html, text = data["text/html"], data["text/plain"]
    for word in ("added", "modified", "removed", "wasted"):
        assert word in html and word in text
    assert "<details" in html and "<script" not in html
    assert "&lt;b&gt;x&amp;y" in html and "<b>x&y" not in html
    assert "caf\\xe9" in html and "caf\\xe9" in text
    json.dumps(data)  # a notebook can save it
    ip.run_line_magic("config", "DockerMagics.display = 'html'")
    narrowed = read(ip, f"--filter /d {probe}")
    assert len(narrowed.layers) == 5  # the filter narrows the view, never the result


def test_a_second_read_streams_nothing(ip, probe, engine):
    read(ip, probe)
    reading = LayerReading(engine, [probe])
    events = list(reading.events())
    started = events[0]
    assert started.known == started.layers == 5
    assert not [e for e in events if isinstance(e, archive.LayerListed)]
    assert reading.result.wasted_bytes == 100_010


def test_two_images_compared(ip, probe, context, made, unique):
    other = build(ip, context, made, f"dm-layers/other-{unique}:1",
                  PROBE.split("RUN rm -rf")[0] + "RUN echo other > /k && mkdir /opt && echo hi > /opt/new\n")
    result = read(ip, f"{probe} {other}")
    assert isinstance(result, LayerComparison) and len(result.shared) == 3
    changes = {f.path: (f.change, f.size) for f in result.differences}
    assert changes["/opt/new"] == ("added", 3) and changes["/d/c"] == ("removed", 4)
    assert changes["/k"] == ("modified", 6) and changes["/big1"] == ("added", 100_000)
    assert "/bin/busybox" not in changes
    html = bundle(result)["text/html"]
    assert html.count(result.shared[0].digest[7:19]) == 1  # a shared layer is named once


def test_bad_input_before_anything_is_read(ip):
    with pytest.raises(InvalidInput, match="no such image"):
        read(ip, "dm-layers/none-such:404")
    with pytest.raises(InvalidInput, match="one image, or two"):
        read(ip, "busybox busybox busybox")


def test_docker_diff(ip, made, unique):
    name = made.container(f"dm-diff-{unique}")
    ip.run_line_magic("docker_run", f"-d --name {name} busybox sh -c 'echo hi > /tmp/x; rm /bin/vi; sleep 60'")
    for _ in range(50):
        result = ip.run_line_magic("docker", f"diff {name}")
        if "D /bin/vi" in result.lines():
            break
    assert isinstance(result, ContainerDiff)
    assert {"C /tmp", "A /tmp/x", "C /bin", "D /bin/vi"} <= set(result.lines())
    html = bundle(result)["text/html"]
    assert "/tmp/x" in html and "docker diff" in html
    assert ip.run_line_magic("docker_diff", name).lines() == result.lines()


def test_a_300mb_layer_in_bounded_memory(ip, context, made, unique, engine):
    tag = build(ip, context, made, f"dm-layers/big-{unique}:1",
                "FROM busybox\nRUN head -c 300000000 /dev/urandom > /big\n")
    for digest in engine.api.inspect_image(tag)["RootFS"]["Layers"]:
        archive.LISTINGS.pop(digest, None)
    tracemalloc.start()
    try:
        reading = LayerReading(engine, [tag])
        for _ in reading.events():
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert files(reading.result.layers[-1])["/big"].size == 300_000_000
    assert peak < 100e6, f"{peak / 1e6:.0f} MB held while reading"


def _as_oci(stream: bytes, compress: bool = False) -> bytes:
    """A save stream of this engine rewritten in the OCI layout newer engines write (blobs by
    digest, index.json, and manifest.json naming the blobs), in name order as they write it;
    `compress`: layer blobs gzipped, as an image pulled and saved as it came may have them."""
    import gzip
    import hashlib

    src = tarfile.open(fileobj=io.BytesIO(stream))
    manifest = json.load(src.extractfile("manifest.json"))[0]
    blobs = {}
    config = src.extractfile(manifest["Config"]).read()
    layers = [src.extractfile(name).read() for name in manifest["Layers"]]
    layers = [gzip.compress(layer) for layer in layers] if compress else layers
    for data in [config, *layers]:
        blobs[f"blobs/sha256/{hashlib.sha256(data).hexdigest()}"] = data
    digest = lambda data: "sha256:" + hashlib.sha256(data).hexdigest()  # noqa: E731
    oci = json.dumps({"schemaVersion": 2, "config": {"digest": digest(config)},
                      "layers": [{"digest": digest(d)} for d in layers]}).encode()
    blobs[f"blobs/sha256/{hashlib.sha256(oci).hexdigest()}"] = oci
    blobs["index.json"] = json.dumps({"manifests": [{"digest": digest(oci)}]}).encode()
    blobs["manifest.json"] = json.dumps([{"Config": "blobs/sha256/" + digest(config)[7:], "Layers": [
        "blobs/sha256/" + digest(d)[7:] for d in layers]}]).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(blobs):
            info = tarfile.TarInfo(name)
            info.size = len(blobs[name])
            tar.addfile(info, io.BytesIO(blobs[name]))
    return out.getvalue()


@pytest.mark.parametrize("with_manifest, compress", [(True, False), (False, False), (True, True)])
def test_the_oci_layout(probe, engine, with_manifest, compress):
    saved = b"".join(engine.api.get_image(probe))
    oci = _as_oci(saved, compress)
    if not with_manifest:  # a pure OCI layout: index.json is all there is
        src = tarfile.open(fileobj=io.BytesIO(oci))
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w") as tar:
            for member in src:
                if member.name != "manifest.json":
                    tar.addfile(member, src.extractfile(member))
        oci = out.getvalue()
    diff_ids = engine.api.inspect_image(probe)["RootFS"]["Layers"]
    _, legacy = archive.resolve(_drain(archive.read(iter([saved]), probe)), diff_ids)
    chunks = [oci[i:i + 7000] for i in range(0, len(oci), 7000)]  # chunk edges inside headers
    config, layers = archive.resolve(_drain(archive.read(iter(chunks), probe)), diff_ids)
    assert layers == legacy and config["rootfs"]["diff_ids"] == diff_ids


def _drain(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def test_podman(ip, docker_env, podman_address, context, made_podman, unique):
    host = f"-H {podman_address}"
    tag = build(ip, context, made_podman, f"dm-layers/probe-{unique}:1", host=host)
    result = read(ip, f"{host} {tag}")
    assert result.engine.startswith("Podman") and len(result.layers) == 5
    changed = files(result.layers[3])
    assert changed["/d/a"].change == "removed" and changed["/gone"].change == "removed"
    assert changed["/k"].change == "modified" and files(result.layers[2])["/k"].kind == "hardlink"
    assert {w.path for w in result.waste} >= {"/big1", "/k", "/gone"}


def test_the_widget_filters_paths(probe, engine):
    from dockermagic.views.layers import LayersView
    from dockermagic.views.live import run

    reading = LayerReading(engine, [probe])
    view = LayersView([probe], mode="widget", interval=0)
    run(view, reading.events())
    leaf = '<b title="added" style="color:#1a7f37">A</b> busybox <i>'
    assert leaf in view._box.value
    view._filter.value = "/d"  # what typing in the box does
    assert "sub/" in view._box.value and leaf not in view._box.value and "paths matching" in view._box.value
    view._filter.value = ""
    assert leaf in view._box.value


@pytest.mark.parametrize("created_by, shown", [
    ("/bin/sh -c #(nop) COPY file:abc in /bin/busybox ", "COPY file:abc in /bin/busybox"),
    ("/bin/sh -c echo hi > /etc/motd", "RUN echo hi > /etc/motd"),
    ('RUN /bin/sh -c echo "my base image" > /etc/motd # buildkit', 'RUN echo "my base image" > /etc/motd'),
    ("COPY hello.sh /hello.sh # buildkit", "COPY hello.sh /hello.sh"),
    ("/bin/busybox sh -c /bin/busybox --install -s /bin", "/bin/busybox sh -c /bin/busybox --install -s /bin"),
])
def test_a_layers_instruction_as_either_builder_wrote_it(created_by, shown):
    from dockermagic.images.layers import instruction

    assert instruction(created_by) == shown
