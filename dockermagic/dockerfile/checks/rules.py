"""The rules of BuildKit's build checks as BuildKit states them (linter/ruleset.go): name,
description, link and message, and which are experimental (off unless `experimental=` names
them).  `CheckWarning` and `CheckReport` are what a check finds: plain data for the views."""

from __future__ import annotations

from dataclasses import dataclass, field

DOCS = "https://docs.docker.com/go/dockerfile/rule/"


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    url: str  # BuildKit's link ("" where BuildKit gives none)
    message: str  # str.format template of the warning's text (BuildKit's Format)
    experimental: bool = False


def _rule(name: str, slug: str | None, description: str, message: str, experimental: bool = False) -> Rule:
    return Rule(name, description, f"{DOCS}{slug}/" if slug else "", message, experimental)


RULES = {rule.name: rule for rule in (
    _rule("StageNameCasing", "stage-name-casing", "Stage names should be lowercase",
          "Stage name '{0}' should be lowercase"),
    _rule("FromAsCasing", "from-as-casing", "The 'as' keyword should match the case of the 'from' keyword",
          "'{1}' and '{0}' keywords' casing do not match"),
    _rule("NoEmptyContinuation", "no-empty-continuation", "Empty continuation lines will become errors in a future release",
          "Empty continuation line"),
    _rule("ConsistentInstructionCasing", "consistent-instruction-casing",
          "All commands within the Dockerfile should use the same casing (either upper or lower)",
          "Command '{0}' should match the case of the command majority ({1})"),
    _rule("DuplicateStageName", "duplicate-stage-name", "Stage names should be unique",
          "Duplicate stage name {0}, stage names should be unique"),
    _rule("ReservedStageName", "reserved-stage-name", "Reserved words should not be used as stage names",
          "Stage name should not use the same name as reserved stage {0}"),
    _rule("JSONArgsRecommended", "json-args-recommended",
          "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
          "JSON arguments recommended for {0} to prevent unintended behavior related to OS signals"),
    _rule("MaintainerDeprecated", "maintainer-deprecated",
          "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
          "Maintainer instruction is deprecated in favor of using label"),
    _rule("UndefinedArgInFrom", "undefined-arg-in-from", "FROM command must use declared ARGs",
          "FROM argument '{0}' is not declared{1}"),
    _rule("WorkdirRelativePath", "workdir-relative-path",
          "Relative workdir without an absolute workdir declared within the build can have unexpected results "
          "if the base image changes",
          "Relative workdir {0} can have unexpected results if the base image changes"),
    _rule("UndefinedVar", "undefined-var", "Variables should be defined before their use",
          "Usage of undefined variable '${0}'{1}"),
    _rule("MultipleInstructionsDisallowed", "multiple-instructions-disallowed",
          "Multiple instructions of the same type should not be used in the same stage",
          "Multiple {0} instructions should not be used in the same stage because only the last one will be used"),
    _rule("LegacyKeyValueFormat", "legacy-key-value-format",
          "Legacy key/value format with whitespace separator should not be used",
          '"{0} key=value" should be used instead of legacy "{0} key value" format'),
    _rule("InvalidBaseImagePlatform", None, "Base image platform does not match expected target platform",
          "Base image {0} was pulled with platform {1}, expected {2} for current build"),
    _rule("RedundantTargetPlatform", "redundant-target-platform",
          "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
          "Setting platform to predefined {0} in FROM is redundant as this is the default behavior"),
    _rule("SecretsUsedInArgOrEnv", "secrets-used-in-arg-or-env",
          "Sensitive data should not be used in the ARG or ENV commands",
          "Do not use ARG or ENV instructions for sensitive data ({0} {1})"),
    _rule("InvalidDefaultArgInFrom", "invalid-default-arg-in-from",
          "Default value for global ARG results in an empty or invalid base image name",
          "Default value for ARG {0} results in empty or invalid base image name"),
    _rule("FromPlatformFlagConstDisallowed", "from-platform-flag-const-disallowed",
          "FROM --platform flag should not use a constant value",
          "FROM --platform flag should not use constant value {0}"),
    _rule("CopyIgnoredFile", "copy-ignored-file", "Attempting to Copy file that is excluded by .dockerignore",
          "Attempting to {0} file {1} that is excluded by .dockerignore"),
    _rule("InvalidDefinitionDescription", "invalid-definition-description",
          "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. "
          "If this is not intended to be a description comment, add an empty line or comment between the "
          "instruction and the comment.",
          "Comment for {0} should follow the format: `# {1} <description>`", experimental=True),
    _rule("ExposeProtoCasing", "expose-proto-casing", "Protocol in EXPOSE instruction should be lowercase",
          "Defined protocol '{0}' in EXPOSE instruction should be lowercase"),
    _rule("ExposeInvalidFormat", "expose-invalid-format",
          "IP address and host-port mapping should not be used in EXPOSE instruction. "
          "This will become an error in a future release",
          "EXPOSE instruction should not define an IP address or host-port mapping, found '{0}'"),
)}


@dataclass(frozen=True)
class CheckWarning:
    """One warning, as BuildKit's lint result holds it (rule, description, link, detail, lines)."""

    rule: str
    description: str
    url: str
    message: str
    line: int
    end_line: int

    @property
    def short(self) -> str:
        """buildx's one line for a build's warning (LintFormatShort)."""
        return f"{self.rule}: {self.message} (line {self.line})" if self.line > 0 else f"{self.rule}: {self.message}"


@dataclass(repr=False)
class CheckReport:
    """What the build checks found in one Dockerfile.  `error` is BuildKit's "lint violation
    found for rules: ..." when `check=error=true` turns the warnings into a failure."""

    filename: str
    text: str
    warnings: list[CheckWarning] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # what could not be checked here, and why

    @property
    def failed(self) -> bool:
        return self.error is not None

    def __iter__(self):
        return iter(self.warnings)

    def __len__(self) -> int:
        return len(self.warnings)

    def __repr__(self) -> str:
        found = f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return f"<CheckReport {self.filename}: {found}{' (error: ' + self.error + ')' if self.error else ''}>"
