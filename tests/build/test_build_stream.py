"""The build stream parser on the Docker Engine's own streams, made live (the cases of
tests/streams/build_cases.py), and the recorded-stream reader the Podman stream tests use."""

import json
from pathlib import Path

import pytest
from streams.build_cases import CASES

from dockermagic.build.classic import BuildStream, StepFinished, StepOutput, StepStarted, build
from dockermagic.build.request import BuildRequest, BuildResult
from dockermagic.errors import BuildError

STREAMS = Path(__file__).resolve().parents[1] / "streams"


def records(name):
    return [json.loads(line) for line in (STREAMS / name).read_text().splitlines()]


def feed_all(name):
    result = BuildResult("ctx", "ctx/Dockerfile", ["t:1"])
    stream = BuildStream(result, clock=iter(range(1000)).__next__)
    events = []
    for record in records(name):
        events += stream.feed(record)
    events += stream.finish()
    return result, events


def build_case(engine, context, case: str, tag: str | None = None, no_cache: bool = False):
    """Build a case on the engine through `build()`: (its result, every event it yielded)."""
    (context / "Dockerfile").write_text(CASES[case])
    request = BuildRequest.make(str(context), tags=[tag] if tag else [], no_cache=no_cache)
    result = BuildResult(request.context, request.dockerfile, list(request.tags))
    return result, list(build(engine, request, result))


@pytest.mark.engine
def test_steps_outputs_layers_then_the_cached_rebuild(engine, made, context, unique):
    tag = made.image(f"dm-test/stream{unique}")
    result, events = build_case(engine, context, "ok", tag, no_cache=True)
    assert [s.index for s in result.steps] == [1, 2, 3, 4]
    assert all(s.total == 4 for s in result.steps)
    assert result.steps[1].instruction.startswith("RUN echo hello")
    assert [s.state for s in result.steps] == ["base", "done", "done", "done"]
    assert all(s.layer_id and len(s.layer_id) == 12 for s in result.steps)
    assert result.id.startswith("sha256:") and result.id[7:19] == result.steps[-1].layer_id
    outputs = [e.line for e in events if isinstance(e, StepOutput) and e.step.index == 2]
    assert sorted(outputs) == ["\x1b[91m<b>to stderr</b>\x1b[0m", "hello"]  # in either order the engine sends them
    # a last line printed without a newline is its own line, not glued to the builder's chatter
    step3 = [e.line for e in events if isinstance(e, StepOutput) and e.step.index == 3]
    assert step3 == ["\x1b[31mred\x1b[0m", "no newline"]
    assert "Removing intermediate container" not in result.steps[1].output
    assert "hello" in result.steps[1].output
    assert "Successfully built" in result.log  # the full log keeps everything
    kinds = [type(e) for e in events]
    assert kinds.count(StepStarted) == 4 and kinds.count(StepFinished) == 4

    again, _ = build_case(engine, context, "ok", tag)
    assert [s.state for s in again.steps] == ["base", "cached", "cached", "cached"]
    assert again.cached == 3 and again.cacheable == 3 and again.id == result.id


@pytest.mark.engine
@pytest.mark.parametrize("case, step, code, words", [
    ("fail_run", 2, 3, "returned a non-zero code: 3"),
    ("fail_copy", 2, None, "COPY failed"),
])
def test_failure_inside_the_200_stream_raises(engine, context, case, step, code, words):
    with pytest.raises(BuildError) as info:
        build_case(engine, context, case, no_cache=True)
    err = info.value
    result = err.result
    assert words in str(err) and f"step {step}/2" in str(err)
    assert err.exit_code == code and err.step.state == "failed" and err.step.index == step
    assert result.error and not result.ok and result.steps[-1] is err.step
    if code:
        assert "about to fail" in result.steps[-1].output


@pytest.mark.parametrize("chunks", [
    ["hello\n", "\x1b[91m<b>to stderr</b>\n\x1b[0m", " ---> abcdef012345\n"],
    ["\x1b[91m<b>to stderr</b>\n\x1b[0m", "hello\n", " ---> abcdef012345\n"],
])
def test_the_stderr_colour_reset_closes_its_own_line(chunks):
    result = BuildResult("ctx", "ctx/Dockerfile", [])
    stream = BuildStream(result)
    events = stream.feed({"stream": "Step 1/1 : RUN echo hello && echo x >&2\n"})
    for chunk in chunks:
        events += stream.feed({"stream": chunk})
    events += stream.finish()
    lines = [e.line for e in events if isinstance(e, StepOutput)]
    assert sorted(lines) == ["\x1b[91m<b>to stderr</b>\x1b[0m", "hello"]
    assert result.steps[0].layer_id == "abcdef012345"


def test_podman_style_lines():
    result = BuildResult("ctx", "ctx/Dockerfile", [])
    stream = BuildStream(result)
    events = []
    for text in ["STEP 1/2: FROM busybox\n", "STEP 2/2: RUN echo hi\n", "hi\n", "COMMIT t\n", "--> 1a2b3c4d5e6f\n"]:
        events += stream.feed({"stream": text})
    events += stream.finish()
    assert [s.instruction for s in result.steps] == ["FROM busybox", "RUN echo hi"]
    assert result.steps[1].output == "hi" and result.steps[1].layer_id == "1a2b3c4d5e6f"
