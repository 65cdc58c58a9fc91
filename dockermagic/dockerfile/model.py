"""A Dockerfile as BuildKit reads it: one parse (`parse`) that `%%dockerfile`, `dockermagic
export` and the build all use.  It refuses, before anything is written or sent, what BuildKit's
parser and instruction checks refuse, naming the line BuildKit names; it knows the stages,
the images their FROM lines name once ARGs are substituted, the features a Dockerfile uses,
and (`unsupported`) what an engine's built-in frontend is too old to build."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DockerfileError
from .instructions import Instruction, InstructionError, check, refuse
from .lex import Lexer, ShellSyntaxError
from .parser import Directives, SyntaxProblem, dump, parse_nodes


@dataclass
class Stage:
    index: int
    name: str | None  # lower case, as BuildKit keeps it
    base: str  # as written, before ARG substitution
    platform: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)  # after its FROM


# feature -> (what it is called in a message, the Docker Engine whose built-in frontend has it)
FEATURES = {
    "heredoc": ("heredocs (<<EOF)", (23, 0)),
    "copy-link": ("COPY --link", (23, 0)),
    "run-network": ("RUN --network", (23, 0)),
    "add-keep-git-dir": ("ADD --keep-git-dir", (23, 0)),
    "add-checksum": ("ADD --checksum", None),
    "add-unpack": ("ADD --unpack", None),
    "copy-parents": ("COPY --parents", None),
    "copy-exclude": ("COPY --exclude", None),
    "healthcheck-start-interval": ("HEALTHCHECK --start-interval", None),
    "run-security": ("RUN --security", None),
    "run-mount": ("RUN --mount", (18, 9)),
    "copy-chmod": ("COPY --chmod", (20, 10)),
    "copy-from": ("COPY --from", (17, 5)),
    "multi-stage": ("several stages", (17, 5)),
}


@dataclass(repr=False)
class Dockerfile:
    text: str
    instructions: list[Instruction]  # every one, in order, the ARGs before the first FROM too
    stages: list[Stage]
    meta_args: list[tuple[str, str | None]]  # the ARGs before the first FROM: (name, default)
    directives: Directives
    warnings: list[str]
    features: dict[str, int]  # feature -> first line using it
    nodes: list = field(default_factory=list)  # the parser's nodes, for dump()

    def __repr__(self) -> str:
        names = ", ".join(s.name or s.base for s in self.stages)
        return (f"Dockerfile({len(self.instructions)} instructions, {len(self.stages)} "
                f"stage{'s' if len(self.stages) != 1 else ''}: {names})")

    def dump(self) -> str:
        """BuildKit's parser dump: one S-expression per instruction."""
        return "".join(dump(node) + "\n" for node in self.nodes)

    def source(self, instruction: Instruction) -> str:
        """The lines of the file an instruction spans (heredoc bodies included)."""
        lines = self.text.splitlines(keepends=True)
        return "".join(lines[instruction.start_line - 1:instruction.end_line])

    def stage(self, target: str | None = None) -> Stage:
        if target is None:
            return self.stages[-1]
        for stage in reversed(self.stages):  # a name given twice means the last stage, as in BuildKit
            if stage.name == target.lower():
                return stage
        raise DockerfileError(f"target stage {target!r} could not be found; the stages are "
                              + ", ".join(s.name or str(s.index) for s in self.stages))

    def base_images(self, build_args: dict | None = None, target: str | None = None,
                    platform: str = "linux/amd64") -> list[str]:
        """The images the stages `target` needs start from (FROM, `COPY --from=IMAGE`,
        `RUN --mount=from=IMAGE`), with ARGs substituted as BuildKit does: TARGETOS and the
        other platform ARGs (from `platform`, the engine's), the ARGs before the first FROM,
        their defaults, `build_args` over them.  Stage names and scratch left out."""
        return self._needs(build_args, target, platform)[0]

    def needed(self, build_args: dict | None = None, target: str | None = None,
               platform: str = "linux/amd64") -> list[Stage]:
        """The stages a build of `target` runs (BuildKit skips the others), in file order."""
        return self._needs(build_args, target, platform)[1]

    def _needs(self, build_args, target, platform) -> tuple[list[str], list[Stage]]:
        env = self.meta_env(build_args, platform)
        lexer = Lexer(self.directives.escape)
        names = {s.name: s for s in self.stages if s.name}
        images: list[str] = []
        seen: set[int] = set()

        def add(ref: str) -> None:
            if ref.lower() != "scratch" and ref not in images:
                images.append(ref)

        def visit(stage: Stage) -> None:
            if stage.index in seen:
                return
            seen.add(stage.index)
            base = _expand(lexer, stage.base, env, stage.line)
            if base.lower() in names and names[base.lower()].index < stage.index:
                visit(names[base.lower()])
            else:
                add(base)
            for ins in stage.instructions:
                for ref in _sources_from(ins):
                    ref = _expand(lexer, ref, env, ins.start_line)
                    other = names.get(ref.lower()) or (self.stages[int(ref)] if ref.isdigit()
                                                      and int(ref) < stage.index else None)
                    if other is not None:
                        visit(other)
                    else:
                        add(ref)

        visit(self.stage(target))
        return images, [s for s in self.stages if s.index in seen]

    def meta_env(self, build_args: dict | None = None, platform: str = "linux/amd64") -> dict[str, str]:
        """What FROM lines see, as BuildKit sets it: the platform ARGs, then the ARGs before
        the first FROM (defaults expanded in order, a build arg over its default; one with
        neither keeps what it had, e.g. `ARG TARGETARCH`, else stays unset)."""
        build_args = build_args or {}
        lexer, env = Lexer(self.directives.escape), platform_args(platform)
        ins = iter(i for i in self.instructions if i.keyword == "ARG")
        for name, default in self.meta_args:
            line = next(ins).start_line
            if name in build_args and build_args[name] is not None:
                env[name] = build_args[name]
            elif default is not None:
                env[name] = _expand(lexer, default, env, line)
        return env


def platform_args(platform: str, build_platform: str | None = None) -> dict[str, str]:
    """BuildKit's automatic platform ARGs: TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT
    and the BUILD* ones (the build platform is the target platform unless given)."""
    env = {}
    for prefix, value in (("TARGET", platform), ("BUILD", build_platform or platform)):
        os_, _, rest = value.partition("/")
        arch, _, variant = rest.partition("/")
        env.update({f"{prefix}PLATFORM": value, f"{prefix}OS": os_, f"{prefix}ARCH": arch,
                    f"{prefix}VARIANT": variant})
    return env


def _expand(lexer: Lexer, word: str, env: dict, line: int) -> str:
    try:
        return lexer.word(word, env)
    except ShellSyntaxError as exc:
        raise refuse(line, str(exc)) from None


def _sources_from(ins: Instruction) -> list[str]:
    refs = []
    if ins.keyword == "COPY" and ins.flags.get("from"):
        refs.append(ins.flags["from"])
    for spec in ins.flags.get("mount", []) if ins.keyword == "RUN" else []:
        fields = dict(part.partition("=")[::2] for part in spec.split(",") if part)
        if fields.get("from"):
            refs.append(fields["from"])
    return refs


def parse(text: str) -> Dockerfile:
    """`text` read and checked as BuildKit does; `DockerfileError` ("line N: ...") if refused."""
    try:
        nodes, directives, warnings = parse_nodes(text)
    except SyntaxProblem as exc:
        if exc.message == "file with no instructions":
            raise DockerfileError("the Dockerfile has no instructions (file with no instructions); "
                                  "start it with FROM, e.g. FROM busybox") from None
        raise refuse(exc.line, exc.message) from None
    instructions, stages, meta_args = [], [], []
    for node in nodes:
        try:
            ins = check(node)
        except InstructionError as exc:
            raise refuse(node.start, str(exc)) from None
        instructions.append(ins)
        if ins.keyword == "FROM":
            name = ins.args[2].lower() if len(ins.args) == 3 else None  # a name used twice: the build checks warn
            stages.append(Stage(len(stages), name, ins.args[0], ins.flags.get("platform"), ins.start_line))
        elif not stages and ins.keyword == "ARG":
            meta_args += [_arg_pair(a) for a in ins.args]
        elif not stages:
            after = " after the ARGs" if instructions[0].keyword == "ARG" else ""
            raise refuse(ins.start_line, f"the first instruction{after} is {ins.keyword}, but no build stage has "
                         "begun (no build stage in current context): a Dockerfile starts with FROM, only ARG may "
                         "come before it")
        else:
            stages[-1].instructions.append(ins)
    if not stages:
        raise DockerfileError("the Dockerfile has no FROM (dockerfile contains no stages to build); "
                              "add one after the ARGs, e.g. FROM busybox")
    return Dockerfile(text, instructions, stages, meta_args, directives, warnings,
                      _features(instructions, stages), nodes)


def _arg_pair(arg: str) -> tuple[str, str | None]:
    name, eq, value = arg.partition("=")
    return name, (value if eq else None)


def _features(instructions: list[Instruction], stages: list[Stage]) -> dict[str, int]:
    found: dict[str, int] = {}
    for ins in instructions:
        for one in (ins, ins.trigger) if ins.trigger else (ins,):
            for name in _uses(one):
                found.setdefault(name, ins.start_line)
    if len(stages) > 1:
        found.setdefault("multi-stage", stages[1].line)
    return found


def _uses(ins: Instruction) -> list[str]:
    used = ["heredoc"] if ins.heredocs else []
    prefix = ins.keyword.lower()
    for flag in ins.flags:
        if ins.keyword in ("COPY", "ADD") and flag == "link":
            used.append("copy-link")
        elif f"{prefix}-{flag}" in FEATURES:
            used.append(f"{prefix}-{flag}")
    return used


def _version(text: str) -> tuple[int, int]:
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in str(text).split(".")[:2]]
    return (parts + [0, 0])[0], (parts + [0, 0])[1]


def unsupported(dockerfile: Dockerfile, engine_version: str, have_image) -> str | None:
    """One line saying what the built-in Dockerfile frontend of Docker Engine `engine_version`
    cannot build here, with the way out; None when it can.  A `# syntax=` frontend image the
    engine has (`have_image(ref) -> bool`) builds whatever it knows, so then there is nothing to
    say; one it lacks cannot be fetched by a plain /build request, so it must be pulled first."""
    version = _version(engine_version)
    missing = [(name, line) for name, line in dockerfile.features.items()
               if FEATURES.get(name) and (FEATURES[name][1] is None or FEATURES[name][1] > version)]
    if not missing:
        return None
    missing.sort(key=lambda item: item[1])
    what = ", ".join(f"{FEATURES[name][0]} (line {line})" for name, line in missing)
    syntax = dockerfile.directives.syntax
    frontend = syntax.split(" ")[0] if syntax else None
    if frontend and have_image(frontend):
        return None
    needs = [FEATURES[name][1] for name, _ in missing]
    newer = ("Docker Engine " + ".".join(map(str, max(needs))) + " or newer"
             if None not in needs else "a newer Docker Engine")
    if frontend:
        return (f"this Dockerfile uses {what}, which the built-in frontend of Docker Engine {engine_version} "
                f"predates, and its frontend {frontend} (# syntax=, line {dockerfile.directives.lines['syntax']}) "
                f"is not on this engine: pull it first (%docker_pull {frontend}), or build on {newer}")
    return (f"this Dockerfile uses {what}, which the built-in frontend of Docker Engine {engine_version} "
            f"predates: put `# syntax=docker/dockerfile:1` on its first line and pull that image onto the engine "
            f"(%docker_pull docker/dockerfile:1), or build on {newer}")
