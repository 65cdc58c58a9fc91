"""The checks BuildKit makes while it dispatches a stage's instructions (dockerfile2llb): the
stage's environment followed from its base (the image's ENV where the engine has the image,
PATH always set), the parent stage's ARGs and ENVs, its own ARG and ENV lines; each word
BuildKit expands checked for undefined variables (UndefinedVar, with its "did you mean"),
and CMD / ENTRYPOINT / HEALTHCHECK / WORKDIR / ENV / LABEL / ARG / EXPOSE / COPY / ADD by
their rules.  A base image whose config is unknown here (not on the engine, or no engine)
leaves its ENV unknown: UndefinedVar is not reported for that stage, and the report says so."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ...text.strconv import go_quote
from ..lex import Lexer, ShellSyntaxError
from ..parser import heredoc_word
from .words import DEFAULT_PATH, platform, platform_text, secret, suggest

NON_ENV_ARGS = ("BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE")
_REMOTE = re.compile(r"(?:https?|git|ssh)://|git@")
ROOT_PATTERNS = ("*", "**", "**/*")


@dataclass
class State:
    """A stage as dispatch leaves it: what a later `FROM <stage>` starts from."""

    env: dict = field(default_factory=dict)
    env_known: bool = True
    shell: list = field(default_factory=list)
    workdir_set: bool = False
    args: list = field(default_factory=list)  # the ARG names declared (inherited ones too)
    os: str = "linux"  # the stage's platform's OS: what an absolute WORKDIR is

    def child(self) -> "State":
        return State(dict(self.env), self.env_known, list(self.shell), self.workdir_set, list(self.args), self.os)


def dispatch_stages(dockerfile, lint, bases, globals_, build_args, target, build, target_platform, images, ignore):
    """Dispatch the stages (those `target` needs for a build; all for a check without target);
    returns the report's notes."""
    if build or target:
        wanted = {s.index for s in dockerfile.needed(build_args, target, target_platform)}
    else:
        wanted = {s.index for s in dockerfile.stages}
    states: dict[str, State] = {}
    unknown: list[str] = []
    facts_of: dict[str, object] = {}
    for stage, (base, stage_platform) in zip(dockerfile.stages, bases):
        if stage.index not in wanted:
            continue
        wanted_os = (platform(stage_platform or target_platform) or ("linux",))[0]
        if base in states:
            state = states[base].child()
        elif base == "scratch":
            state = State(os=wanted_os)
        else:
            if base not in facts_of:
                facts_of[base] = images(base) if images else None
            facts = facts_of[base]
            state = State(env_known=facts is not None, os=wanted_os)
            if facts is None:
                if base:   # an empty name is InvalidDefaultArgInFrom's to report
                    unknown.append(base)
            else:
                state.os = facts.os
                state.env = dict(e.partition("=")[::2] for e in facts.env)
                state.shell = list(facts.shell)
                _platform(lint, dockerfile, stage, base, stage_platform or target_platform, facts)
        state.env.setdefault("PATH", DEFAULT_PATH)
        Stage(dockerfile, lint, state, globals_, build_args, ignore).run(stage.instructions)
        if stage.name:
            states[stage.name] = state
    notes = []
    if unknown and lint.options.runs("UndefinedVar", False):
        why = "the image is not on the engine" if images else "no engine was asked for it"
        notes.append("UndefinedVar not checked in stages from " + ", ".join(dict.fromkeys(unknown))
                     + f": their ENV is unknown here ({why})")
    return notes


def _platform(lint, dockerfile, stage, base, expected_text, facts) -> None:
    expected = platform(expected_text)
    if expected is None:
        return
    if (facts.os, facts.architecture) != expected[:2]:
        lint.run("InvalidBaseImagePlatform", stage_lines(dockerfile, stage), base,
                 go_quote(platform_text(facts.os, facts.architecture, facts.variant)), go_quote(platform_text(*expected)))


def stage_lines(dockerfile, stage) -> tuple[int, int]:
    """The lines of a stage's FROM instruction (where BuildKit locates a stage's warnings)."""
    ins = next(i for i in dockerfile.instructions if i.keyword == "FROM" and i.start_line == stage.line)
    return ins.start_line, ins.end_line


class Stage:
    """One stage's instructions dispatched as BuildKit dispatches them, for the checks."""

    def __init__(self, dockerfile, lint, state: State, globals_: dict, build_args: dict, ignore):
        self.lint, self.state, self.globals, self.build_args, self.ignore = lint, state, globals_, build_args, ignore
        self.lexer = Lexer(dockerfile.directives.escape)
        self.raw = Lexer("\\", skip_quotes=True)
        self.once: dict[str, tuple] = {}  # CMD / ENTRYPOINT / HEALTHCHECK: where the last one was

    def run(self, instructions) -> None:
        for ins in instructions:
            try:
                self.dispatch(ins)
            except ShellSyntaxError:
                return  # BuildKit's build fails there: no check goes further

    def expand(self, ins, word: str, raw: bool = False) -> str:
        lexer = self.raw if raw else self.lexer
        value, _, unmatched = lexer.word_matches(word, self.state.env)
        unmatched -= set(self.state.args)
        if not self.state.env_known:
            return value
        keys = list(self.state.env)
        for name in sorted(unmatched):
            if name not in NON_ENV_ARGS:
                near = suggest(name, keys)
                self.lint.run("UndefinedVar", (ins.start_line, ins.end_line), name, f" (did you mean ${near}?)" if near else "")
        return value

    def dispatch(self, ins) -> None:
        where = (ins.start_line, ins.end_line)
        keyword, written = ins.keyword, ins.original.split(None, 1)[0]
        handler = getattr(self, "_" + keyword.lower(), None)
        if keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            previous = self.once.get(keyword)
            if previous is not None:
                self.lint.run("MultipleInstructionsDisallowed", previous, written)
            self.once[keyword] = where
        if keyword in ("CMD", "ENTRYPOINT") and not ins.json and not self.state.shell:
            self.lint.run("JSONArgsRecommended", where, written)
        if handler is not None:
            handler(ins, where, written)

    def _env(self, ins, where, written, label: bool = False) -> None:
        pairs = [ins.args[i:i + 3] for i in range(0, len(ins.args), 3)]
        expanded = [(self.expand(ins, key), self.expand(ins, value), delim) for key, value, delim in pairs]
        for key, value, delim in expanded:
            if not delim:
                self.lint.run("LegacyKeyValueFormat", where, written)
            if not label:
                if secret(key):
                    self.lint.run("SecretsUsedInArgOrEnv", where, "ENV", go_quote(key))
                self.state.env[key] = value

    def _label(self, ins, where, written) -> None:
        self._env(ins, where, written, label=True)

    def _arg(self, ins, where, written) -> None:
        for word in ins.args:
            key, eq, default = word.partition("=")
            if secret(key):
                self.lint.run("SecretsUsedInArgOrEnv", where, "ARG", go_quote(key))
            value = None
            if key in self.build_args:
                value = self.build_args[key]
            elif eq:
                value = self.expand(ins, default)
            elif key in self.globals:
                value = self.globals[key]
            if value is not None and key not in NON_ENV_ARGS:
                self.state.env[key] = value
            self.state.args.append(key)

    def _shell(self, ins, where, written) -> None:
        self.state.shell = list(ins.args)

    def _workdir(self, ins, where, written) -> None:
        path = self.expand(ins, ins.args[0])
        if not self.state.workdir_set and not _absolute(path, self.state.os):
            self.lint.run("WorkdirRelativePath", where, go_quote(path))
        self.state.workdir_set = True

    def _user(self, ins, where, written) -> None:
        self.expand(ins, ins.args[0])

    _stopsignal = _user

    def _volume(self, ins, where, written) -> None:
        for word in ins.args:
            self.expand(ins, word)

    def _run(self, ins, where, written) -> None:
        """RUN's own words are the shell's; its `--mount` values are BuildKit's (setMountState)."""
        for spec in ins.flags.get("mount", []):
            for part in spec.split(","):
                key, eq, value = part.partition("=")
                if eq and key.strip().lower() != "from":
                    self.expand(ins, value)

    def _expose(self, ins, where, written) -> None:
        ports = [port for word in ins.args for port in self.lexer.words(word, self.state.env)]
        for port in ports:
            parts = port.split(":")  # [ip:]host:container, as BuildKit's splitParts cuts it
            ip, host = (":".join(parts[:-2]), parts[-2]) if len(parts) > 1 else ("", "")
            proto = parts[-1].partition("/")[2]
            if proto.lower() not in ("", "tcp", "udp", "sctp") or not parts[-1].partition("/")[0]:
                return  # BuildKit's build fails on it
            if proto != proto.lower():
                self.lint.run("ExposeProtoCasing", where, port)
            if ip or host:
                self.lint.run("ExposeInvalidFormat", where, port)

    def _copy(self, ins, where, written, add: bool = False) -> None:
        for flag in ("chown", "chmod") + (() if add else ("from",)):
            if isinstance(ins.flags.get(flag), str):
                self.expand(ins, ins.flags[flag])
        words = [self.expand(ins, w) for w in ins.args if heredoc_word(w) is None]
        for doc in ins.heredocs:
            if doc.expand:
                self.expand(ins, doc.content, raw=True)
        if self.ignore is None or (not add and ins.flags.get("from")):
            return
        for source in words[:-1]:
            if not _REMOTE.match(source):
                self._ignored(source, where, "Add" if add else "Copy")

    def _add(self, ins, where, written) -> None:
        self._copy(ins, where, written, add=True)

    def _ignored(self, source: str, where, verb: str) -> None:
        """CopyIgnoredFile, as validateCopySourcePath decides it."""
        src = _clean(source)
        positive = [p for p in self.ignore.patterns if not p.exclusion]
        if src in (".", "/") and not any(p.text in ROOT_PATTERNS for p in positive):
            return
        if _negated(self.ignore.patterns, src):
            return
        if self.ignore.excluded(src):
            self.lint.run("CopyIgnoredFile", where, verb, go_quote(src))


def _absolute(path: str, os_: str) -> bool:
    """system.IsAbs: `/x` on Linux; on Windows also `C:\\x`, `C:/x` and `\\x`."""
    if os_ != "windows":
        return path.startswith("/")
    return path[:1] in ("/", "\\") or bool(re.match(r"[A-Za-z]:[\\/]", path))


def _clean(path: str) -> str:
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _negated(patterns, src: str) -> bool:
    """A `!` pattern that could bring back something at or below `src`: BuildKit leaves it unchecked."""
    src = src.lstrip("/")
    src = "" if src == "." else src
    for pattern in patterns:
        if not pattern.exclusion:
            continue
        elems = pattern.text.split("/")
        cut = next((i for i, e in enumerate(elems) if any(c in e for c in "*?[")), None)
        prefix = "/".join(elems[:cut]) if cut is not None else pattern.text
        if _at_or_below(prefix, src) or (cut is not None and _at_or_below(src, prefix)):
            return True
    return False


def _at_or_below(path: str, base: str) -> bool:
    return base == "" or path == base or path.startswith(base + "/")
