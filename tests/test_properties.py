"""Property tests: the parsers and decoders fed anything -- terminal output, image
references, `.dockerignore` patterns, the engine's record streams cut at every byte,
truncated, with garbage between records, the magic line's tokenizer, KEY=VALUE options, the
Dockerfile parser and Go templates.  The only exceptions that may come out are
dockermagic's own."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockermagic.build.classic import BuildStream
from dockermagic.build.context import context_files
from dockermagic.build.request import BuildResult
from dockermagic.engine.adapter import json_records
from dockermagic.errors import DockerMagicError
from dockermagic.magics.args import join, split  # imports IPython, which raises the recursion limit: not mid-test
from dockermagic.opts import reference
from dockermagic.registry.transfer import Transfer, TransferStream
from dockermagic.text import ansi
from dockermagic.text.terminal import Terminal, render
from dockermagic.views.lines import BoundedLines

STREAMS = Path(__file__).parent / "streams"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# output as programs print it: text, progress-bar moves, colours, broken escapes, bad bytes
PIECES = st.sampled_from([
    "\r", "\n", "\r\n", "\b", "\t", "\x1b[2K", "\x1b[K", "\x1b[1K", "\x1b[1A", "\x1b[3A", "\x1b[2B",
    "\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[38;5;200m", "\x1b[5G", "\x1b[2C", "\x1b[D", "\x1b[J",
    "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\", "\x1b[?25l", "\x1b", "\x1b[", "\x07", "\x00", "é", "━",
])
OUTPUT = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=40).map("".join)


def _cuts(data, points: list[int]) -> list:
    bounds = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def _visible(term: Terminal) -> list[str]:
    return [ansi.strip(line.render()) for line in term.lines()]


# -- terminal -------------------------------------------------------------------------------
@SETTINGS
@given(OUTPUT, st.lists(st.integers(min_value=0), max_size=8), st.integers(min_value=8, max_value=64))
@example("x" * 200 + "\ry", [50, 120], 16)
@example("\x1b[31mred\r\x1b[2Kblue\x1b[0m\n", [3, 9], 64)
def test_terminal_same_screen_however_the_output_is_cut(text, points, limit):
    whole, cut = Terminal(limit), Terminal(limit)
    whole.write(text)
    for piece in _cuts(text, points):
        cut.write(piece)
    assert _visible(cut) == _visible(whole)
    for line in whole.lines():
        shown = line.render()
        assert len(ansi.strip(shown)) <= limit + 40  # head, tail and the count of what is left out
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", re.sub(r"\x1b\[[0-9;:]*m", "", shown))


@SETTINGS
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0), max_size=8))
@example(b"caf\xc3\xa9 \xff\xfe\xc3", [4])
def test_terminal_takes_any_bytes_and_keeps_characters_cut_between_writes(data, points):
    def shown(pieces) -> list[str]:
        lines = []
        term = Terminal(on_commit=lines.append)
        for piece in pieces:
            term.write(piece)
        term.close()
        return [ansi.strip(line.render()) for line in lines]

    assert shown(_cuts(data, points)) == shown([data]) == shown([data.decode("utf-8", "replace")])


@SETTINGS
@given(st.integers(min_value=1, max_value=400))
def test_a_progress_bar_is_its_last_state(n):
    assert render("".join(f"\rprogress {i}" for i in range(1, n + 1))) == f"progress {n}"
    bars = "".join(f"a {i}\nb {i}\n\x1b[2A" for i in range(n)) + "\x1b[2B"
    term = Terminal()
    term.write(bars)
    assert _visible(term) == [f"a {n - 1}", f"b {n - 1}"]


@SETTINGS
@given(st.lists(OUTPUT, max_size=30), st.integers(min_value=2, max_value=40), st.integers(min_value=1024, max_value=4096))
def test_bounded_lines_never_grow_past_their_bounds(writes, limit, max_chars):
    lines = BoundedLines(limit, max_chars=max_chars, max_line=256)
    for text in writes:
        lines.write(text * 20)
    kept = lines.lines()
    assert len(kept) <= limit + 1
    assert sum(len(line) for line in kept) <= max_chars + 200
    assert "<" not in lines.html().replace("<span", "").replace("</span>", "")


# -- image references -------------------------------------------------------------------------
COMPONENT = st.from_regex(r"\A[a-z0-9]+(?:[._-][a-z0-9]+)*\Z").filter(lambda c: len(c) <= 40)
REFERENCE = st.builds(
    lambda domain, path, tag: (f"{domain}/" if domain else "") + "/".join(path) + (f":{tag}" if tag else ""),
    st.one_of(st.none(), st.sampled_from(["localhost", "localhost:5000", "127.0.0.1:5001", "registry.example.com"])),
    st.lists(COMPONENT, min_size=1, max_size=3),
    st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z", fullmatch=True)),
)


@SETTINGS
@given(st.one_of(st.text(max_size=80), REFERENCE, REFERENCE.map(lambda r: r + "@sha256:" + "ab" * 32)))
def test_references_parse_or_fail_in_one_line(text):
    try:
        ref = reference.parse(text)
    except DockerMagicError as exc:
        assert "\n" not in str(exc).strip() or "\n" in text
        return
    assert reference.parse(str(ref)) == ref


@SETTINGS
@given(REFERENCE.filter(lambda r: len(r) <= 255))  # distribution/reference's bound on a name
def test_references_from_the_grammar_parse(text):
    ref = reference.parse(text)
    assert str(ref) == text.strip()


# -- .dockerignore ---------------------------------------------------------------------------
PATTERN = st.one_of(
    st.text(alphabet="ab/*?[]!\\.#- ^", max_size=12),
    st.sampled_from(["**", "**/a", "!a", "/a", "./a", "a/", "[a-", "[!a]", "\\", "a\\", "[", "]", "#x", "!", "!**"]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(PATTERN, max_size=6), st.booleans())
def test_dockerignore_patterns_never_crash(patterns, crlf):
    with tempfile.TemporaryDirectory() as folder:
        for name in ("a", "b/a", "b/c/d", ".x", "Dockerfile"):
            path = Path(folder, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)
        Path(folder, ".dockerignore").write_bytes(("\r\n" if crlf else "\n").join(patterns).encode())
        try:
            context, paths, dockerfile, _ = context_files(folder, os.path.join(folder, "Dockerfile"))
        except DockerMagicError:
            return
        assert all(not p.startswith("/") and ".." not in p.split("/") for p in paths)


# -- the engine's record streams ------------------------------------------------------------------
def _recorded(name: str) -> bytes:
    lines = (STREAMS / name).read_text().splitlines()
    return b"".join(json.dumps(json.loads(line)).encode() + b"\r\n" for line in lines)


BUILD_STREAMS = sorted(p.name for p in STREAMS.glob("*build*.jsonl"))
TRANSFER_STREAMS = sorted(p.name for p in STREAMS.glob("*.jsonl") if p.name.startswith(("push", "pull")))


def _consume(name: str, chunks) -> None:
    """What build() and push/pull do with the records: only dockermagic's errors may come out."""
    if name in BUILD_STREAMS:
        stream = BuildStream(BuildResult("ctx", "ctx/Dockerfile", []), clock=lambda: 0.0)
    else:
        stream = TransferStream(Transfer("push" if name.startswith("push") else "pull", "x"))
    try:
        for record in json_records(chunks):
            stream.feed(record)
        if name in BUILD_STREAMS:
            stream.finish()
    except DockerMagicError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()


def test_every_recorded_stream_cut_at_every_byte_gives_the_same_records():
    for name in BUILD_STREAMS + TRANSFER_STREAMS:
        data = _recorded(name)
        expected = list(json_records([data]))
        for at in range(len(data) + 1):
            assert list(json_records([data[:at], data[at:]])) == expected, (name, at)
        assert list(json_records([data[i:i + 1] for i in range(len(data))])) == expected


@SETTINGS
@given(st.sampled_from(BUILD_STREAMS + TRANSFER_STREAMS), st.lists(st.integers(min_value=0), max_size=12),
       st.one_of(st.none(), st.integers(min_value=0)), st.one_of(st.none(), st.binary(min_size=1, max_size=20)),
       st.integers(min_value=0))
def test_recorded_streams_cut_truncated_or_with_garbage_raise_only_our_errors(name, points, truncate, garbage, where):
    data = _recorded(name)
    if garbage is not None:  # between two records, or anywhere
        ends = [m.end() for m in re.finditer(rb"\r\n", data)]
        at = ends[where % len(ends)] if where % 2 else where % (len(data) + 1)
        data = data[:at] + garbage + data[at:]
    if truncate is not None:
        data = data[:truncate % (len(data) + 1)]
    _consume(name, _cuts(data, points))


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(["stream", "status", "id", "aux", "progressDetail", "progress"]),
                                st.one_of(OUTPUT, st.fixed_dictionaries({"current": st.integers(), "total": st.integers()}))),
                max_size=12))
def test_build_and_transfer_streams_take_odd_records(records):
    data = b"".join(json.dumps(r).encode() + b"\r\n" for r in records)
    _consume(BUILD_STREAMS[0], [data])
    _consume(TRANSFER_STREAMS[0], [data])


# -- the magic line's tokenizer, KEY=VALUE, the Dockerfile parser, Go templates -----------------------
def _ours_only(call, *also):
    """`call()`'s value, or None when it raised one of dockermagic's own errors (or `also`)."""
    try:
        return call()
    except (DockerMagicError, *also) as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        return None


WORDS = st.lists(st.text(max_size=12), max_size=8)
LINE = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(["a", " ", "'", '"', "\\", "=", "-f", "{x}", "$y", "\t", "é"]),
                                                max_size=30).map("".join))


@SETTINGS
@given(WORDS)
def test_a_joined_line_splits_into_the_same_words(words):
    assert split(join(words)) == words


@SETTINGS
@given(LINE)
def test_any_line_splits_or_is_one_usage_error(line):
    from IPython.core.error import UsageError

    words = _ours_only(lambda: split(line), UsageError)
    assert words is None or all(isinstance(w, str) for w in words)
    assert isinstance(split(line, strict=False), list)


PAIR = st.one_of(st.text(max_size=20), st.builds(lambda k, v: f"{k}={v}", st.text(max_size=8), st.text(max_size=8)))


@SETTINGS
@given(st.lists(PAIR, max_size=6), st.text(max_size=30))
def test_key_value_options_parse_or_fail_in_one_line(items, spec):
    from dockermagic.opts import pairs

    labels = _ours_only(lambda: pairs.label_map(items))
    assert labels is None or all(k and not any(c in " \t\r\n\v\f" for c in k) for k in labels)
    env = _ours_only(lambda: pairs.env_list(items))
    assert env is None or all("=" in e for e in env)
    _ours_only(lambda: pairs.env_map(items))
    _ours_only(lambda: pairs.option_map(items))
    filters = _ours_only(lambda: pairs.filter_map(items))
    assert filters is None or all(k == k.strip().lower() for k in filters)
    _ours_only(lambda: pairs.fields(spec, "--mount", "KEY=VALUE", flags=("readonly",)))


DOCKERFILE_PIECES = st.sampled_from([
    "FROM busybox\n", "FROM scratch AS a\n", "FROM ${BASE:-busybox}\n", "ARG BASE=busybox\n", "RUN echo hi\n",
    'RUN ["echo", "hi"]\n', "RUN <<EOF\necho x\nEOF\n", "COPY --from=a /x /y\n", "COPY --chmod=755 a b\n",
    "ENV A=1 B=\"2 3\"\n", "LABEL a=b\n", "# syntax=docker/dockerfile:1\n", "# escape=`\n", "WORKDIR /w\n",
    "ONBUILD RUN x\n", "HEALTHCHECK CMD true\n", "CMD [\"sh\"]\n", "\\\n", "`\n", " \n", "USER 1\n", "EXPOSE 80/tcp\n",
    "RUN --mount=type=cache,target=/c x\n", "ADD http://x /y\n", "SHELL [\"sh\", \"-c\"]\n", "FROM\n", "RUN\n", "[\n",
    "\"\n", "\ufeff", "\r\n", "\t", "${", "$", "<<", "-", "=",
])


@SETTINGS
@given(st.lists(st.one_of(DOCKERFILE_PIECES, st.text(max_size=10)), max_size=14).map("".join))
@example("FROM busybox\nRUN <<EOF\n")
@example("# escape=`\nFROM busybox\nRUN a `\n")
def test_the_dockerfile_parser_reads_anything_or_refuses_it_in_one_line(text):
    from dockermagic.dockerfile import model as dockerfile

    parsed = _ours_only(lambda: dockerfile.parse(text))
    if parsed is not None:
        parsed.dump()
        _ours_only(lambda: parsed.base_images({"BASE": "busybox"}))


TEMPLATE_PIECES = st.sampled_from([
    "{{", "}}", "{{-", "-}}", ".", ".Name", ".Labels", "$", "$x", ":=", "=", "|", "(", ")", " ", "json", "join",
    "split", "printf", "\"%s\"", "\"a\"", "`raw`", "'c'", "1", "-1", "3.5", "true", "nil", "if", "else", "end",
    "range", "with", "index", "len", "println", "upper", "pad", "truncate", "table", "\\t", "\t", "\n", "/*", "*/",
    "define", "template", "block", "eq", "ne", "and", "or", "not", "\\", "\"", ",",
])


@SETTINGS
@given(st.lists(st.one_of(TEMPLATE_PIECES, st.text(max_size=6)), max_size=20).map("".join))
@example("{{range .}}{{.}}{{end}}")
@example("{{with $x := .Name}}{{$x}}{{end}}")
@example("{{A\n}}")  # a newline in an action that a message quotes
@example("{{=\n}}")
@example('{{range "a\\nb"}}{{end}}')  # and in a value an error quotes while rendering
def test_go_templates_render_or_fail_in_one_line(text):
    from dockermagic.gotemplate import template as gotemplate

    data = {"Name": "<b>web</b>", "Labels": {"a": "1", "b": ""}, "List": [1, "two", None], "N": 3, "Nil": None}
    template = _ours_only(lambda: gotemplate.parse(text))
    if template is not None:
        out = _ours_only(lambda: template.execute(data))
        assert out is None or isinstance(out, str)
