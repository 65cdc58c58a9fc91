"""%docker_images and %docker_history, one image and side by side."""

import pytest

from dockermagic.views import formatters

pytestmark = pytest.mark.engine


@pytest.fixture
def two_images(ip, made, context, unique):
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo base-{unique} > /base.txt\nCMD [\"sh\"]\n")
    base = made.image(f"dm-test/base{unique}")
    ip.run_line_magic("docker_build", f"-t {base} {context}")
    derived_ctx = context.parent / "derived"
    derived_ctx.mkdir()
    (derived_ctx / "hello.sh").write_text('#!/bin/sh\necho "Hello world"\n')
    (derived_ctx / "Dockerfile").write_text(f"FROM {base}\nCOPY hello.sh /hello.sh\nCMD [\"sh\", \"/hello.sh\"]\n")
    derived = made.image(f"dm-test/derived{unique}")
    ip.run_line_magic("docker_build", f"-t {derived} {derived_ctx}")
    return base, derived


def test_images_lists_rows_like_the_cli(ip, two_images):
    base, derived = two_images
    images = ip.run_line_magic("docker_images", base)
    assert [(r.repository, r.tag) for r in images] == [(base, "latest")]
    text = formatters.bundle(images)["text/plain"]
    assert text.splitlines()[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert base in text and "ago" in text
    html = formatters.bundle(images)["text/html"]
    assert "<table" in html and base in html
    assert len(ip.run_line_magic("docker", f"images {derived}")) == 1


def test_history_of_one_image(ip, two_images):
    base, _ = two_images
    hist = ip.run_line_magic("docker_history", base)
    layers = hist.layers[0]
    assert layers[0].created_by.endswith('CMD ["sh"]') and "base-" in layers[1].created_by
    text = formatters.bundle(hist)["text/plain"]
    assert text.splitlines()[0].split()[:3] == ["IMAGE", "CREATED", "CREATED"]
    full = ip.run_line_magic("docker_history", f"--no-trunc {base}")
    assert full.layers[0][0].id.startswith("sha256:") and full.layers[0][0].id in formatters.bundle(full)["text/plain"]


def test_history_side_by_side_marks_shared_layers(ip, two_images):
    base, derived = two_images
    hist = ip.run_line_magic("docker_history", f"{base} {derived}")
    base_layers, derived_layers = hist.layers
    shared_b = [layer for layer in base_layers if layer.shared]
    shared_d = [layer for layer in derived_layers if layer.shared]
    assert len(shared_b) == len(base_layers) == len(shared_d)  # the whole base is shared
    assert [layer.key() for layer in shared_b] == [layer.key() for layer in shared_d]
    own = [layer for layer in derived_layers if not layer.shared]
    assert len(own) == 2 and any("hello.sh" in layer.created_by for layer in own)
    html = formatters.bundle(hist)["text/html"]
    assert html.count("colspan=\"2\"") == len(shared_b)
    assert "shared layers" in formatters.bundle(hist)["text/plain"] and f"{derived}: 2 own layers" in formatters.bundle(hist)["text/plain"]


def test_history_of_unknown_image(ip):
    from dockermagic.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no such image"):
        ip.run_line_magic("docker_history", "dm-test/never-built:0")


def test_saved_tables_name_the_engine(ip, engine, two_images):
    base, derived = two_images
    for result in (ip.run_line_magic("docker_images", base), ip.run_line_magic("docker_history", f"{base} {derived}"),
                   ip.run_line_magic("docker_ps", "-a")):
        assert engine.label in formatters.bundle(result)["text/html"]
