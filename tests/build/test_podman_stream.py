"""The build stream parser on streams recorded from a real Podman 4.3 API service
(tests/streams/record_podman.py re-records them): buildah's `STEP n/N:`, `--> id`, `COMMIT`
lines must make the same steps as Docker's classic builder."""

import pytest
from test_build_stream import feed_all, records  # noqa: F401 -- the same recorded-stream reader

from dockermagic.build.classic import BuildStream, StepFinished, StepOutput, StepStarted
from dockermagic.build.request import BuildResult
from dockermagic.errors import BuildError


def outputs(events, index):
    return [e.line for e in events if isinstance(e, StepOutput) and e.step is not None and e.step.index == index]


def test_podman_steps_outputs_and_layers():
    result, events = feed_all("podman_build_ok.jsonl")
    assert [(s.index, s.total) for s in result.steps] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [s.instruction for s in result.steps][0] == "FROM busybox"
    assert [s.state for s in result.steps] == ["base", "done", "done", "done"]  # FROM names the base
    # buildah prints no layer for FROM; the others carry an 11-character id
    assert [bool(s.layer_id) for s in result.steps] == [False, True, True, True]
    assert result.id.startswith("sha256:") and result.id[7:].startswith(result.steps[-1].layer_id)
    assert outputs(events, 2) == ["hello", "<b>to stderr</b>"]
    assert outputs(events, 3) == ["\x1b[31mred\x1b[0m", "no newline"]
    # COMMIT, `-->` lines, the bare image id and "Successfully ..." are the builder's, not output
    assert outputs(events, 4) == [] and result.steps[3].output == ""
    assert "COMMIT" in result.log and "Successfully tagged" in result.log
    kinds = [type(e) for e in events]
    assert kinds.count(StepStarted) == 4 and kinds.count(StepFinished) == 4


def test_podman_cached_steps_are_marked():
    result, events = feed_all("podman_build_cached.jsonl")
    assert [s.state for s in result.steps] == ["base", "cached", "cached", "cached"]
    assert result.cached == 3
    assert all(outputs(events, i) == [] for i in (2, 3, 4))
    assert result.steps[1].layer_id and len(result.steps[1].layer_id) >= 11


@pytest.mark.parametrize("name, code, words", [
    ("podman_build_fail_run.jsonl", 3, "exit status 3"),
    ("podman_build_fail_copy.jsonl", None, "missing.txt"),
])
def test_podman_failure_names_the_step(name, code, words):
    result = BuildResult("ctx", "ctx/Dockerfile", [])
    stream = BuildStream(result)
    with pytest.raises(BuildError) as info:
        for record in records(name):
            stream.feed(record)
    err = info.value
    assert words in str(err) and "step 2/2" in str(err) and "\n" not in str(err)
    assert err.exit_code == code and err.step.state == "failed" and err.step.index == 2
    if code:
        assert result.steps[-1].output == "about to fail"


def test_podman_multistage_steps_are_counted_across_stages():
    result, events = feed_all("podman_build_multistage.jsonl")
    assert [s.index for s in result.steps] == [1, 2, 3, 4, 5, 6] and all(s.total == 6 for s in result.steps)
    assert result.steps[0].instruction == "FROM busybox AS first" and result.steps[3].instruction == "FROM busybox"
    assert outputs(events, 6) == ["hi-world"] and result.steps[5].layer_id
    assert [s.state for s in result.steps] == ["base", "done", "done", "base", "done", "done"]
    assert result.id.startswith("sha256:")
