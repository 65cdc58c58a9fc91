"""The one tokenizer of magic lines (no engine needed)."""

import pytest
from IPython.core.error import UsageError

from dockermagic.engine.selection import Selection
from dockermagic.magics.args import global_flags, join, split


def test_split_is_posix_shell_words():
    assert split('--build-arg MSG="hello world" -e A=\'x y\' sh -c "echo $HOME" # not a comment') == [
        "--build-arg", "MSG=hello world", "-e", "A=x y", "sh", "-c", "echo $HOME", "#", "not", "a", "comment"]
    assert split("") == [] and split("   ") == []


def test_join_reads_back_to_the_same_words():
    for words in (["sh", "-c", "echo 'hi' \"there\""], ["--description", "my box"], ["", "a b", "$x"]):
        assert split(join(words)) == words


def test_unbalanced_quotes_are_one_line_without_the_line():
    with pytest.raises(UsageError, match="no closing quotation") as info:
        split("-u me -p 's3cret")
    assert "s3cret" not in str(info.value) and "\n" not in str(info.value)
    assert split("-u me -p 's3cret", strict=False) == ["-u", "me", "-p", "'s3cret"]


def test_global_flags_hand_on_the_rest_with_its_quoting():
    assert global_flags('--context e2 run --rm busybox sh -c "echo a b"') == (
        Selection(context="e2"), "run --rm busybox sh -c 'echo a b'")
    assert global_flags("-c e2 ps", short_context=True) == (Selection(context="e2"), "ps")
    line = 'ps -a --format "{{.Names}}"'
    assert global_flags(line) == (None, line)  # no flags: the line as typed
    assert global_flags("-H 'broken") == (None, "-H 'broken")  # left to the magic's parser
