"""`%docker_login`, `%docker_logout`, `%docker_push`, `%docker_pull`, `%docker_tag`, `%docker_rmi`."""

from __future__ import annotations

import os
import re
import sqlite3

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import InvalidInput
from ..views.formatters import shown
from .args import join, parse_line, split
from .base import MagicsArea, reports_errors

_PASSWORD_OPTION = re.compile(r"^(?:--password(?:=.*)?|-p.*)$")


def _password_tokens(line: str) -> tuple[list[str], str]:
    """The line's words without a `-p/--password` option, and that option's value ('' if none)."""
    words = split(line, strict=False)  # a broken line is searched for a password too
    kept, secret, skip = [], "", False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if _PASSWORD_OPTION.match(word):
            if word in ("-p", "--password"):
                secret, skip = (words[i + 1] if i + 1 < len(words) else ""), True
            else:
                secret = word.split("=", 1)[1] if word.startswith("--password=") else word[2:].lstrip("=")
            continue
        kept.append(word)
    return kept, secret


def _ask(prompt: str, hidden: bool) -> str:
    """A hidden prompt in terminal IPython, JupyterLab and Notebook 7 (ipykernel routes getpass)."""
    import getpass

    from IPython.core.error import StdinNotImplementedError

    from ..registry.auth import LoginError

    try:
        return getpass.getpass(prompt) if hidden else input(prompt)
    except (StdinNotImplementedError, EOFError, OSError):
        raise LoginError(
            "this frontend cannot ask for a password (no input box here, e.g. a notebook run by nbconvert): "
            "put it in an environment variable and use --password-env VAR"
        ) from None


@magics_class
class RegistryMagics(MagicsArea):
    # -- logging in -------------------------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-u", "--username", default=None, help="Username (asked if not given and nothing is stored for SERVER).")
    @argument("--password-env", default=None, metavar="VAR", help="Read the password from environment variable VAR (for notebooks run unattended).")
    @argument("--password-stdin", action="store_true", help="Ask for the password with a hidden prompt (what happens anyway without --password-env).")
    @argument("-p", "--password", default=None, help="Refused: a password on the magic's line is saved with the notebook. Use the hidden prompt or --password-env.")
    @argument("server", nargs="?", default=None, help="Registry, e.g. localhost:5000 (default: Docker Hub).")
    def docker_login(self, line):
        """Log in to a registry; credentials are kept where `docker login` keeps them.

        That is the credential helper configured in the docker config file ($DOCKER_CONFIG or
        ~/.docker/config.json: `credsStore` / `credHelpers`), else that file's `auths`, so a
        terminal `docker push` works afterwards.  Credentials already kept for SERVER are used
        without asking; otherwise the password is asked with a hidden prompt, or read from the
        environment variable named by --password-env.  Returns a `Login` (no password in it).
        """
        from ..registry import auth

        kept_words, secret = _password_tokens(line)
        if len(kept_words) != len(split(line, strict=False)) or secret:
            forget_secret(self.shell, line, join(kept_words), secret)
            raise InvalidInput(
                "a password on the magic's line would be saved with the notebook, so it is refused and nothing "
                "was sent; it was removed from IPython's history. Run `%docker_login SERVER -u USER` for a hidden "
                "prompt, or put it in an environment variable and use --password-env VAR"
            )
        try:
            args = parse_line(self.docker_login, line)
        except UsageError:
            raise InvalidInput(
                "%docker_login: unknown or incomplete options (not repeated here: they may hold a secret); "
                "usage: %docker_login [SERVER] [-u USERNAME] [--password-env VAR]"
            ) from None
        password, source = None, ""
        if args.password_env:
            if args.password_env not in os.environ:
                raise InvalidInput(f"--password-env {args.password_env}: no such environment variable is set in this kernel")
            password, source = os.environ[args.password_env], f"${args.password_env}"
        result = auth.login(self.engine(), args.server, args.username, password, source, ask=_ask)
        _reload_engine_auth(self.engine())
        return result

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("server", nargs="?", default=None, help="Registry to log out of, e.g. localhost:5000 (default: Docker Hub).")
    def docker_logout(self, line):
        """Log out of a registry: remove its credentials from the credential helper and the docker config file."""
        from ..registry import auth

        args = parse_line(self.docker_logout, line)
        result = auth.logout(args.server)
        from ..engine.connection import connected

        for engine in connected():  # logging out needs no engine, as with the CLI
            _reload_engine_auth(engine)
        return result

    # -- moving images ------------------------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all-tags", action="store_true", help="Push all tags of an image to the repository.")
    @argument("-q", "--quiet", action="store_true", help="Suppress verbose output.")
    @argument("name", help="NAME[:TAG] to push, e.g. localhost:5000/me/app:1.0 (TAG defaults to latest).")
    def docker_push(self, line):
        """Push an image to a registry, with a live view of its layers.

        Returns a `Transfer` (`.digest`, `.layers`, `.bytes_transferred`, `.summary()`); a failure,
        also one the engine reports inside its stream, raises `PushError` with the registry's message.
        """
        from ..registry.transfer import push, push_name

        args = parse_line(self.docker_push, line)
        push_name(args.name, args.all_tags)  # a bad name says so, also where no engine answers
        return self._transfer(push, "push", args)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-a", "--all-tags", action="store_true", help="Download all tagged images in the repository.")
    @argument("-q", "--quiet", action="store_true", help="Suppress verbose output.")
    @argument("--platform", default=None, metavar="OS/ARCH[/VARIANT]", help="Pull that platform's image of a multi-platform one, e.g. linux/arm64; the result says which platform came.")
    @argument("name", help="NAME[:TAG|@DIGEST] to pull, e.g. localhost:5000/me/app:1.0 (TAG defaults to latest).")
    def docker_pull(self, line):
        """Pull an image from a registry, with a live view of its layers.

        Returns a `Transfer` (`.digest`, `.layers`, `.bytes_transferred`, `.summary()`); a failure,
        also one the engine reports inside its stream, raises `PullError` with the registry's message.
        """
        from functools import partial

        from ..images.platforms import parse
        from ..registry.transfer import pull, pull_name

        args = parse_line(self.docker_pull, line)
        pull_name(args.name, args.all_tags)  # a bad name says so, also where no engine answers
        if args.platform is not None:
            parse(args.platform)  # a bad platform is refused before any view or request
        return self._transfer(partial(pull, platform=args.platform), "pull", args)

    def _transfer(self, move, kind: str, args):
        from ..registry.transfer import Transfer
        from ..views.live import run
        from ..views.transfer import TransferView

        engine = self.engine()
        result = Transfer(kind, args.name, engine=engine.label)
        if args.quiet:
            for _ in move(engine, args.name, args.all_tags, result):
                pass
            print(result.name)
            return result
        view = TransferView(result, **self.settings.view_options())
        run(view, move(engine, args.name, args.all_tags, result))
        return shown(result, self.shell.execution_count, view.mode)

    # -- local names --------------------------------------------------------------------------
    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("source", help="SOURCE_IMAGE[:TAG]: the image to name.")
    @argument("target", help="TARGET_IMAGE[:TAG]: the new name, e.g. localhost:5000/me/app:1.0.")
    def docker_tag(self, line):
        """Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE (both names checked first)."""
        from ..images.images import tag, tag_names

        args = parse_line(self.docker_tag, line)
        tag_names(args.source, args.target)  # bad names say so, also where no engine answers
        return tag(self.engine(), args.source, args.target)

    @line_magic
    @reports_errors
    @magic_arguments()
    @argument("-f", "--force", action="store_true", help="Force removal of the image.")
    @argument("--no-prune", action="store_true", help="Do not delete untagged parents.")
    @argument("--platform", action="append", default=[], metavar="OS/ARCH[/VARIANT]", help="Remove only the content of these platforms of a multi-platform image; repeatable (needs an engine with API 1.50).")
    @argument("images", nargs="+", help="IMAGE [IMAGE ...] to remove (names or ids).")
    def docker_rmi(self, line):
        """Remove one or more images; returns what was untagged and deleted, as the CLI lists it."""
        from ..images.images import check_names, remove

        args = parse_line(self.docker_rmi, line)
        check_names(args.images)  # a bad name says so, also where no engine answers
        return remove(self.engine(), args.images, args.force, args.platform, args.no_prune)



def forget_secret(shell, line: str, redacted: str, secret: str) -> None:
    """Take the password out of IPython's history (memory, `_i*`, the sqlite file) and, in a
    kernel, out of the cell itself (the frontend replaces the cell's text).  A `%%docker_secret`
    cell's value goes the same way (`line` empty, `secret` the value)."""
    hm = getattr(shell, "history_manager", None)
    if shell is None or hm is None:
        return

    def clean(text):
        if not isinstance(text, str):
            return text
        if line.strip():
            text = text.replace(line.strip(), redacted)
        return text.replace(secret, "********") if secret else text

    current = hm.input_hist_raw[-1] if hm.input_hist_raw else ""
    for hist in (hm.input_hist_parsed, hm.input_hist_raw):
        hist[:] = [clean(text) for text in hist]
    for name in ("_i", "_ii", "_iii", "_i00"):
        setattr(hm, name, clean(getattr(hm, name, "")))
    ns = shell.user_ns
    for key in [k for k in ns if re.fullmatch(r"_i+|_i\d+", k)]:
        ns[key] = clean(ns[key])
    _scrub_history_db(hm, clean, secret or line.strip())
    if getattr(shell, "kernel", None) is not None and current and clean(current) != current:
        shell.set_next_input(clean(current).replace("********", ""), replace=True)


def _scrub_history_db(hm, clean, needle: str) -> None:
    """Rewrite this session's rows of the history database that hold the secret."""
    if not needle:
        return
    try:
        hm.writeout_cache()
        with hm.db:
            rows = hm.db.execute(
                "SELECT line, source, source_raw FROM history WHERE session = ?", (hm.session_number,)
            ).fetchall()
            for number, source, raw in rows:
                if needle in (source or "") or needle in (raw or ""):
                    hm.db.execute(
                        "UPDATE history SET source = ?, source_raw = ? WHERE session = ? AND line = ?",
                        (clean(source), clean(raw), hm.session_number, number),
                    )
    except (AttributeError, sqlite3.Error):  # no database (DummyDB), or a read-only one: memory is cleaned
        pass


def _reload_engine_auth(engine) -> None:
    """docker-py keeps the config file's logins in memory (builds use them): read them again."""
    import docker

    try:
        engine.api.reload_config()
    except (docker.errors.DockerException, ValueError):  # an entry docker-py cannot read: the login is kept all the same
        pass
