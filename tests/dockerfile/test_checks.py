"""BuildKit's build checks, case by case: the Dockerfiles of BuildKit's own check tests
(frontend/dockerfile/dockerfile_check_test.go) with the warnings BuildKit expects (rule, line,
message), then each rule's negative cases and the directives.  `lint` is `docker build
--check` (every stage), `build` a build of the last stage (only the stages it needs)."""

from __future__ import annotations

import pytest

from dockermagic.build.dockerignore import Matcher, read
from dockermagic.dockerfile.checks.lint import ImageFacts, check
from dockermagic.dockerfile.checks.rules import RULES
from dockermagic.dockerfile.model import parse
from dockermagic.errors import DockerfileError

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IMAGES = {"alpine": ImageFacts(env=[PATH]), "busybox": ImageFacts(env=[PATH]),
          "golang": ImageFacts(env=[PATH, "GOPATH=/go", "GOLANG_VERSION=1.22"]),
          "winimage": ImageFacts(env=[PATH], shell=["cmd", "/S", "/C"], os="windows")}


def found(text: str, *, ignore: str | None = None, build: bool = False, **kwargs) -> list[tuple]:
    matcher = Matcher(read(ignore.encode())) if ignore is not None else None
    report = check(parse(text), ignore=matcher, build=build, images=IMAGES.get, **kwargs)
    return [(w.rule, w.line, w.message) for w in report]


def warned(rule: str, line: int, message: str) -> tuple:
    return rule, line, message


CASES = {
    # testStageName
    "stage-name-casing": ("\n# warning: stage name should be lowercase\n#\nFROM scratch AS BadStageName\n\n"
                          "# warning: 'as' should match 'FROM' cmd casing.\n#\nFROM scratch as base2\n\nFROM scratch AS base3\n",
                          {}, [warned("StageNameCasing", 4, "Stage name 'BadStageName' should be lowercase"),
                               warned("FromAsCasing", 8, "'as' and 'FROM' keywords' casing do not match")]),
    "from-as-casing-lower": ("\n# warning: 'AS' should match 'from' cmd casing.\n#\nfrom scratch AS base\n\nfrom scratch as base2\n",
                             {}, [warned("FromAsCasing", 4, "'AS' and 'from' keywords' casing do not match")]),
    # testNoEmptyContinuation
    "no-empty-continuation": ("\nFROM scratch\n# warning: empty continuation line\nCOPY Dockerfile \\\n\n.\nCOPY Dockerfile \\\n.\n",
                              {}, [warned("NoEmptyContinuation", 6, "Empty continuation line")]),
    # testConsistentInstructionCasing
    "casing-From": ("\n# warning: 'FROM' should be either lowercased or uppercased\n#\nFrom scratch as base\nFROM scratch AS base2\n",
                    {}, [warned("ConsistentInstructionCasing", 4, "Command 'From' should match the case of the command majority (uppercase)")]),
    "casing-copy": ("\nFROM scratch\n# warning: 'copy' should match command majority's casing (uppercase)\ncopy Dockerfile /foo\nCOPY Dockerfile /bar\n",
                    {}, [warned("ConsistentInstructionCasing", 4, "Command 'copy' should match the case of the command majority (uppercase)")]),
    "casing-frOM": ("\n#\n#\nfrOM scratch as base\nfrom scratch as base2\n",
                    {}, [warned("ConsistentInstructionCasing", 4, "Command 'frOM' should match the case of the command majority (lowercase)")]),
    "casing-COPY": ("\nfrom scratch\n#\nCOPY Dockerfile /foo\ncopy Dockerfile /bar\n",
                    {}, [warned("ConsistentInstructionCasing", 4, "Command 'COPY' should match the case of the command majority (lowercase)")]),
    "casing-from-minority": ("\n#\n#\nfrom scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\nCOPY Dockerfile /baz\n",
                             {}, [warned("ConsistentInstructionCasing", 4, "Command 'from' should match the case of the command majority (uppercase)")]),
    "casing-FROM-minority": ("\n#\n#\nFROM scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy Dockerfile /baz\n",
                             {}, [warned("ConsistentInstructionCasing", 4, "Command 'FROM' should match the case of the command majority (lowercase)")]),
    "casing-all-lower": ("\nfrom scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\n", {}, []),
    "casing-all-upper": ("\nFROM scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\n", {}, []),
    "casing-heredoc-body": ("\nFROM alpine\nRUN <<'EOT'\nenv\nEOT\n", {}, []),
    # testDuplicateStageName, testReservedStageName
    "duplicate-stage": ("\nFROM scratch AS b\nFROM scratch AS b\n", {},
                        [warned("DuplicateStageName", 3, 'Duplicate stage name "b", stage names should be unique')]),
    "unique-stages": ("\nFROM scratch AS b1\nFROM scratch AS b2\n", {}, []),
    "reserved-stage": ("\nFROM scratch AS scratch\nFROM scratch AS context\n", {},
                       [warned("ReservedStageName", 2, 'Stage name should not use the same name as reserved stage "scratch"'),
                        warned("ReservedStageName", 3, 'Stage name should not use the same name as reserved stage "context"')]),
    "reserved-as-base": ("\nFROM scratch\nFROM scratch AS a\n", {}, []),
    # testJSONArgsRecommended
    "json-cmd": ("\nFROM scratch\nCMD mycommand\n", {},
                 [warned("JSONArgsRecommended", 3, "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals")]),
    "json-entrypoint": ("\nFROM scratch\nENTRYPOINT mycommand\n", {},
                        [warned("JSONArgsRecommended", 3, "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals")]),
    "json-shell-set": ("\nFROM scratch\nSHELL [\"/usr/bin/customshell\"]\nCMD mycommand\n", {}, []),
    "json-shell-entrypoint": ("\nFROM scratch\nSHELL [\"/usr/bin/customshell\"]\nENTRYPOINT mycommand\n", {}, []),
    "json-shell-from-stage": ("\nFROM scratch AS base\nSHELL [\"/usr/bin/customshell\"]\n\nFROM base\nCMD mycommand\n", {}, []),
    "json-shell-from-image": ("FROM winimage\nCMD mycommand\n", {"platform": "windows/amd64"}, []),
    "json-form": ("FROM scratch\nCMD [\"mycommand\"]\n", {}, []),
    # testMaintainerDeprecated
    "maintainer": ("\nFROM scratch\nMAINTAINER me@example.org\n", {},
                   [warned("MaintainerDeprecated", 3, "Maintainer instruction is deprecated in favor of using label")]),
    "label-author": ("\nFROM scratch\nLABEL org.opencontainers.image.authors=\"me@example.org\"\n", {}, []),
    # testUndeclaredArg
    "arg-declared": ("\nARG base=scratch\nFROM $base\nCOPY Dockerfile .\n", {}, []),
    "arg-buildplatform-declared": ("\nARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n", {}, []),
    "arg-buildplatform-automatic": ("\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n", {}, []),
    "arg-unset-declared": ("\nARG DEBUG\nFROM scratch${DEBUG}\nCOPY Dockerfile .\n", {}, []),
    "arg-default-modifier": ("\nARG DEBUG\nFROM scra${DEBUG:-tch}\nCOPY Dockerfile .\n", {}, []),
    "arg-empty": ("\nARG DEBUG=\"\"\nFROM scratch${DEBUG-@bogus}\nCOPY Dockerfile .\n", {}, []),
    "arg-misspelt-platform": ("\nFROM --platform=$BULIDPLATFORM scratch\nCOPY Dockerfile .\n", {},
                              [warned("UndefinedArgInFrom", 2, "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)")]),
    "arg-misspelt": ("\nARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\nCOPY Dockerfile .\n", {},
                     [warned("UndefinedArgInFrom", 4, "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)")]),
    "arg-undeclared": ("\nARG tag=latest\nFROM busybox:${tag}${version} AS b\nCOPY Dockerfile .\n", {},
                       [warned("UndefinedArgInFrom", 3, "FROM argument 'version' is not declared")]),
    # testWorkdirRelativePath
    "workdir-relative": ("\nFROM scratch\nWORKDIR app/\n", {},
                         [warned("WorkdirRelativePath", 3, 'Relative workdir "app/" can have unexpected results if the base image changes')]),
    "workdir-after-absolute": ("\nFROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR subdir/\n", {}, []),
    "workdir-windows": ("# escape=`\nFROM winimage\nWORKDIR C:\\go\n", {"platform": "windows/amd64"}, []),
    "workdir-skipped": ("\nFROM scratch\n# check=skip=WorkdirRelativePath\nWORKDIR app/\n", {}, []),
    # testUnmatchedVars
    "var-arg-declared": ("\nFROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n", {}, []),
    "var-from-parent-stage": ("\nFROM alpine AS base\nARG foo=Dockerfile\n\nFROM base\nCOPY $foo .\n", {}, []),
    "var-in-run": ("\nFROM alpine\nRUN echo $PATH $NOPE\n", {}, []),
    "var-before-arg": ("\nFROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n", {},
                       [warned("UndefinedVar", 3, "Usage of undefined variable '$foo'")]),
    "var-suggest": ("\nFROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\nARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n\t", {},
                    [warned("UndefinedVar", 6, "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)")]),
    "var-suggest-path": ("\nFROM alpine\nENV PATH=$PAHT:/tmp/bin\n\t\t", {},
                         [warned("UndefinedVar", 3, "Usage of undefined variable '$PAHT' (did you mean $PATH?)")]),
    "var-image-env": ("FROM golang\nENV PATH=$GOPATH/bin:$PATH\nWORKDIR $GOPATH/src\n", {}, []),
    "var-run-mount": ("FROM alpine\nRUN --mount=type=cache,target=$CACHE_DIR echo $NOT_CHECKED\n", {},
                      [warned("UndefinedVar", 2, "Usage of undefined variable '$CACHE_DIR'")]),
    "var-default-counts": ("FROM alpine\nENV A=${UNSET:-x}\n", {}, [warned("UndefinedVar", 2, "Usage of undefined variable '$UNSET'")]),
    # testMultipleInstructionsDisallowed
    "multiple": ("\nFROM scratch\nENTRYPOINT [\"/myapp\"]\nENTRYPOINT [\"/myotherapp\"]\nCMD [\"/myapp\"]\nCMD [\"/myotherapp\"]\n"
                 "HEALTHCHECK CMD [\"/myapp\"]\nHEALTHCHECK CMD [\"/myotherapp\"]\n", {},
                 [warned("MultipleInstructionsDisallowed", 3, "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used"),
                  warned("MultipleInstructionsDisallowed", 5, "Multiple CMD instructions should not be used in the same stage because only the last one will be used"),
                  warned("MultipleInstructionsDisallowed", 7, "Multiple HEALTHCHECK instructions should not be used in the same stage because only the last one will be used")]),
    "multiple-apart": ("\nFROM scratch\nENTRYPOINT [\"/myapp\"]\nCMD [\"/myapp\"]\nHEALTHCHECK CMD [\"/myapp\"]\nCOPY <<EOF /a.txt\nHello, World!\nEOF\n"
                       "ENTRYPOINT [\"/myotherapp\"]\nCMD [\"/myotherapp\"]\nHEALTHCHECK CMD [\"/myotherapp\"]\n", {},
                       [warned("MultipleInstructionsDisallowed", 3, "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used"),
                        warned("MultipleInstructionsDisallowed", 4, "Multiple CMD instructions should not be used in the same stage because only the last one will be used"),
                        warned("MultipleInstructionsDisallowed", 5, "Multiple HEALTHCHECK instructions should not be used in the same stage because only the last one will be used")]),
    "multiple-other-stage": ("\nFROM scratch AS a\nENTRYPOINT [\"/myapp\"]\nCMD [\"/myapp\"]\nHEALTHCHECK CMD [\"/myapp\"]\n\nFROM a AS b\n"
                             "ENTRYPOINT [\"/myotherapp\"]\nCMD [\"/myotherapp\"]\nHEALTHCHECK CMD [\"/myotherapp\"]\n", {}, []),
    # testLegacyKeyValueFormat
    "legacy": ("\nFROM scratch\nENV testkey value\nLABEL key value\n", {},
               [warned("LegacyKeyValueFormat", 3, '"ENV key=value" should be used instead of legacy "ENV key value" format'),
                warned("LegacyKeyValueFormat", 4, '"LABEL key=value" should be used instead of legacy "LABEL key value" format')]),
    "legacy-ok": ("\nFROM scratch\nENV testkey=value\nLABEL key=value\n", {}, []),
    "legacy-skipped": ("\nFROM scratch\n# check=skip=LegacyKeyValueFormat\nENV testkey value\n# check=skip=LegacyKeyValueFormat\nLABEL key value\n", {}, []),
    # testRedundantTargetPlatform
    "redundant-platform": ("\nFROM --platform=$TARGETPLATFORM scratch\n", {},
                           [warned("RedundantTargetPlatform", 2, "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior")]),
    "redundant-platform-braces": ("\nFROM --platform=${TARGETPLATFORM} scratch\n", {},
                                  [warned("RedundantTargetPlatform", 2, "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior")]),
    "redundant-platform-skipped": ("\n# check=skip=RedundantTargetPlatform\nFROM --platform=$TARGETPLATFORM scratch\n", {}, []),
    # testSecretsUsedInArgOrEnv
    "secrets": ("# check=skip=InvalidDefinitionDescription\n\nFROM scratch\nARG SECRET_PASSPHRASE\nENV SUPER_Secret=foo\n"
                "ENV password=bar secret=baz\nARG super_duper_secret_token=foo auth=bar\nENV apikey=bar sunflower=foo\n"
                "ENV git_key=\nENV PUBLIC_KEY=\nARG public_token\nARG SECRET_PASSPHRASE_FILE\nENV password_file=bar secret_File=baz\n"
                "ARG AUTH_MODULE_VERSION\n# check=skip=SecretsUsedInArgOrEnv // allow secret in environment\nENV password=bar\n"
                "# check=skip=SecretsUsedInArgOrEnv // allow secret in arg\nARG password\n"
                "# check=skip=all // is local to only this instruction\nENV alternate_password=bar\n"
                "# check=skip=all // is local to only this instruction\nARG alternate_password\n", {},
                [warned("SecretsUsedInArgOrEnv", 4, 'Do not use ARG or ENV instructions for sensitive data (ARG "SECRET_PASSPHRASE")'),
                 warned("SecretsUsedInArgOrEnv", 5, 'Do not use ARG or ENV instructions for sensitive data (ENV "SUPER_Secret")'),
                 warned("SecretsUsedInArgOrEnv", 6, 'Do not use ARG or ENV instructions for sensitive data (ENV "password")'),
                 warned("SecretsUsedInArgOrEnv", 6, 'Do not use ARG or ENV instructions for sensitive data (ENV "secret")'),
                 warned("SecretsUsedInArgOrEnv", 7, 'Do not use ARG or ENV instructions for sensitive data (ARG "super_duper_secret_token")'),
                 warned("SecretsUsedInArgOrEnv", 7, 'Do not use ARG or ENV instructions for sensitive data (ARG "auth")'),
                 warned("SecretsUsedInArgOrEnv", 8, 'Do not use ARG or ENV instructions for sensitive data (ENV "apikey")'),
                 warned("SecretsUsedInArgOrEnv", 9, 'Do not use ARG or ENV instructions for sensitive data (ENV "git_key")')]),
    # testInvalidDefaultArgInFrom
    "default-arg-empty-tag": ("\nARG VERSION\nFROM busybox:$VERSION\n", {"build_args": {"VERSION": "latest"}},
                              [warned("InvalidDefaultArgInFrom", 3, "Default value for ARG busybox:$VERSION results in empty or invalid base image name")]),
    "default-arg-empty": ("\nARG IMAGE\nFROM $IMAGE\n", {"build_args": {"IMAGE": "busybox:latest"}},
                          [warned("InvalidDefaultArgInFrom", 3, "Default value for ARG $IMAGE results in empty or invalid base image name")]),
    "default-arg-half": ("\nARG SFX=\"box:\"\nFROM busy${SFX}\n", {"build_args": {"SFX": "box:latest"}},
                         [warned("InvalidDefaultArgInFrom", 3, "Default value for ARG busy${SFX} results in empty or invalid base image name")]),
    "default-arg-ok": ("\nARG VERSION=\"latest\"\nFROM busybox:${VERSION}\n", {"build_args": {"VERSION": "latest"}}, []),
    "default-arg-empty-variant": ("\nARG BUSYBOX_VARIANT=\"\"\nFROM busybox:stable${BUSYBOX_VARIANT}\n", {"build_args": {"BUSYBOX_VARIANT": "-musl"}}, []),
    "default-arg-unset-variant": ("\n\tARG BUSYBOX_VARIANT\n\tFROM busybox:stable${BUSYBOX_VARIANT}\n\t", {"build_args": {"BUSYBOX_VARIANT": "-musl"}}, []),
    # testFromPlatformFlagConstDisallowed
    "platform-const": ("\nFROM --platform=linux/amd64 scratch\n", {},
                       [warned("FromPlatformFlagConstDisallowed", 2, 'FROM --platform flag should not use constant value "linux/amd64"')]),
    "platform-const-named-arch": ("\nFROM --platform=linux/amd64 scratch AS my_amd64_stage\n", {}, []),
    "platform-const-named-os": ("\nFROM --platform=linux/amd64 scratch AS linux\n", {}, []),
    # testExposeProtoCasing, testExposeInvalidFormat
    "expose-proto": ("\nFROM scratch\nEXPOSE 80/TcP 8080/TCP 8080/udp\n", {},
                     [warned("ExposeProtoCasing", 3, "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase"),
                      warned("ExposeProtoCasing", 3, "Defined protocol '8080/TCP' in EXPOSE instruction should be lowercase")]),
    "expose-format": ("\nFROM scratch\nEXPOSE 127.0.0.1:80:80 [::1]:8080:8080 5000:5000 8000\n", {},
                      [warned("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'"),
                       warned("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, found '[::1]:8080:8080'"),
                       warned("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, found '5000:5000'")]),
    "expose-ok": ("FROM scratch\nEXPOSE 80 443/tcp 53/udp 8000-8010\n", {}, []),
    # testWarningsBeforeError (the parse error itself is a refusal here)
    "warnings-before": ("\nFROM scratch AS BadStageName\nMAINTAINER me@example.org\n", {},
                        [warned("StageNameCasing", 2, "Stage name 'BadStageName' should be lowercase"),
                         warned("MaintainerDeprecated", 3, "Maintainer instruction is deprecated in favor of using label")]),
    "skip-instruction-local": ("\nFROM scratch\n# check=skip=JSONArgsRecommended\nCMD mycommand\n", {}, []),
    "skip-maintainer-local": ("\nFROM scratch\n# check=skip=MaintainerDeprecated\nMAINTAINER me@example.org\n", {}, []),
}

IGNORE_CASES = {
    # testCopyIgnoredFiles, testCopyIgnoredFileContextRoot
    "ignored": ("\nDockerfile\n", "\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n",
                [warned("CopyIgnoredFile", 3, 'Attempting to Copy file "Dockerfile" that is excluded by .dockerignore'),
                 warned("CopyIgnoredFile", 4, 'Attempting to Add file "Dockerfile" that is excluded by .dockerignore')]),
    "ignored-skipped": ("\nDockerfile\n", "# check=skip=CopyIgnoredFile\n\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n", []),
    "ignored-from-stage": ("\nfoobar\n", "\nFROM scratch AS base\nCOPY Dockerfile /foobar\nADD Dockerfile /windy\n\n"
                           "FROM base\nCOPY --from=base /foobar /Dockerfile\n", []),
    "ignored-negated": ("\n**\n!Dockerfile\n", "\nFROM scratch\nCOPY ./Dockerfile .\n", []),
    "ignored-negated-root": ("\n**\n!Dockerfile\n", "\nFROM scratch\nCOPY . .\n\t", []),
    "ignored-root-dotfiles": ("\n.*\n", "\nFROM scratch\nCOPY . .\n", []),
    "ignored-root-wildcard": ("\n*\n", "\nFROM scratch\nCOPY . .\n",
                              [warned("CopyIgnoredFile", 3, 'Attempting to Copy file "." that is excluded by .dockerignore')]),
    "ignored-folder": ("node_modules\n", "FROM scratch\nCOPY node_modules/x/y.js /app/\nCOPY src /app/src\n",
                       [warned("CopyIgnoredFile", 2, 'Attempting to Copy file "node_modules/x/y.js" that is excluded by .dockerignore')]),
    "ignored-url": ("*\n", "FROM scratch\nADD https://example.com/a.tar.gz /a\n", []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_buildkits_check_cases(name):
    text, kwargs, expected = CASES[name]
    assert sorted(found(text, **kwargs)) == sorted(expected)


@pytest.mark.parametrize("name", sorted(IGNORE_CASES))
def test_copy_ignored_file_with_the_contexts_dockerignore(name):
    ignore, text, expected = IGNORE_CASES[name]
    assert sorted(found(text, ignore=ignore)) == sorted(expected)


def test_definition_descriptions_when_asked_for():
    good = ("# check=experimental=InvalidDefinitionDescription\n# foo this is the foo\nARG foo=bar\n\n"
            "# base this is the base image\nFROM scratch AS base\n\n# version this is the version number\nARG version=latest\n\n"
            "# baz this is the baz\nARG foo=baz bar=qux baz=quux\n#\nARG bit=bat\n\n"
            "# comment for something other than ARG or FROM\nCOPY Dockerfile .\n")
    assert found(good) == []
    bad = ("# check=experimental=InvalidDefinitionDescription\n# bar this is the bar\nARG foo=bar\n"
           "# BasE this is the BasE image\nFROM scratch AS base\n# definitely a bad comment\nARG version=latest\n"
           "# definitely a bad comment\nARG foo=baz bar=qux baz=quux\n")
    rule = "InvalidDefinitionDescription"
    assert found(bad) == [warned(rule, 3, "Comment for ARG should follow the format: `# foo <description>`"),
                          warned(rule, 5, "Comment for FROM should follow the format: `# base <description>`"),
                          warned(rule, 7, "Comment for ARG should follow the format: `# version <description>`"),
                          warned(rule, 9, "Comment for ARG should follow the format: `# <arg_key> <description>`")]
    assert found(bad.replace("# check=experimental=InvalidDefinitionDescription", "# check=skip=none")) == []  # experimental: off by default


def test_a_build_checks_only_the_stages_it_runs():
    """testAllTargetUnmarshal, testLegacyKeyValueFormat: `--check` sees every stage, a build only its own."""
    text = "\nFROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n"
    assert found(text) == [warned("UndefinedVar", 3, "Usage of undefined variable '$foo'"), warned("UndefinedVar", 6, "Usage of undefined variable '$bar'")]
    assert found(text, build=True) == [warned("UndefinedVar", 6, "Usage of undefined variable '$bar'")]
    assert found(text, target="first") == [warned("UndefinedVar", 3, "Usage of undefined variable '$foo'")]
    unreachable = "\nFROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n"
    assert [w[0] for w in found(unreachable)] == ["LegacyKeyValueFormat"] * 2
    assert found(unreachable, build=True) == []


RULE_CHECK_OPTION = "FROM scratch as base\ncopy Dockerfile .\n"


@pytest.mark.parametrize("directive, build_arg, rules, error", [
    ("#check=skip=all", None, [], None),
    ("#check=skip=all;error=true", None, [], None),
    ("#check=skip=ConsistentInstructionCasing,FromAsCasing", None, [], None),
    ("#check=skip=ConsistentInstructionCasing,FromAsCasing;error=true", None, [], None),
    ("#check=skip=ConsistentInstructionCasing", None, ["FromAsCasing"], None),
    ("#check=skip=ConsistentInstructionCasing;error=true", None, ["FromAsCasing"], "lint violation found for rules: FromAsCasing"),
    ("#check=skip=all", "skip=ConsistentInstructionCasing;error=true", ["FromAsCasing"], "lint violation found for rules: FromAsCasing"),
    ("#check=error=true", "skip=all", [], None),
    ("# check = skip = ConsistentInstructionCasing , FromAsCasing ; error = false", None, [], None),
])
def test_rule_check_option(directive, build_arg, rules, error):
    """testRuleCheckOption: the directive, and the build arg that replaces it whole."""
    args = {"BUILDKIT_DOCKERFILE_CHECK": build_arg} if build_arg is not None else {}
    report = check(parse(f"{directive}\n{RULE_CHECK_OPTION}"), build_args=args)
    assert [w.rule for w in report] == rules and report.error == error
    assert report.failed is (error is not None)


@pytest.mark.parametrize("value, message", [
    ("skip", 'failed to parse check options: invalid check option "skip"'),
    ("nope=1", 'failed to parse check options: invalid check option "nope"'),
    ("error=maybe", 'failed to parse check options: failed to parse check option "error=maybe": strconv.ParseBool: parsing "maybe": invalid syntax'),
])
def test_check_options_buildkit_refuses(value, message):
    with pytest.raises(DockerfileError, match="line 1: " + message.replace("(", r"\(").replace(")", r"\)")):
        check(parse(f"# check={value}\nFROM scratch\n"))
    with pytest.raises(DockerfileError, match="failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK"):
        check(parse("FROM scratch\n"), build_args={"BUILDKIT_DOCKERFILE_CHECK": value})


def test_experimental_rules_need_naming():
    bad = "# bad comment\nFROM scratch AS base\n"
    assert found(bad) == []
    assert [w[0] for w in found("# check=experimental=all\n" + bad)] == ["InvalidDefinitionDescription"]
    assert found("# check=skip=InvalidDefinitionDescription\n" + bad) == []


def test_every_warning_carries_buildkits_description_and_link():
    report = check(parse("FROM scratch AS Bad\nMAINTAINER x\nCMD run\n"))
    for warning in report:
        rule = RULES[warning.rule]
        assert warning.description == rule.description and warning.url == rule.url
        assert warning.url.startswith("https://docs.docker.com/go/dockerfile/rule/") and warning.url.endswith("/")
    assert report.warnings[0].short == "StageNameCasing: Stage name 'Bad' should be lowercase (line 1)"
    assert RULES["InvalidBaseImagePlatform"].url == ""  # BuildKit links no page for it


def test_base_image_platform_from_the_images_config():
    images = {"arm": ImageFacts(env=[PATH], os="linux", architecture="arm64")}.get
    report = check(parse("FROM arm\nENV foo=bar\n"), images=images, platform="linux/amd64")
    assert [(w.rule, w.line, w.message) for w in report] == [
        ("InvalidBaseImagePlatform", 1, 'Base image arm was pulled with platform "linux/arm64", expected "linux/amd64" for current build')]
    assert check(parse("FROM arm\n"), images=images, platform="linux/arm64").warnings == []


def test_unknown_base_images_leave_undefined_var_unchecked_and_say_so():
    report = check(parse("FROM python:3.12\nENV X=$PYTHONPATH\n"))
    assert report.warnings == [] and report.notes and "python:3.12" in report.notes[0]


def test_an_empty_base_name_is_one_warning_and_no_note():
    report = check(parse("ARG BASE\nFROM $BASE\nCOPY a /a\n"), images={}.get)
    assert [w.rule for w in report.warnings] == ["InvalidDefaultArgInFrom"] and report.notes == []
