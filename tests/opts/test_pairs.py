"""KEY=VALUE options, each with the docker CLI's rule (no engine needed)."""

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.opts import pairs


def test_labels_bare_key_is_empty_last_wins():
    assert pairs.label_map(["a=1", "b", "c=x=y", "a=2", "  lead=ok"]) == {"a": "2", "b": "", "c": "x=y", "lead": "ok"}


@pytest.mark.parametrize("item, words", [("=v", "empty name"), ("", "empty name"), ("my key=v", "contains whitespace")])
def test_labels_refused(item, words):
    with pytest.raises(InvalidInput, match=words) as info:
        pairs.label_map([item], "-l")
    assert str(info.value).startswith("-l ") and "\n" not in str(info.value)


def test_env_bare_key_reads_the_environment_or_is_left_out(monkeypatch):
    monkeypatch.setenv("DM_SET", "from-env")
    monkeypatch.delenv("DM_UNSET", raising=False)
    assert pairs.env_list(["A=1", "DM_SET", "DM_UNSET", "B=", "C=x=y"]) == ["A=1", "DM_SET=from-env", "B=", "C=x=y"]
    assert pairs.env_map(["DM_SET", "DM_UNSET", "W=world"], "--build-arg") == {"DM_SET": "from-env", "W": "world"}


@pytest.mark.parametrize("item", ["=1", "", "MY VAR=1"])
def test_env_refused(item):
    with pytest.raises(InvalidInput, match="--build-arg .*expected KEY=VALUE"):
        pairs.env_map([item], "--build-arg")


def test_env_file_skips_comments_and_blanks_keeps_values(tmp_path, monkeypatch):
    monkeypatch.setenv("DM_SET", "x")
    path = tmp_path / "vars.env"
    path.write_text("# comment\n\n   \n  A=1\nB=two words \nDM_SET\n  # indented comment\n")
    lines = pairs.env_file_lines(str(path))
    assert lines == ["A=1", "B=two words ", "DM_SET"]
    assert pairs.env_list(lines, "--env-file") == ["A=1", "B=two words ", "DM_SET=x"]
    with pytest.raises(InvalidInput, match="--env-file .*nope.env"):
        pairs.env_file_lines(str(tmp_path / "nope.env"))


def test_filters_must_be_pairs_keys_lowered_values_trimmed():
    assert pairs.filter_map(["name=web", "Status = exited", "name=db", "", "label=a=b"]) == {
        "name": ["web", "db"], "status": ["exited"], "label": ["a=b"]}
    for item in ("foo", "=x"):
        with pytest.raises(InvalidInput, match="-f .*expected KEY=VALUE, e.g. name=web"):
            pairs.filter_map([item])


def test_fields_only_named_flags_stand_alone():
    assert pairs.fields("type=bind, source=/a,target=/b,readonly", "--mount", "KEY=VALUE", flags=("readonly",)) == {
        "type": "bind", "source": "/a", "target": "/b", "readonly": "true"}
    with pytest.raises(InvalidInput, match="--mount .*expected KEY=VALUE, not 'bogus'"):
        pairs.fields("type=bind,bogus", "--mount", "KEY=VALUE", flags=("readonly",))
