"""--format templates: rendered here as the docker CLI on PATH renders them, side by side on the
same objects; only dockermagic's own errors come out of any template; `{{...}}` typed in a
magic's line reaches the magic as typed while `{name}` / `$name` still expand."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockermagic.gotemplate import formats
from dockermagic.gotemplate.template import TemplateError, parse

# templates a tutorial or the CLI's reference uses, and the corners of Go's rules (errors
# included: a template that fails in the terminal fails here too)
TEMPLATES = [
    '{{.Missing}}',
    '{{.Missing.Foo}}',
    '{{.State.Pid | printf "%s"}}',
    '{{json .Config.Labels}}',
    '{{.Config.Labels}}',
    '{{.Config.Cmd}}',
    '{{index .Config.Labels "zz"}}',
    '{{lower 5}}',
    '{{printf "%d %s"}}',
    '{{print 1 2 "a" 3}}',
    '{{eq .State.Pid 1.5}}',
    '{{range 3}}x{{end}}',
    '{{ "a" -}}  b',
    '{{truncate .Name 3}}',
    '{{title "hello-world foo_bar"}}',
    '{{join .Config.Cmd ","}}',
    '{{.State.StartedAt}}',
    '{{.NetworkSettings.Networks.bridge.IPAddress}}',
    '{{printf "%5.2f|%-4d|%q|%v" 3.14159 7 "x" .Config.Cmd}}',
    '{{break}}',
    '{{.State.Pid}}',
    '{{if .State.Running}}up{{end}}',
    '{{index .Config.Cmd 5}}',
    '{{println "a" 1}}|',
    '{{json .Config.Cmd}}',
    '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}',
    '{{printf "%v" 2.0}} {{2.0}} {{1e21}} {{0x10}} {{\'a\'}}',
    '{{foo .X}}',
    '{{.Name | len}}',
    '{{slice .Name 1 3}}',
    '{{and 1 0 2}} {{or 0 "" "x"}} {{not 0}}',
    '{{split "a:b:c" ":"}}',
    '{{pad "x" 2 3}}|',
    '{{printf "%s" .Config.Cmd}}',
    '{{range $i, $e := .Config.Cmd}}{{$i}}:{{$e}} {{end}}',
    '{{$x := .Name}}{{$x}}',
    '{{ .Name }',
    '{{if}}x{{end}}',
    '{{end}}',
    '{{.Config.Cmd | join}}',
    '{{index .Config.Labels 1}}',
    '{{lt 1 2.5}}',
    '{{eq "a" "b" "a"}}',
    '{{html "<a>"}} {{urlquery "a b"}} {{js "a\\"b"}}',
    '{{.Config.Image | printf "%.3s"}}',
    '{{(index .Config.Cmd 0)}}',
    '{{printf "%x %X %o %b %c %t %e %g %08.3f %+d" 255 255 8 5 65 true 1234.5678 0.000012 3.14159 5}}',
    '{{printf "%5s|%-5s|%05d" "ab" "cd" 42}}',
    '{{printf "%v %v" .Config.Labels true}} {{printf "%d" "x"}} {{printf "%s" 1 2}}',
    '{{1234567.0}} {{100000.0}} {{123456789.0}} {{1e20}} {{0.0001}} {{0.00001}}',
    '{{printf "%6.2v|%q|%x|%5t|%-6v|" 3.14159 65 "hi" true .Config.Cmd}}',
    '{{printf "%s" nil}} {{print nil 1}} {{println}}|',
    '{{len "é"}} {{truncate "éa" 1}}|{{index "abc" 1}}',
    '{{eq 1 1}} {{eq true true}} {{eq nil nil}}',
    '{{slice .Config.Cmd 1}}',
    '{{.Config.Cmd | len | printf "%03d"}}',
    '{{if eq .State.Status "running" "paused"}}A{{else if .State.Running}}B{{else}}C{{end}}',
    '{{with $x := .State}}{{$x.Status}}{{end}}',
    '{{range $i, $e := .Config.Cmd}}{{if $i}},{{end}}{{$e}}{{break}}{{end}}',
    '{{printf "%q" .Config.Cmd}}',
    '{{ print "a" "b" 1 2 "c" }}',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
    '{{range $n, $c := .NetworkSettings.Networks}}{{$n}} {{$c.Gateway}}{{end}}',
    '{{with .Config}}{{.Image}}{{else}}none{{end}}',
    '{{if not .State.Paused}}{{upper .State.Status}}{{end}}',
    '{{/* a comment */}}x',
    '{{- /* trimmed */ -}}  y',
    '{{.Config.Hostname | truncate 3}}',
    '{{range .Config.Env}}{{println .}}{{end}}',
    '{{index .Config.Labels "a" | printf "<%s>"}}',
    '{{range $e := .Config.Cmd}}{{continue}}x{{end}}z',
    '{{if gt (len .Config.Cmd) 1}}many{{end}}',
    '{{(index .Config.Cmd 0) | upper}}',
    '{{.State.Status | title}}',
    '{{$s := "a"}}{{$s = "b"}}{{$s}}',
    '{{range $i, $e := .Config.Cmd}}{{$i}}{{else}}none{{end}}',
    '{{.HostConfig.RestartPolicy.Name}}',
    '{{json .HostConfig.RestartPolicy}}',
    '{{.Id | printf "%.12s"}}',
    '{{ne .State.Pid 0}}',
    '{{printf "%s=%v" "k" 1.5}}',
    '{{.Config.Cmd | json}}',
    '{{split .Name "g"}}',
    '{{.State.Status | len}}',
    '{{index .NetworkSettings.Networks "bridge" | json | len | lt 10}}',
    '{{ eq .Config.Image "busybox" }}',
    '{{ .Nope',
    '{{ "unterminated }}',
]

needs_cli = pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI on PATH to compare with")


def _cli(*args) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, timeout=60)
    return proc.stdout.decode("utf-8", "replace")[:-1] if proc.returncode == 0 else "ERROR"


def _ours(template: str, data) -> str:
    try:
        return parse(template).execute(data)
    except TemplateError:
        return "ERROR"


@pytest.fixture(scope="module")
def probe(engine):
    import uuid

    name = f"dm-tmpl-{uuid.uuid4().hex[:8]}"
    api = engine.api
    api.create_container("busybox", ["sleep", "600"], name=name, labels={"b": "2", "a": "1"})
    try:
        api.start(name)
        yield name
    finally:
        api.remove_container(name, force=True)


@needs_cli
def test_inspect_templates_render_as_the_cli_renders_them(engine, probe):
    data = engine.api.inspect_container(probe)
    differ = [(t, _cli("inspect", "--format", t, probe), _ours(t, data)) for t in TEMPLATES]
    differ = [d for d in differ if d[1] != d[2]]
    assert not differ, "\n".join(f"{t!r}: docker {cli!r}, dockermagic {ours!r}" for t, cli, ours in differ)


def _network_rows(api):
    for net in sorted(api.networks(), key=lambda n: n["Name"]):
        labels = net.get("Labels") or {}
        yield {"ID": net["Id"][:12], "Name": net["Name"], "Driver": net["Driver"], "Scope": net["Scope"],
               "Label": lambda key, labels=labels: labels.get(key, "")}


LISTING_FORMATS = [
    "table", "table {{.Name}}\\t{{.Driver}}", "table {{.Name}}\\t{{.Driver}}\\t{{.ID}}x", "table {{.Name}}:{{.Driver}}",
    'table {{upper .Name}}\\t{{pad .Driver 1 1}}|{{.Scope}}\\t{{.Label "com.example.my-key"}}',
    "{{.Name}}\\t{{.ID}}", "table {{json .Name}}\\t{{truncate .ID 4}}", "{{.Name}}",
]


@needs_cli
@pytest.mark.parametrize("fmt", LISTING_FORMATS)
def test_listing_formats_as_the_cli(engine, fmt):
    header = {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE"}
    ours = formats.listing(fmt, _network_rows(engine.api), header, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}")
    cli = _cli("network", "ls", "--format", fmt) + "\n"
    # the same rows (the CLI lists networks in the engine's order), the same header and alignment
    assert ours.splitlines()[:1] == cli.splitlines()[:1]
    assert sorted(ours.splitlines()) == sorted(cli.splitlines())


def test_tabwriter_aligns_column_blocks_as_go():
    assert formats.tabwrite("a\tbb\tc\nlonger-cell\td\n") == "a             bb        c\nlonger-cell   d\n"
    # a line without a tab ends the block: columns after it are aligned on their own
    assert formats.tabwrite("x\ty\nplain\nlong-long-long\tz\n") == "x         y\nplain\nlong-long-long   z\n"


@pytest.mark.parametrize("template, part", [
    ('{{define "x"}}y{{end}}', "define"), ("{{foo .X}}", 'function "foo"'), ("{{.A", "unclosed action"),
    ("{{if .A}}x", "no {{end}}"), ("{{end}}", "unexpected {{end}}"), ("{{break}}", "outside {{range}}"),
    ("{{template \"x\"}}", "template"), ("{{.A | }}", "missing command"), ("{{(.A}}", "unclosed '('"),
])
def test_unsupported_or_broken_templates_name_the_part(template, part):
    with pytest.raises(TemplateError) as err:
        parse(template)
    assert part in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("template, message", [
    ("{{A\n}}", '--format: function "A" not defined (in {{A\\n}}); known: '),
    ("{{=\n}}", "--format: bad variable declaration in {{=\\n}}"),
    ("{{range\n}}{{end}}", "--format: missing value for range in {{range\\n}}"),
    ("{{.A\t|\r}}", "--format: missing command in {{.A\\t|\\r}}"),
    ("{{end\x0b\u2028}}", "--format: unexpected {{end\\v\\u2028}}"),
])
def test_a_template_quoted_in_an_error_shows_its_control_characters_as_go_quotes_them(template, message):
    with pytest.raises(TemplateError) as err:
        parse(template)
    assert str(err.value).startswith(message)
    assert len(str(err.value).splitlines()) == 1


@pytest.mark.parametrize("template, message", [
    ("{{.A\n}}", "--format: at <.A\\n>: map has no entry for key \"A\""),
    ('{{range "a\\nb"}}{{end}}', "--format: at <{{range \"a\\nb\"}}>: range can't iterate over a\\nb"),
])
def test_errors_while_rendering_are_one_line_too(template, message):
    with pytest.raises(TemplateError) as err:
        parse(template).execute({})
    assert str(err.value) == message


WORDS = ["{{", "}}", "{{-", "-}}", " ", ".", ".A", ".A.B", ".Name", "$", "$x", ":=", "=", "|", "(", ")", ",",
         "if", "else", "end", "range", "with", "break", "continue", "and", "or", "not", "len", "index", "slice",
         "printf", "print", "println", "eq", "lt", "json", "split", "join", "title", "lower", "upper", "pad",
         "truncate", "html", "js", "urlquery", '"s"', '"%d %s %v %q %x"', "`raw`", "'c'", "0", "1", "-1", "2.5",
         "0x1f", "true", "nil", "/*", "*/", "x", "\\t", '"\\"', "\"\\u00e9\""]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["A", "B", "Name", "a"]), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=14).map("".join), VALUES)
def test_any_template_gives_text_or_a_template_error(template, data):
    try:
        out = parse(template).execute(data)
    except TemplateError as exc:
        assert str(exc).startswith("--format: ")
    else:
        assert isinstance(out, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), VALUES)
def test_any_text_gives_text_or_a_template_error(template, data):
    try:
        assert isinstance(parse(template).execute(data), str)
    except TemplateError:
        pass


def test_braces_reach_the_magic_as_typed_and_variables_still_expand(shell):
    from IPython.core.magic import line_magic, magics_class

    from dockermagic.magics.base import MagicsArea, reports_errors

    seen = []

    @magics_class
    class Echo(MagicsArea):
        @line_magic
        @reports_errors
        def docker_echo_line(self, line):
            seen.append(line)

    settings = shell.magics_manager.registry["DockerMagics"]
    shell.register_magics(Echo(shell, settings))
    try:
        shell.user_ns["name"] = "web"
        shell.run_cell("%docker_echo_line --format '{{.Name}} {{$x := .Id}}{{$x}}' {name} $name")
        shell.run_cell("def f():\n    here = 'local'\n    %docker_echo_line {{json .}} {here}\nf()")
        shell.run_cell("%docker echo_line --format='{{.Names}}\\t{{.Image}}' {name}")
        shell.run_cell("%docker_echo_line 'x $name' {nowhere} {{.A}}")
    finally:
        shell.magics_manager.magics["line"].pop("docker_echo_line", None)
    # the magic gets the words a shell reads (issue 23), quoted again for its own split
    assert [shlex.split(seen[0]), shlex.split(seen[1]), shlex.split(seen[3])] == [
        ["--format", "{{.Name}} {{$x := .Id}}{{$x}}", "web", "web"],
        ["{{json", ".}}", "local"],
        ["x $name", "{nowhere}", "{{.A}}"],  # nothing expands in '...'; a `{...}` that does not evaluate stays
    ]
    # `%docker` hands its subcommand the words it split, quoted again for the magic's own split
    assert shlex.split(seen[2]) == ["--format={{.Names}}\\t{{.Image}}", "web"]
