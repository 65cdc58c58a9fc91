"""The tests' own bookkeeping on a shared engine: what a test made goes, others' images stay."""

import time

from conftest import Tracker


def _build(api, tmp_path, tag: str) -> str:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo {time.time_ns()} > /made\n")
    for record in api.build(path=str(tmp_path), tag=tag, rm=True, decode=True):
        assert "error" not in record, record
    return api.inspect_image(tag)["Id"]


def test_a_retagged_image_goes_and_an_untagged_image_of_others_stays(engine, tmp_path, unique):
    import docker

    api = engine.api
    tracker = Tracker(engine)
    ours = tracker.image(f"dm-test/tracked-{unique}")
    theirs = f"dm-test/someone-else-{unique}"
    kept = []
    try:
        first = _build(api, tmp_path, ours)
        kept.append(_build(api, tmp_path, theirs))
        _build(api, tmp_path, theirs)  # someone else's image, untagged while this test runs
        # a container keeps it from other suites' clean-ups on this shared engine (they do not force)
        holder = api.create_container(kept[0], "true", name=f"dm-test-hold-{unique}")["Id"]
        second = _build(api, tmp_path, ours)
        api.tag("busybox:latest", f"{ours}-plain", "1")  # an image that is busybox itself
        tracker.image(f"{ours}-plain:1")
        tracker.cleanup()
        for image_id in (first, second):
            try:
                api.inspect_image(image_id)
                raise AssertionError(f"{image_id} was left behind")
            except docker.errors.NotFound:
                pass
        assert api.inspect_image(kept[0])["RepoTags"] == []  # still there: not this test's to remove
        assert api.inspect_container(holder)["Image"] == kept[0]
        assert "busybox:latest" in api.inspect_image("busybox:latest")["RepoTags"]
    finally:
        try:
            api.remove_container(f"dm-test-hold-{unique}", force=True)
        except docker.errors.NotFound:
            pass
        for name in (theirs, *kept):
            try:
                api.remove_image(name, force=True)
            except docker.errors.NotFound:
                pass
