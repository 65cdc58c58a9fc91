"""Unit tests of the project model's modules (no engine, no oracle): YAML as compose-go reads it,
interpolation, dotenv, merge rules, names, file lookup, marks and value types."""

from __future__ import annotations

import pytest

from dockermagic.compose.model import envfile, units
from dockermagic.compose.model.interpolation import interpolate, substitute
from dockermagic.compose.model.loader import load, normalize_name
from dockermagic.compose.model.merge import merge, strip
from dockermagic.compose.model.project import ProjectOptions
from dockermagic.compose.model.yamlfile import Override, Reset, parse, parse_marked
from dockermagic.errors import ComposeFileError


@pytest.mark.parametrize("text, value", [
    ("yes", "yes"), ("on", "on"), ("True", True), ("FALSE", False), ("~", None), ("null", None), ("", None),
    ("010", 8), ("0o10", 8), ("0x1f", 31), ("1_000", 1000), ("0b11", 3), ("1e3", 1000.0), ("1:20", "1:20"),
    ("2001-12-14", "2001-12-14"), ("'1'", "1"), (".inf", float("inf")),
])
def test_yaml_12_scalars(text, value):
    assert parse(f"v: {text}\n") == {"v": value}


def test_anchors_merge_keys_and_tags():
    data = parse("x: &a {p: 1, q: 2}\ny:\n  <<: *a\n  q: 3\nz: !reset null\nw: !override [1]\n")
    assert data["y"] == {"p": 1, "q": 3}
    assert isinstance(data["z"], Reset) and isinstance(data["w"], Override)
    assert merge({"z": 1, "w": [0]}, data)["w"] == [1] and "z" not in merge({"z": 1}, data)


def test_bad_yaml_line_column_and_context():
    with pytest.raises(ComposeFileError, match=r"line 4, column 1: did not find expected ',' or '\]' \(while parsing "
                                                r"a flow sequence at line 3, column 12\)"):
        parse("services:\n  web:\n    image: [x\n")
    with pytest.raises(ComposeFileError, match="already defined at line 1"):
        parse("a: 1\na: 2\n")


def test_marks_name_the_key_line():
    _, marks = parse_marked("a:\n  b:\n    c: 1\n    d: [x, y]\ne: &k {f: 1}\ng:\n  <<: *k\n")
    assert marks.at(("a", "b", "d")) == (4, 5)
    assert marks.at(("a", "b", "d", 1)) == (4, 12)
    assert marks.at(("g", "f")) == (5, 8)
    assert marks.at(("a", "missing")) == (1, 1)


@pytest.mark.parametrize("text, value", [
    ("$A", "a"), ("${A}", "a"), ("${U:-d}", "d"), ("${E:-d}", "d"), ("${E-d}", ""), ("${U-d}", "d"),
    ("${A:+x}", "x"), ("${E:+x}", ""), ("${E+x}", "x"), ("$$A", "$A"), ("${U:-${A}b}", "ab"), ("a$", "a$"),
    ("$1", "$1"),
])
def test_interpolation_forms(text, value):
    assert substitute(text, {"A": "a", "E": ""}, "x") == value


@pytest.mark.parametrize("text, message", [
    ("${A:?need it}", "required variable A is missing a value: need it"), ("${A?}", "required variable A"),
    ("${", "invalid interpolation format"), ("${A", "invalid interpolation format"), ("${-}", "invalid interpolation"),
])
def test_interpolation_errors(text, message):
    with pytest.raises(ComposeFileError, match=message):
        substitute(text, {}, "services.s.image")


def test_interpolation_warns_and_casts():
    warnings: list = []
    data = interpolate({"services": {"s": {"tty": "on", "image": "$NOPE", "scale": "2"}}}, {}, warnings=warnings)
    assert data["services"]["s"] == {"tty": True, "image": "", "scale": 2}
    assert warnings == ['"on" for boolean is not supported by YAML 1.2, please use `true`',
                        'The "NOPE" variable is not set. Defaulting to a blank string.']


def test_dotenv_quirks():
    text = ("# c\nexport A=1\nB: 2\nC='$A x'\nD=\"${A}\\n\" # c\nE=v #c\nF=v#no\nG\nH=\"multi\nline\"\n")
    assert envfile.parse(text, {"G": "g"}) == {"A": "1", "B": "2", "C": "$A x", "D": "1\n", "E": "v", "F": "v#no",
                                               "G": "g", "H": "multi\nline"}


def test_merge_rules():
    base = {"services": {"s": {"command": ["a"], "environment": ["A=1"], "ports": ["80"], "labels": {"l": "1"}}}}
    other = {"services": {"s": {"command": ["b"], "environment": {"B": "2"}, "ports": ["81"], "labels": ["m=2"]}}}
    merged = strip(merge(base, other))["services"]["s"]
    assert merged == {"command": ["b"], "environment": {"A": "1", "B": "2"}, "ports": ["80", "81"],
                      "labels": {"l": "1", "m": "2"}}


@pytest.mark.parametrize("folder, name", [("My App", "myapp"), ("_x.y-Z", "xy-z"), ("123", "123")])
def test_name_normalization(folder, name):
    assert normalize_name(folder) == name


def test_lookup_in_parent_folders_and_project_directory(tmp_path):
    (tmp_path / "docker-compose.yml").write_text("services:\n  s:\n    image: x\n")
    (tmp_path / "docker-compose.override.yml").write_text("services:\n  s:\n    image: y\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    project = load(ProjectOptions(cwd=str(tmp_path / "a" / "b"), environ={}))
    assert project.name == normalize_name(tmp_path.name) and project.services["s"]["image"] == "y"
    other = tmp_path / "other"
    other.mkdir()
    (other / ".env").write_text("COMPOSE_PROJECT_NAME=fromdir\n")
    project = load(ProjectOptions(files=[str(tmp_path / "docker-compose.yml")], project_directory=str(other),
                                  cwd=str(tmp_path), environ={}))
    assert (project.name, project.working_dir) == ("fromdir", str(other))


def test_refusals_name_key_and_line(tmp_path):
    path = str(tmp_path / "compose.yaml")
    cases = {"services:\n  web:\n    image: x\n    foo: 1\n": "services.web additional properties 'foo' not allowed (line 4)",
             "services:\n  web:\n    image: x\n    ports: ['80/xyz']\n": "invalid proto: xyz (line 4)",
             "services:\n  web:\n\n    image: 1\n": "services.web.image must be a string (line 4)"}
    for text, message in cases.items():
        with pytest.raises(ComposeFileError) as caught:
            load(ProjectOptions(files=[path], contents={path: text}, environ={}))
        assert str(caught.value).endswith(message)


def test_units_as_go():
    assert units.duration("1h2m", "") == "1h2m0s" and units.duration("1.5s", "") == "1.5s"
    assert units.byte_count("1.5GiB", "") == 1610612736 and units.byte_count("64m", "") == 64 * 2**20
    with pytest.raises(ComposeFileError, match='time: missing unit in duration "10"'):
        units.nanoseconds("10", "")
    with pytest.raises(ComposeFileError, match="invalid suffix: 'q'"):
        units.byte_count("10q", "")
