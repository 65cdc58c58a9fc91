"""`docker run`'s (and `docker create`'s) command line as the CLI reads it: options stop at the
image, every option the CLI documents for a tutorial's lines, and what `-it` runs: an
interactive shell (served line by line where what is typed can be read), a full-screen program
(never)."""

from __future__ import annotations

import argparse
import posixpath

from IPython.core.magic_arguments import argument

from ..errors import InvalidInput
from .args import split

IT_IN_NOTEBOOK = (
    "-it needs a terminal to type into, and nothing typed can be read here (a headless run, or a frontend "
    "without stdin): run it detached and step in with exec "
    "(%docker_run -dit --name NAME IMAGE sh, then %docker_exec NAME COMMAND), or give the input "
    "as a cell (%%docker_run IMAGE sh: the cell is the container's stdin)"
)


def _value_count(parser, token: str) -> int:
    """How many following tokens an option token takes as its value (0 or 1)."""
    actions = parser._option_string_actions
    if token.startswith("--"):
        action = actions.get(token)
        return 0 if "=" in token or action is None or action.nargs == 0 else 1
    for j, char in enumerate(token[1:], start=1):  # a cluster such as -dit or -eKEY=VALUE
        action = actions.get("-" + char)
        if action is None:
            return 0
        if action.nargs != 0:
            return 0 if j < len(token) - 1 else 1
    return 0


def split_at_first_positional(parser, line: str):
    """`[OPTIONS] FIRST [ARGS...]` as the docker CLI reads it: options stop at FIRST (the image
    or container); everything after it belongs to the command, even `-x` words."""
    tokens = split(line)
    i = 0
    while i < len(tokens) and tokens[i].startswith("-") and tokens[i] != "-":
        if tokens[i] == "--":
            tokens.pop(i)
            break
        i += 1 + _value_count(parser, tokens[i])
    options, rest = tokens[:i], tokens[i:]
    args = parser.parse_args(options + rest[:1])
    return args, rest[1:]


def run_options(func):
    """The `docker run` options, shared by the line and the cell form."""
    options = [
        argument("-d", "--detach", action="store_true", help="Run container in background; shows a card and returns the container."),
        argument("-i", "--interactive", action="store_true", help="Keep STDIN open: the cell of %%docker_run is its stdin; with -t and an interactive shell (-it IMAGE sh), what is typed into the input box under the cell, a line at a time; else empty."),
        argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY: colours and line buffering, output streamed; -it IMAGE sh is typed into line by line (refused where nothing typed can be read: a headless run; full-screen programs such as vi or top always)."),
        argument("--name", default=None, help="Assign a name to the container."),
        argument("--rm", action="store_true", help="Automatically remove the container when it exits."),
        argument("-e", "--env", action="append", default=[], metavar="KEY=VALUE", help="Set environment variables (KEY alone: this environment's value); repeatable."),
        argument("--env-file", action="append", default=[], help="Read in a file of environment variables; repeatable."),
        argument("-v", "--volume", action="append", default=[], metavar="[NAME:|HOST:]PATH[:ro]", help="Bind mount a volume (a named volume or a host path); repeatable."),
        argument("--mount", action="append", default=[], metavar="type=...,source=...,target=...", help="Attach a filesystem mount to the container; repeatable."),
        argument("-p", "--publish", action="append", default=[], metavar="[IP:][HOST:]PORT[/PROTO]", help="Publish a container's port(s) to the host, e.g. 127.0.0.1:8080:80; repeatable."),
        argument("-w", "--workdir", default=None, help="Working directory inside the container."),
        argument("-u", "--user", default=None, help="Username or UID (format: <name|uid>[:<group|gid>])."),
        argument("--entrypoint", default=None, help="Overwrite the default ENTRYPOINT of the image."),
        argument("--network", default=None, help="Connect a container to a network (bridge, host, none, or a network name)."),
        argument("-a", "--attach", action="append", default=[], choices=["stdin", "stdout", "stderr"], help="Attach to STDIN, STDOUT or STDERR (foreground; default stdout and stderr); repeatable."),
        *_extra_arguments(),
        argument("--init", action="store_true", help="Run an init inside the container that forwards signals and reaps processes."),
        argument("--hostname", "-h", default=None, help="Container host name."),
        argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE", help="Set meta data on a container; repeatable."),
        argument("--pull", default="missing", choices=["missing", "always", "never"], help='Pull image before running ("always", "missing", "never"). Default: missing.'),
        argument("--stop-timeout", type=int, default=None, metavar="SECONDS", help="Seconds to wait after SIGTERM before SIGKILL, when stopping it or on a kernel interrupt (default 10)."),
        argument("--no-raise-error", action="store_true", help="Do not raise an error when the container exits with a non-zero code (dockermagic's, like %%script's)."),
        argument("image", help="IMAGE to run; pulled when missing (--pull)."),
        argument("command", nargs=argparse.REMAINDER, help="COMMAND [ARG...]: everything after IMAGE, options included."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _extra_arguments():
    from ..containers.run_options import OPTIONS

    for flags, kind, metavar, text in OPTIONS:
        if kind == "flag":
            yield argument(*flags, action="store_true", help=text)
        else:
            yield argument(*flags, action="append" if kind == "list" else "store",
                           default=[] if kind == "list" else None, metavar=metavar, help=text)


def run_extras(args):
    """The network the run joins (`--network`, or `--net`) and the rest of the options, checked."""
    from ..containers.run_options import translate

    network = args.network or args.net
    return network, translate(vars(args), network)


# what, started with a terminal, waits for a person typing lines: served line by line where a
# cell can read what is typed (see magics/shells.py), refused where it cannot
SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "powershell", "pwsh", "cmd",
          "python", "python3", "ipython", "node", "irb", "psql", "mysql", "redis-cli", "sqlite3", "mongo", "mongosh"}
# what draws the whole screen and reads keys, not lines: no cell can serve it
FULL_SCREEN = {"vi", "vim", "nvim", "nano", "emacs", "less", "more", "most", "top", "htop", "atop", "man", "watch",
               "mc", "tmux", "screen", "ranger", "mutt", "lynx", "w3m", "nethack"}
FLAGS_OF_A_SESSION = {"-l", "-i", "--login", "-il", "-li"}


def program(command) -> str:
    """The program a command line starts (`/bin/bash` -> `bash`)."""
    return posixpath.basename(command[0].replace("\\", "/")).lower().removesuffix(".exe") if command else ""


def is_shell(command) -> bool:
    """An interactive shell or REPL waiting for lines (`sh`, `bash -l`, `python3`); `sh -c '...'`
    and every other command just run with a terminal."""
    return program(command) in SHELLS and all(word in FLAGS_OF_A_SESSION for word in command[1:])


def refuse_shell(command, readable: bool = False) -> None:
    """Refuse, in one line, what a cell cannot serve with a terminal: a full-screen program
    always; an interactive shell (or REPL) when nothing typed can be read (`readable` False:
    a headless run, a frontend without stdin)."""
    name = program(command)
    if name in FULL_SCREEN and not (name == "top" and "-b" in command[1:]):
        raise InvalidInput(f"{name} draws the whole screen and reads single keys; a cell reads what is typed a line "
                           f"at a time, so it cannot run here: use a terminal (docker run -it ...), or a command "
                           f"that prints and ends (e.g. cat instead of less, top -b -n 1 instead of top)")
    if not readable and is_shell(command):
        raise InvalidInput(IT_IN_NOTEBOOK)


def check_terminal(command, interactive: bool, can_read: bool) -> None:
    """`-t` (with `-i` or not) for `command`: what a cell cannot serve is refused in one line."""
    if can_read and not interactive and is_shell(command):
        raise InvalidInput(f"-t without -i: {program(command)} gets a terminal but no stdin, and would wait for ever "
                           f"for a line: add -i (-it) to type into it here")
    refuse_shell(command, readable=interactive and can_read)


def console_wanted(command, tty: bool, interactive: bool, can_read: bool) -> bool:
    """Whether `-it COMMAND` is a session typed into a line at a time (an interactive shell or
    REPL, where what is typed can be read); an empty command: the image's, known after create."""
    return tty and interactive and can_read and (not command or is_shell(command))
