"""A magic line's words as POSIX sh reads them, side by side with `/bin/sh` itself (the oracle:
`sh -c 'printf "%s\\0" WORDS'`): quotes, escapes, `$VAR`, `${VAR:-word}` and the other forms,
`$(...)` and backquotes, field splitting and globbing; then the grammar (pipes, sequences,
redirections) and what stays refused, each in one line.  Nothing here needs an engine."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dockermagic.magics.expand import expand_words
from dockermagic.magics.shell.reader import VALUE_CLOSE, VALUE_OPEN, ShellSyntax, parse
from dockermagic.magics.shell.words import Expander

ENV = {"A": "a b  c", "E": "", "Q": "'x;y' $(id) \"q", "P": "/usr/lib/x.tar.gz", "HOME": "/root", "STAR": "*.md"}


def sh(words: str, cwd) -> list[str]:
    done = subprocess.run(["/bin/sh", "-c", f"printf '%s\\0' START {words}"], capture_output=True, text=True,
                          env={**ENV, "PATH": os.environ["PATH"]}, cwd=cwd, check=True)
    return done.stdout.split("\0")[1:-1]  # START: printf with no word still prints once


def ours(words: str, cwd) -> list[str]:
    (command,) = parse(f"printf x {words}").steps[0][1]
    run = lambda source: subprocess.run(["/bin/sh", "-c", source], capture_output=True, text=True,  # noqa: E731
                                        cwd=cwd, env={**ENV, "PATH": os.environ["PATH"]}).stdout
    return Expander(run, env=ENV).all(command.words)[2:]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # globs match in the kernel's folder
    for name in ("a.md", "b.md", ".hidden.md", "c.txt"):
        (tmp_path / name).write_text("")
    return tmp_path


@pytest.mark.parametrize("words", [
    "a b 'c d' \"e f\"",
    "$A \"$A\" x$A\"y\"",
    "$E \"$E\" '' x\"\" $E$E",
    "${A:-z} ${E:-z w} ${E-z} ${U:+y} ${A:+y} ${U:-\"q r\"} ${U:-a  b}c",
    "$Q \"$Q\"",
    "${P%.*} ${P%%.*} ${P#*/} ${P##*/} ${#P} ${P%.tar*}",
    "\"$(echo hi there)\" $(echo hi there) `echo a   b` $(echo \"$(echo nested)\")",
    "a\\ b \"a\\$b\" 'a\\b' \"a\\b\" \\$A '$A' \"\\\"\"",
    "~ ~/x \"~\" x~",
    "*.md \"*.md\" '*'.md $STAR \"$STAR\" *.none [ab].md",
    "$1 $# \"${U}\" ${U}",
    "x=1 --opt=$A -v\"$A\":/app",
    "'{{.Names}}' \"{{json .}}\" {{.ID}}",
])
def test_words_expand_as_sh_expands_them(words, folder):
    assert ours(words, folder) == sh(words, folder)


WORD = st.text(alphabet="ab $\\'\"*{}:-=%#/.~\t", min_size=0, max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WORD, min_size=1, max_size=4))
def test_any_line_sh_reads_is_read_to_the_same_words(folder, pieces):
    words = " ".join(pieces)
    assume(not any(p in words for p in ("$$", "${$", "$-", "${-")))  # the process id and sh's own flags
    assume("${#" not in words and "*/" not in words)  # known gaps: `${#-}`-style specials, globs of folders
    try:
        expected = sh(words, folder)
    except subprocess.CalledProcessError:
        return  # sh refuses it (unbalanced quotes, a bad substitution): so do we, or we may differ in wording
    try:
        got = ours(words, folder)
    except ShellSyntax:
        pytest.fail(f"sh reads {words!r}, the reader refused it")
    assert got == expected, words


def test_a_variable_is_a_word_never_code(folder):
    """A value holding `;`, `$(...)` or quotes: expanded once, as sh expands it."""
    env = {"EVIL": "x; touch pwned $(touch pwned2) `touch pwned3` 'q"}
    (command,) = parse("run busybox echo $EVIL \"$EVIL\"").steps[0][1]
    words = Expander(lambda source: pytest.fail(f"ran {source!r}"), env=env).all(command.words)
    assert words == ["run", "busybox", "echo", "x;", "touch", "pwned", "$(touch", "pwned2)", "`touch", "pwned3`",
                     "'q", env["EVIL"]]


def test_python_values_come_first_and_are_words_never_code():
    ns = {"img": "busy box", "evil": "a; $(id) \"q", "PWD": "/from/python", "n": 2}
    line = expand_words("run {img} $evil $PWD $HOME ${HOME:-/} {n+1} --format '{{.Names}}' '$img' $1", ns)
    assert line == (f"run {VALUE_OPEN}busy box{VALUE_CLOSE} {VALUE_OPEN}a; $(id) \"q{VALUE_CLOSE} "
                    f"{VALUE_OPEN}/from/python{VALUE_CLOSE} $HOME ${{HOME:-/}} {VALUE_OPEN}3{VALUE_CLOSE} "
                    "--format '{{.Names}}' '$img' $1")
    program = parse(line)
    assert program.simple() is not None  # the `;` in a value made no sequence
    words = Expander(lambda source: pytest.fail(f"ran {source!r}"), env={"HOME": "/root"}).all(
        program.simple().words)
    assert words == ["run", "busy", "box", "a;", "$(id)", '"q', "/from/python", "/root", "/root", "3",
                     "--format", "{{.Names}}", "$img"]


def test_a_python_value_in_double_quotes_is_one_word():
    line = expand_words('exec c sh -c "echo {msg}"', {"msg": "it's $(here); ok"})
    (command,) = parse(line).steps[0][1]
    assert Expander(lambda s: pytest.fail(s), env={}).all(command.words)[-1] == "echo it's $(here); ok"


def test_the_grammar_pipes_sequences_and_redirections():
    program = parse("ps -q | xargs docker stop && docker rm x || echo 'a | b' ; save img 2>/dev/null > f.tar")
    assert [connector for connector, _ in program.steps] == [";", "&&", "||", ";"]
    assert [len(pipeline) for _, pipeline in program.steps] == [2, 1, 1, 1]
    last = program.steps[-1][1][0]
    assert [(r.fd, r.op, r.target.raw) for r in last.redirects] == [(2, ">", "/dev/null"), (1, ">", "f.tar")]
    assert parse("run x sh -c 'a && b | c'").simple() is not None
    assert parse("ps 2>&1").steps[0][1][0].redirects[0].op == ">&"
    assert parse("X=1 Y=$A run busybox env").steps[0][1][0].assignments[0][0] == "X"
    assert parse("ps # a comment | not a pipe").simple() is not None


@pytest.mark.parametrize(("line", "says"), [
    ("run -d busybox sleep 9 &", "`&` (run in the background) is not run"),
    ("run -i busybox cat <<EOF", "here-documents (`<<`) are not read"),
    ("ps; (docker images)", "`( ... )` subshells and shell functions are not run"),
    ("f() { docker ps; }", "`( ... )` subshells and shell functions are not run"),
    ("run busybox echo $((1+2))", "`$(( ))` arithmetic is not read"),
    ("ps && for x in a; do docker rm $x; done", "`for` is shell control flow"),
    ("run busybox echo 'unclosed", "unterminated quoted string"),
    ("run busybox echo $(date", "unclosed $("),
    ("ps |", "a command is missing after it"),
    ("ps && ", "a command is missing after it"),
    ("| head", "a command is missing"),
])
def test_what_stays_refused_says_what_to_write_instead_in_one_line(line, says):
    with pytest.raises(ShellSyntax) as err:
        parse(line)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_unset_and_required_variables():
    (command,) = parse("run ${NOPE:?set NOPE first}").steps[0][1]
    with pytest.raises(ShellSyntax, match="NOPE: set NOPE first"):
        Expander(lambda s: "", env={}).all(command.words)
    (command,) = parse("run $NOPE ${NOPE:=dflt} $NOPE").steps[0][1]
    assert Expander(lambda s: "", env={}).all(command.words) == ["run", "dflt", "dflt"]
