"""Tab completion of dockermagic's own words, through IPython's real completer on a shell with
the extension loaded: magic names, `%docker` subcommands at every level, each command's options
(read from its parser, with its help), option values, `%%dockerfile` and `%%compose` cells.
No engine here (DOCKER_HOST points nowhere): what needs one offers nothing, at once."""

from __future__ import annotations

import time

import pytest
from IPython.core.completer import provisionalcompleter

from dockermagic.compose.model import validate
from dockermagic.dockerfile import instructions


def complete(ip, text: str, offset: int | None = None) -> dict[str, str]:
    """{completion text: its type} as a frontend receives them."""
    with provisionalcompleter():
        found = list(ip.Completer.completions(text, len(text) if offset is None else offset))
    return {c.text: c.type for c in found}


NOTHING = "nothing to complete"  # the type of the one no-op entry that keeps Jedi's names out


def words(ip, text: str) -> list[str]:
    return sorted(word for word, kind in complete(ip, text).items() if kind != NOTHING)


def test_magic_names_complete_with_their_help(ip):
    found = complete(ip, "%docker_st")
    assert set(found) == {"%docker_stack", "%docker_start", "%docker_stats", "%docker_stop"}
    assert found["%docker_stop"].startswith("Stop running containers")
    assert "%%dockerfile" in complete(ip, "%%dock")


def test_top_level_subcommands_are_the_magics_and_the_management_commands(ip):
    found = words(ip, "%docker ")
    for word in ("run", "stop", "network", "compose", "image", "container", "buildx", "system", "service", "stack"):
        assert word in found
    assert "image_prune" not in found  # offered as `image prune`
    assert "plugin" not in found  # refused subcommands are not offered
    assert words(ip, "%docker net") == ["network"]


@pytest.mark.parametrize("line, expected", [
    ("%docker network ", {"create", "ls", "inspect", "connect", "disconnect", "rm", "prune"}),
    ("%docker compose ", {"up", "down", "ps", "logs", "exec", "run", "config", "build"}),
    ("%docker service ", {"create", "ls", "ps", "rm", "update", "scale", "logs", "inspect"}),
    ("%docker stack ", {"deploy", "ls", "ps", "rm", "services"}),
    ("%docker buildx ", {"build"}),
    ("%docker image ", {"ls", "rm", "build", "history", "push", "pull", "tag", "prune", "save", "load"}),
    ("%docker container ", {"run", "ls", "stop", "start", "rm", "logs", "exec", "prune"}),
    ("%docker system ", {"df", "prune", "events", "info"}),
    ("%docker volume ", {"create", "ls", "inspect", "rm", "prune"}),
    ("%docker context ", {"ls", "use", "create", "rm", "inspect"}),
    ("%docker node ", {"ls", "inspect", "ps", "rm", "update", "promote", "demote"}),
    ("%docker_network ", {"create", "ls", "rm"}),
])
def test_subcommands_at_every_level(ip, line, expected):
    assert expected <= set(words(ip, line))


def _options(parser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


@pytest.mark.parametrize("line, parser", [
    ("%docker network create --", lambda: __import__("dockermagic.magics.networks", fromlist=["x"]).SUBCOMMANDS["create"]),
    ("%docker compose up --", lambda: __import__("dockermagic.magics.compose.base", fromlist=["x"]).SUBCOMMANDS["up"].parser),
    ("%docker service create --", lambda: __import__("dockermagic.magics.swarm.service", fromlist=["x"]).SUBCOMMANDS["create"]),
    ("%docker stack deploy --", lambda: __import__("dockermagic.magics.swarm.stack", fromlist=["x"]).SUBCOMMANDS["deploy"]),
])
def test_options_are_the_parsers_own(ip, line, parser):
    long_ones = {flag for flag in _options(parser()) if flag.startswith("--")} | {"--help"}
    assert set(words(ip, line)) == long_ones


def test_options_of_line_magics_come_from_their_parsers_with_help(ip):
    stop = ip.find_line_magic("docker_stop")
    assert set(words(ip, "%docker stop -")) == _options(stop.parser) | {"--help"}
    found = complete(ip, "%docker buildx build --pl")
    assert list(found) == ["--platform"]
    assert found["--platform"].startswith("Build for that platform")
    assert words(ip, "%docker run --net") == ["--net", "--net-alias", "--network", "--network-alias"]
    # the magic's parser is the one source: an option added to it completes
    build = ip.find_line_magic("docker_build")
    assert set(words(ip, "%docker_build --")) == {f for f in _options(build.parser) if f.startswith("--")} | {"--help"}


def test_global_flags_and_their_values(ip):
    assert {"-H", "--host", "--context", "--tls", "--tlsverify", "--config"} <= set(words(ip, "%docker -"))
    assert "default" in words(ip, "%docker --context ")


@pytest.mark.parametrize("line, expected", [
    ("%docker run --restart ", ["always", "no", "on-failure", "unless-stopped"]),
    ("%docker run --pull ", ["always", "missing", "never"]),
    ("%docker run --pull=m", ["missing"]),
    ("%docker create --log-driver json", ["json-file"]),
    ("%docker run --cap-add CAP_NET_A", ["CAP_NET_ADMIN"]),
    ("%docker run --stop-signal SIGTE", []),
    ("%docker run --stop-signal TE", ["TERM"]),
    ("%docker run --platform linux/arm64", ["linux/arm64", "linux/arm64/v8"]),
    ("%docker buildx build --platform=linux/s", ["linux/s390x"]),
])
def test_option_values_with_fixed_choices(ip, line, expected):
    assert words(ip, line) == expected


def test_files_and_folders(ip, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile.dev").write_text("FROM busybox\n")
    (tmp_path / "prod.env").write_text("A=1\n")
    assert words(ip, "%docker run --env-file pr") == ["prod.env"]
    assert words(ip, "%docker build -f app/") == ["app/Dockerfile.dev"]
    assert words(ip, "%docker build ") == ["app/"]  # the build context: folders only
    assert words(ip, "%docker build --secret id=tok,src=app/D") == ["app/Dockerfile.dev"]
    assert words(ip, "%docker compose -f p") == ["prod.env"]
    assert words(ip, "%docker compose --project-directory ") == ["app/"]
    assert "default" in words(ip, "%docker context create new --from ")


def test_compose_services_inside_a_project(ip, tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n")
    assert words(ip, "%docker compose up ") == ["db", "web"]
    assert words(ip, "%docker compose logs -f w") == ["web"]
    (tmp_path / "other.yaml").write_text("services:\n  cache:\n    image: busybox\n")
    assert words(ip, "%docker compose -f other.yaml restart ") == ["cache"]


def test_nothing_to_offer_still_keeps_python_names_out(ip):
    found = complete(ip, "%docker run busybox ec")  # the container's command: nothing of ours, nothing of Jedi's
    assert found == {"ec": NOTHING}
    assert "abs" not in complete(ip, "%docker stop a")


def test_a_gone_engine_answers_at_once(ip):
    start = time.perf_counter()
    assert words(ip, "%docker stop ") == []
    assert time.perf_counter() - start < 0.2


# -- %%dockerfile -----------------------------------------------------------------------------
def cell(ip, magic: str, body: str) -> dict[str, str]:
    return {word: kind for word, kind in complete(ip, f"%%{magic}\n{body}").items() if kind != NOTHING}


def test_dockerfile_instructions_at_the_start_of_a_line(ip):
    assert set(cell(ip, "dockerfile", "")) == set(instructions.KEYWORDS)
    assert list(cell(ip, "dockerfile", "FROM busybox\nRU")) == ["RUN"]
    assert list(cell(ip, "dockerfile", "from busybox\nru")) == ["run"]
    assert "COPY" in cell(ip, "dockerfile", "FROM busybox\nONBUILD C")


def test_dockerfile_flags_of_each_instruction(ip):
    for keyword, flags in instructions.FLAGS.items():
        spelled = {f"--{f}" if kind == instructions.BOOL else f"--{f}=" for f, kind in flags.items()}
        assert set(cell(ip, "dockerfile", f"FROM busybox\n{keyword} --")) == spelled, keyword
    assert "--chmod=" in cell(ip, "dockerfile", "FROM busybox\nCOPY --ch")
    assert "--link" in cell(ip, "dockerfile", "FROM busybox\nCOPY --l")


def test_dockerfile_flag_values(ip):
    mounts = cell(ip, "dockerfile", "FROM busybox\nRUN --mount=")
    assert "type=cache,target=" in mounts and "type=secret,id=" in mounts
    assert list(cell(ip, "dockerfile", "FROM busybox\nRUN --mount=type=cache,target=/root/.cache,sh")) == ["sharing="]
    assert list(cell(ip, "dockerfile", "FROM busybox\nRUN --network=n")) == ["none"]
    assert "linux/amd64" in cell(ip, "dockerfile", "FROM --platform=")
    assert "$BUILDPLATFORM" in cell(ip, "dockerfile", "FROM --platform=$")


def test_dockerfile_stage_names_after_from(ip):
    text = "FROM busybox AS build\nRUN true\nFROM busybox AS test\nFROM scratch\nCOPY --from="
    assert set(cell(ip, "dockerfile", text)) == {"build", "test"}
    # a stage below the cursor is not one COPY can use; a half-written file still names its stages
    text = "FROM busybox AS Build\nRUN echo 'unclosed\nFROM scratch\nCOPY --from=b"
    assert list(cell(ip, "dockerfile", text)) == ["build"]


def test_dockerfile_from_offers_scratch_and_local_images(ip):
    found = cell(ip, "dockerfile", "FROM ")
    assert "scratch" in found
    assert list(cell(ip, "dockerfile", "FROM busybox ")) == ["AS"]


def test_the_magic_line_of_a_cell_completes_its_options(ip):
    parser = ip.find_cell_magic("dockerfile").parser
    long_ones = {f for f in _options(parser) if f.startswith("--")} | {"--help"}
    assert set(complete(ip, "%%dockerfile Dockerfile --\nFROM busybox\n", len("%%dockerfile Dockerfile --"))) == long_ones


# -- %%compose --------------------------------------------------------------------------------
def test_compose_keys_at_each_place_are_the_specifications(ip):
    assert set(cell(ip, "compose", "")) == validate.TOP
    assert set(cell(ip, "compose", "services:\n  web:\n    ")) == validate.SERVICE
    assert set(cell(ip, "compose", "services:\n  web:\n    build:\n      ")) == validate.BUILD
    assert set(cell(ip, "compose", "services:\n  web:\n    healthcheck:\n      ")) == validate.HEALTHCHECK
    assert set(cell(ip, "compose", "services:\n  web:\n    ports:\n      - ")) == validate.PORT - {"x-"}
    assert set(cell(ip, "compose", "services:\n  web:\n    volumes:\n      - type: bind\n        ")) == validate.MOUNT
    assert set(cell(ip, "compose", "services:\n  web:\n    image: x\nnetworks:\n  front:\n    ")) == validate.NETWORK
    assert set(cell(ip, "compose", "volumes:\n  data:\n    ")) == validate.VOLUME
    assert list(cell(ip, "compose", "services:\n  web:\n    im")) == ["image"]


def test_compose_service_names_in_depends_on_and_extends(ip):
    head = "services:\n  db:\n    image: postgres\n  cache:\n    image: redis\n  web:\n"
    assert set(cell(ip, "compose", head + "    depends_on:\n      - ")) == {"db", "cache"}
    assert set(cell(ip, "compose", head + "    depends_on:\n      ")) == {"db", "cache"}
    assert set(cell(ip, "compose", head + "    depends_on:\n      db:\n        ")) == validate.DEPENDS
    assert set(cell(ip, "compose", head + "    extends:\n      service: ")) == {"db", "cache"}
    assert set(cell(ip, "compose", head + "    extends: c")) == {"cache"}


def test_unload_removes_the_matcher_and_load_brings_it_back(ip):
    try:
        ip.run_line_magic("unload_ext", "dockermagic")
        assert not [m for m in ip.Completer.custom_matchers if getattr(m, "matcher_identifier", "") == "dockermagic"]
        assert "network" not in complete(ip, "%docker net")
    finally:
        ip.run_line_magic("load_ext", "dockermagic")
    assert [m.matcher_identifier for m in ip.Completer.custom_matchers].count("dockermagic") == 1
    assert list(complete(ip, "%docker net")) == ["network"]


def test_the_older_complete_api_answers_too(ip):
    """`ip.complete(text, line, cursor)`: what older kernels and readline-style callers use."""
    assert ip.complete("", "%docker network cr", 18) == ("cr", ["create"])
    assert ip.complete("", "%docker run --restart=un", 24) == ("un", ["unless-stopped"])
    cell_text = "%%dockerfile\nFROM busybox\nRU"
    assert ip.complete("", cell_text, len(cell_text))[1] == ["RUN"]


def test_in_a_kernel_the_type_is_one_word(ip, tmp_path):
    """JupyterLab, Notebook 7 and VS Code reach the shell through a kernel: their completer lays
    the type out as a one-letter icon and a column one word wide, so a kernel's shell gets the kind
    (`option`, `container`, `magic` ...); the terminal keeps the help beside each item."""
    (tmp_path / "ctx").mkdir()  # the working folder: a build context to offer
    ip.kernel = object()  # what ipykernel's shell has
    try:
        ip.run_line_magic("reload_ext", "dockermagic")
        assert complete(ip, "%docker_st")["%docker_stop"] == "magic"
        assert set(complete(ip, "%docker_run --net").values()) == {"option"}
        assert set(complete(ip, "%docker network ").values()) == {"subcommand"}
        assert set(complete(ip, "%docker_run --restart ").values()) == {"choice"}
        assert complete(ip, "%%dockerfile\nFR") == {"FROM": "instruction"}
        assert complete(ip, "%%dockerfile\nFROM scr")["scratch"] == "image"
        assert complete(ip, "%%dockerfile\nFROM busybox A")["AS"] == "keyword"
        assert set(complete(ip, "%%dockerfile\nRUN --mount=").values()) == {"mount"}
        assert set(complete(ip, "%%compose\nservices:\n  web:\n    ").values()) == {"key"}
        assert complete(ip, "%docker_build ") == {"ctx/": "folder"}
        for found in (complete(ip, text) for text in ("%docker ", "%docker stop -", "%%dockerfile\nCOPY --")):
            assert found and all(kind and " " not in kind for kind in found.values()), found
    finally:
        del ip.kernel
        ip.run_line_magic("reload_ext", "dockermagic")
    assert complete(ip, "%docker_st")["%docker_stop"].startswith("Stop running containers")
