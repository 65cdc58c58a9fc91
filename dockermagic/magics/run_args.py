"""`docker run`'s (and `docker create`'s) command line as the CLI reads it: options stop at the
image, every option the CLI documents for a tutorial's lines, and when `-t` asks for a terminal
that no one can type into."""

from __future__ import annotations

import argparse
import posixpath

from IPython.core.magic_arguments import argument

from ..errors import InvalidInput
from .args import split

IT_IN_NOTEBOOK = (
    "-it needs a terminal, and a notebook cell has none: run it detached and step in with exec "
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
        argument("-i", "--interactive", action="store_true", help="Keep STDIN open (the cell of %%docker_run is its stdin; empty in the line form)."),
        argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY: colours and line buffering, output streamed (an interactive shell with nothing to type into is refused)."),
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
    from ..run_options import OPTIONS

    for flags, kind, metavar, text in OPTIONS:
        if kind == "flag":
            yield argument(*flags, action="store_true", help=text)
        else:
            yield argument(*flags, action="append" if kind == "list" else "store",
                           default=[] if kind == "list" else None, metavar=metavar, help=text)


def run_extras(args):
    """The network the run joins (`--network`, or `--net`) and the rest of the options, checked."""
    from ..run_options import translate

    network = args.network or args.net
    return network, translate(vars(args), network)


# what, started with a terminal and nothing to read, would wait for a person forever
INTERACTIVE = {"sh", "bash", "ash", "dash", "zsh", "ksh", "fish", "csh", "tcsh", "powershell", "pwsh", "cmd",
               "python", "python3", "node", "irb", "vi", "vim", "nano", "emacs", "less", "more"}


def refuse_shell(command) -> None:
    """The one `-it` line a notebook cannot serve: an interactive shell (or editor, or REPL)
    with nothing to type into it.  `sh -c '...'` and every other command run with a terminal."""
    if not command:
        return
    name = posixpath.basename(command[0].replace("\\", "/")).lower().removesuffix(".exe")
    if name in INTERACTIVE and all(word in ("-l", "-i", "--login", "-il", "-li") for word in command[1:]):
        raise InvalidInput(IT_IN_NOTEBOOK)
