"""The build checks of one parsed Dockerfile, in BuildKit's order: the parser's warnings, the
instruction parse (casing, MAINTAINER, description comments), the stage names, the FROM lines
with the global ARGs (undeclared, invalid by default, redundant or constant platforms), then
each stage dispatched (`dispatch.py`).  `check()` returns a `CheckReport`; a `check=`
option BuildKit refuses is a `DockerfileError`, as the build would fail on it.

Like `docker build --check` without `--target`, every stage is dispatched; like a build
(`build=True`), only the stages the target needs, as BuildKit warns only about what it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import DockerfileError
from ...text.strconv import go_quote
from ..lex import Lexer, ShellSyntaxError
from ..model import Dockerfile, platform_args
from . import options as checkopts
from .dispatch import dispatch_stages, stage_lines
from .rules import RULES, CheckReport, CheckWarning
from .words import platform, suggest, valid_reference

RESERVED_STAGE_NAMES = ("context", "scratch")


@dataclass
class ImageFacts:
    """What a base image's config says that the checks read (inspected on the engine)."""

    env: list[str] = field(default_factory=list)  # "KEY=value"
    shell: list[str] = field(default_factory=list)
    os: str = "linux"
    architecture: str = "amd64"
    variant: str = ""


class Linter:
    """BuildKit's linter.Linter: runs a rule unless the options skip it (or the instruction's own
    `# check=skip=` comment does), keeps its warnings and the rules that fired."""

    def __init__(self, options: checkopts.Options, local: dict[int, checkopts.Options]):
        self.options, self.local = options, local
        self.warnings: list[CheckWarning] = []
        self.called: list[str] = []

    def run(self, name: str, lines: tuple[int, int], *args) -> None:
        rule = RULES[name]
        if not self.options.runs(name, rule.experimental):
            return
        here = self.local.get(lines[0])
        if here is not None and (here.skip_all or name in here.skip):
            return
        self.called.append(name)
        self.warnings.append(CheckWarning(name, rule.description, rule.url, rule.message.format(*args), *lines))

    def error(self) -> str | None:
        if not self.options.error or not self.called:
            return None
        return "lint violation found for rules: " + ", ".join(dict.fromkeys(self.called))


def configured(dockerfile: Dockerfile, build_args: dict | None = None) -> checkopts.Options:
    """The options in force: the BUILDKIT_DOCKERFILE_CHECK build arg, else the `# check=` directive."""
    build_args = build_args or {}
    if checkopts.BUILD_ARG in build_args:
        try:
            return checkopts.parse(build_args[checkopts.BUILD_ARG] or "", checkopts.BUILD_ARG)
        except checkopts.CheckOptionError as exc:
            raise DockerfileError(f"failed to parse build-arg:{checkopts.BUILD_ARG}: {exc}; write e.g. "
                                  f"--build-arg {checkopts.BUILD_ARG}=skip=JSONArgsRecommended;error=true") from None
    line = dockerfile.directives.lines.get("check")
    try:
        return checkopts.parse(dockerfile.directives.check or "", f"# check= (line {line})" if line else "")
    except checkopts.CheckOptionError as exc:
        raise DockerfileError(f"line {line}: failed to parse check options: {exc}; write e.g. "
                              "# check=skip=JSONArgsRecommended;error=true") from None


def check(dockerfile: Dockerfile, *, filename: str = "Dockerfile", build_args: dict | None = None,
          target: str | None = None, build: bool = False, platform: str = "linux/amd64",
          images=None, ignore=None) -> CheckReport:
    """Run the checks.  `images(ref) -> ImageFacts | None`: a base image's config where it is
    known (None: not on the engine); `ignore`: the context's `.dockerignore` matcher
    (`build.dockerignore.Matcher`), None without one."""
    build_args = {k: v for k, v in (build_args or {}).items() if v is not None}
    options = configured(dockerfile, build_args)
    local = {node.start: found for node in dockerfile.nodes if (found := checkopts.local_skips(node.comments))}
    lint = Linter(options, local)
    for node in dockerfile.nodes:
        if node.empty_continuation:
            lint.run("NoEmptyContinuation", (node.empty_continuation, node.empty_continuation))
    _instructions(dockerfile, lint)
    _stage_names(dockerfile, lint)
    _casing(dockerfile, lint)
    try:
        globals_, declared = global_args(dockerfile, build_args, platform)
    except ShellSyntaxError as exc:
        line = next(i.start_line for i in dockerfile.instructions if i.keyword == "ARG")
        raise DockerfileError(f"line {line}: {exc}") from None
    _default_bases(dockerfile, lint, platform, build_args)
    bases = _froms(dockerfile, lint, globals_, declared)
    notes = dispatch_stages(dockerfile, lint, bases, globals_, build_args, target, build, platform, images, ignore)
    lint.warnings.sort(key=lambda w: w.line)
    return CheckReport(filename, dockerfile.text, lint.warnings, lint.error(), notes)


def lines_of(ins) -> tuple[int, int]:
    return ins.start_line, ins.end_line


def _instructions(dockerfile: Dockerfile, lint: Linter) -> None:
    """What BuildKit's instruction parse checks, node by node."""
    for node, ins in zip(dockerfile.nodes, dockerfile.instructions):
        where = lines_of(ins)
        if ins.keyword == "MAINTAINER":
            lint.run("MaintainerDeprecated", where)
        elif ins.keyword == "FROM":
            args = ins.args
            if len(args) == 3 and args[2] != args[2].lower():
                lint.run("StageNameCasing", where, args[2])
            written = node.keyword
            if len(args) >= 3 and written in (written.lower(), written.upper()):
                wanted = args[1].lower() if written == written.lower() else args[1].upper()
                if args[1] != wanted:
                    lint.run("FromAsCasing", where, written, args[1])
            if len(args) == 3:
                _description(lint, "FROM", [args[2].lower()], node.comments, where)
        elif ins.keyword == "ARG":
            _description(lint, "ARG", [a.partition("=")[0] for a in ins.args], node.comments, where)


def _description(lint: Linter, instruction: str, keys: list[str], comments: list[str], where) -> None:
    if not comments or not keys:
        return
    if comments[-1].split(" ")[0] in keys:
        return
    lint.run("InvalidDefinitionDescription", where, instruction, keys[0] if len(keys) == 1 else "<arg_key>")


def _stage_names(dockerfile: Dockerfile, lint: Linter) -> None:
    seen: set[str] = set()
    for stage in dockerfile.stages:
        if not stage.name:
            continue
        where = stage_lines(dockerfile, stage)
        if stage.name in RESERVED_STAGE_NAMES:
            lint.run("ReservedStageName", where, go_quote(stage.name))
        if stage.name in seen:
            lint.run("DuplicateStageName", where, go_quote(stage.name))
        seen.add(stage.name)


def _casing(dockerfile: Dockerfile, lint: Linter) -> None:
    """ConsistentInstructionCasing: every instruction of the stages (the ARGs before the first
    FROM are no stage's) against the casing most of them use."""
    first = next(i for i, ins in enumerate(dockerfile.instructions) if ins.keyword == "FROM")
    written = [(node.keyword, lines_of(ins)) for node, ins in
               zip(dockerfile.nodes[first:], dockerfile.instructions[first:])]
    lower = sum(1 for word, _ in written if word == word.lower())
    upper = sum(1 for word, _ in written if word != word.lower() and word == word.upper())
    majority_lower = lower > upper
    for word, where in written:
        if majority_lower and word != word.lower():
            lint.run("ConsistentInstructionCasing", where, word, "lowercase")
        elif not majority_lower and word != word.upper():
            lint.run("ConsistentInstructionCasing", where, word, "uppercase")


def default_args(build_args: dict, target_platform: str) -> dict[str, str]:
    """BuildKit's automatic platform ARGs (the build platform is the engine's), build args over them."""
    env = platform_args(target_platform)
    return {key: build_args.get(key, value) for key, value in env.items()}


def global_args(dockerfile: Dockerfile, build_args: dict, target_platform: str, defaults_only: bool = False):
    """(the global ARGs FROM lines see, every name declared before the first FROM): BuildKit's
    buildMetaArgs on its default args."""
    env = default_args(build_args, target_platform)
    lexer = Lexer(dockerfile.directives.escape)
    declared: list[str] = []
    for name, default in dockerfile.meta_args:
        declared.append(name)
        if name in build_args and not defaults_only:
            env[name] = build_args[name]
        elif default is not None:
            env[name] = lexer.word(default, env)
    return env, declared


def _default_bases(dockerfile: Dockerfile, lint: Linter, target_platform: str, build_args: dict) -> None:
    """InvalidDefaultArgInFrom: each base name as the global ARGs' defaults alone make it."""
    try:
        env, _ = global_args(dockerfile, build_args, target_platform, defaults_only=True)
        lexer = Lexer(dockerfile.directives.escape)
        names = [(stage, lexer.word(stage.base, env)) for stage in dockerfile.stages]
    except ShellSyntaxError:
        return  # the build fails on it, not a check
    for stage, name in names:
        if not valid_reference(name):
            lint.run("InvalidDefaultArgInFrom", stage_lines(dockerfile, stage), stage.base)


def _undeclared(lint: Linter, where, unmatched: set[str], keys: list[str]) -> None:
    for name in sorted(unmatched):
        if name not in keys:
            near = suggest(name, keys)
            lint.run("UndefinedArgInFrom", where, name, f" (did you mean {near}?)" if near else "")


def _froms(dockerfile: Dockerfile, lint: Linter, globals_: dict, declared: list[str]) -> list[tuple[str, str | None]]:
    """Each stage's FROM with the global ARGs: (base name, platform) as expanded, and the
    warnings of both words."""
    lexer = Lexer(dockerfile.directives.escape)
    keys = list(dict.fromkeys(declared + list(globals_)))
    bases = []
    for stage in dockerfile.stages:
        where = stage_lines(dockerfile, stage)
        try:
            base, _, unmatched = lexer.word_matches(stage.base, globals_)
        except ShellSyntaxError:
            bases.append((stage.base, None))
            continue
        _undeclared(lint, where, unmatched, keys)
        wanted = None
        if stage.platform:
            try:
                wanted, matched, unmatched = lexer.word_matches(stage.platform, globals_)
            except ShellSyntaxError:
                bases.append((base, None))
                continue
            _undeclared(lint, where, unmatched, keys)
            if matched == {"TARGETPLATFORM"} and not unmatched and wanted == globals_.get("TARGETPLATFORM"):
                lint.run("RedundantTargetPlatform", where, stage.platform)
            parsed = platform(wanted) if not matched and not unmatched else None
            if parsed and parsed[0] not in (stage.name or "") and parsed[1] not in (stage.name or ""):
                lint.run("FromPlatformFlagConstDisallowed", where, go_quote(wanted))
        bases.append((base, wanted))
    return bases
