"""`%docker swarm|node|secret|config ...` and the cells `%%docker_secret NAME` /
`%%docker_config NAME`: parse the line, call one core function, return its result."""

from __future__ import annotations

from IPython.core.magic import line_cell_magic, magics_class

from ...errors import InvalidInput
from ...opts import pairs
from ..base import MagicsArea, reports_errors
from . import parsers


def _formatted(text: str):
    from ...gotemplate.formats import Formatted

    return Formatted(text)


@magics_class
class SwarmMagics(MagicsArea):
    """Swarm mode: the swarm, its nodes, secrets and configs, as the docker CLI manages them."""

    # -- the swarm ---------------------------------------------------------------------------
    @line_cell_magic
    @reports_errors
    def docker_swarm(self, line: str = "", cell: str | None = None):
        """Make, join, leave and manage a swarm, as `docker swarm` does.

            %docker swarm init --advertise-addr 192.168.0.10
            %docker swarm join-token worker            the command a worker joins with
            %docker -H ssh://node2 swarm join --token TOKEN 192.168.0.10:2377
            %docker swarm update --autolock=true       prints the unlock key
            %docker swarm unlock                       asks for the key (hidden)
            %docker swarm unlock < unlock-key.txt      or reads it as the CLI reads stdin
            %%docker_swarm unlock                      or the cell is the key (taken out of the notebook)
            %docker swarm ca --rotate --ca-cert root.pem --ca-key root-key.pem
            %docker swarm leave --force

        The unlock key is never taken from the line (it would be saved with the notebook).
        Returns a `SwarmChange` (init, join, leave, update, unlock), a `SwarmInfo` (inspect), or
        a `Formatted` (join-token, unlock-key, ca, inspect --format).
        """
        from ...swarm import cluster

        if cell is not None:
            return self._unlock_from_cell(line, cell)
        _refuse_key_on_line(self.shell, line)
        sub, args = parsers.parse("swarm", line)
        engine = self.engine()
        if sub == "init":
            return cluster.init(engine, args.advertise_addr, args.listen_addr, args.data_path_addr, args.data_path_port,
                                args.default_addr_pool, args.default_addr_pool_mask_length, args.force_new_cluster,
                                bool(parsers.autolock(args.autolock)), args.availability, _settings(args),
                                args.external_ca, *_pem_files(args))
        if sub == "join":
            return cluster.join(engine, args.remote, args.token, args.advertise_addr, args.listen_addr,
                                args.data_path_addr, args.availability)
        if sub == "join-token":
            return _formatted(cluster.join_token(engine, args.role, args.rotate, args.quiet))
        if sub == "leave":
            return cluster.leave(engine, args.force)
        if sub == "update":
            return cluster.update(engine, args.external_ca, **_settings(args), autolock=parsers.autolock(args.autolock))
        if sub == "unlock":
            return cluster.unlock(engine, _unlock_key())
        if sub == "unlock-key":
            return _formatted(cluster.unlock_key(engine, args.rotate, args.quiet))
        if sub == "ca":
            settings = _settings(args)
            return _formatted(cluster.ca(engine, args.rotate, args.quiet, args.detach, *_pem_files(args),
                                         settings.get("cert_expiry"), args.external_ca))
        info = cluster.inspect(engine)
        return _inspected(args.format, [info.raw if args.format == "json" else cluster.for_template(info.raw)], None) or info

    def _unlock_from_cell(self, line: str, cell: str):
        """`%%docker_swarm unlock`: the cell is the key; it leaves IPython's history and the cell."""
        from ...swarm import cluster

        sub, _ = parsers.parse("swarm", line)
        if sub != "unlock":
            raise InvalidInput(f"%%docker_swarm {sub}: only `unlock` takes a cell (the unlock key); "
                               f"use %docker swarm {sub} as a line")
        if cell.strip():
            _forget(self.shell, cell)
        return cluster.unlock(self.engine(), cell.strip())

    # -- nodes -------------------------------------------------------------------------------
    @line_cell_magic
    @reports_errors
    def docker_node(self, line: str = "", cell: str | None = None):
        """A swarm's nodes, as `docker node` manages them (on a manager).

            %docker node ls                              also the cluster picture
            %docker node ps swarm-worker                 the tasks a node runs
            %docker node inspect --pretty self
            %docker node update --availability drain --label-add zone=a swarm-worker
            %docker node promote swarm-worker

        Returns a `NodeList` (ls), a `TaskList` (ps), a `Node` or a list of them (inspect), a
        `NodeChange` (update, promote, demote, rm), or a `Formatted` (--format, -q, --pretty).
        """
        from ...swarm import nodes

        sub, args = parsers.parse("node", line)
        if sub == "ls":
            return self._node_ls(args)
        if sub == "ps":
            return self._node_ps(args)
        engine = self.engine()
        if sub == "inspect":
            if args.pretty or args.format == "pretty":
                return _formatted(nodes.pretty_inspect(engine, args.nodes))
            _check_template(args.format)
            found = nodes.inspect(engine, args.nodes)
            raws = [n.raw if args.format == "json" else nodes.for_template(n.raw) for n in found]
            return _inspected(args.format, raws, None) or (found[0] if len(found) == 1 else found)
        if sub == "update":
            return nodes.update(engine, [args.node], args.availability, args.role,
                                pairs.label_map(args.label_add, "--label-add"), args.label_rm)
        if sub in ("promote", "demote"):
            return nodes.set_role(engine, args.nodes, "manager" if sub == "promote" else "worker")
        return nodes.remove(engine, args.nodes, args.force)

    def _node_ls(self, args):
        from ...gotemplate import formats
        from ...swarm import nodes

        formats.check_listing(args.format)
        listed = nodes.list_nodes(self.engine(), pairs.filter_map(args.filter, "--filter", "role=manager"),
                                  with_tasks=not (args.quiet or args.format))
        if args.quiet and not args.format:
            return _formatted("".join(n.id + "\n" for n in listed))
        if args.format:
            return _formatted(formats.listing(args.format, listed.rows, nodes.LS_HEADER, nodes.LS_TABLE, args.quiet))
        return listed

    def _node_ps(self, args):
        from ...gotemplate import formats
        from ...swarm import nodes, tasks

        formats.check_listing(args.format)
        engine = self.engine()
        filters = pairs.filter_map(args.filter, "--filter", "desired-state=running")
        ids = [nodes.resolve(engine, ref, f"node ps {ref}")["ID"] for ref in (args.nodes or ["self"])]
        listed = tasks.list_tasks(engine, {**filters, "node": ids})
        if args.quiet and not args.format:
            return _formatted("".join((t.id if args.no_trunc else t.id[:12]) + "\n" for t in listed))
        if args.format:
            rows = listed.rows(trunc=not args.no_trunc, table=args.format.startswith("table"))
            return _formatted(formats.listing(args.format, rows, tasks.PS_HEADER, tasks.PS_TABLE, args.quiet))
        return nodes.placed(listed)

    # -- secrets and configs ----------------------------------------------------------------
    @line_cell_magic
    @reports_errors
    def docker_secret(self, line: str = "", cell: str | None = None):
        """Secrets a service's tasks read at /run/secrets/NAME, as `docker secret` manages them.

            %docker secret create db_password ./password.txt
            %docker secret create db_password -          asks for it (hidden)
            %%docker_secret db_password                  the cell is the value
            %docker secret ls --filter label=project
            %docker secret rm db_password

        The value goes to the manager only: no result, output or error shows it, and a cell's
        value is taken out of IPython's history (and out of the cell, in a notebook).
        Returns a `Secret` (create, inspect), an `ObjectList` (ls), a `Removed` (rm), or a
        `Formatted` (--format, -q, --pretty).
        """
        return self._objects("secret", line, cell)

    @line_cell_magic
    @reports_errors
    def docker_config(self, line: str = "", cell: str | None = None):
        """Configs a service's tasks read as files, as `docker config` manages them.

            %docker config create nginx_conf ./nginx.conf
            %%docker_config nginx_conf                   the cell is the content
            %docker config inspect --pretty nginx_conf

        Returns a `Config` (create, inspect), an `ObjectList` (ls), a `Removed` (rm), or a
        `Formatted` (--format, -q, --pretty).
        """
        return self._objects("config", line, cell)

    def _objects(self, kind: str, line: str, cell: str | None):
        from ...gotemplate import formats
        from ...swarm import objects

        if cell is not None:
            return self._create_from_cell(kind, line, cell)
        sub, args = parsers.parse(kind, line)
        engine = self.engine()
        if sub == "create":
            objects.check_name(kind, args.name)  # before a prompt or a file is read
            data = _read_value(kind, args.file)
            return objects.create(engine, kind, args.name, data, pairs.label_map(args.label, "--label"),
                                  getattr(args, "driver", None), args.template_driver)
        if sub == "ls":
            formats.check_listing(args.format)
            listed = objects.list_objects(engine, kind, pairs.filter_map(args.filter, "--filter", "name=web"))
            if args.quiet and not args.format:
                return _formatted("".join(o.id + "\n" for o in listed))
            if args.format:
                return _formatted(formats.listing(args.format, listed.rows, objects.HEADER, listed.table, args.quiet))
            return listed
        if sub == "inspect":
            if args.pretty or args.format == "pretty":
                return _formatted(objects.pretty(objects.inspect(engine, kind, getattr(args, f"{kind}s"))))
            _check_template(args.format)
            from ...swarm.cluster import for_template

            found = objects.inspect(engine, kind, getattr(args, f"{kind}s"))
            raws = [o.raw if args.format == "json" else for_template(o.raw) for o in found]
            return _inspected(args.format, raws, None) or (found[0] if len(found) == 1 else found)
        return objects.remove(engine, kind, getattr(args, f"{kind}s"))

    def _create_from_cell(self, kind: str, line: str, cell: str):
        """`%%docker_secret NAME [-l K=V]`: the cell's text is the value (a trailing newline kept off
        a one-line secret, as `echo -n` would send it)."""
        from ...swarm import objects
        from ..args import split

        words = split(line)
        parser = parsers.PARSERS[kind]["create"]
        from ..args import parse_words

        args = parse_words(parser, [w for w in words if w != "create"])
        if args.file is not None:
            raise InvalidInput(f"%%docker_{kind} {args.name}: the cell is the value; leave out {args.file!r}")
        value = cell[:-1] if cell.endswith("\n") and cell.count("\n") == 1 else cell
        if kind == "secret":
            if not value.strip():
                raise InvalidInput(f"%%docker_secret {args.name}: the cell is empty: type the secret's value in the "
                                   "cell (it is taken out of the notebook once it is sent)")
            _forget(self.shell, cell)
        return objects.create(self.engine(), kind, args.name, value.encode(), pairs.label_map(args.label, "--label"),
                              getattr(args, "driver", None), args.template_driver)


def _settings(args) -> dict:
    """The swarm settings a line gives (`swarm init|update|ca`), durations in nanoseconds."""
    from ...opts.run_values import to_nanoseconds

    out = {k: getattr(args, k, None) for k in ("task_history_limit", "snapshot_interval", "max_snapshots")}
    if getattr(args, "dispatcher_heartbeat", None):
        out["dispatcher_heartbeat"] = to_nanoseconds(args.dispatcher_heartbeat, "--dispatcher-heartbeat")
    if args.cert_expiry:
        out["cert_expiry"] = to_nanoseconds(args.cert_expiry, "--cert-expiry")
    return out


def _pem_files(args) -> tuple:
    """`--ca-cert` / `--ca-key`: the files' PEM text (None where not given)."""
    from ...swarm.root_ca import pem_file

    return tuple(pem_file(path, flag) if path else None
                 for path, flag in ((args.ca_cert, "--ca-cert"), (args.ca_key, "--ca-key")))


def _refuse_key_on_line(shell, line: str) -> None:
    """`%docker swarm unlock SWMKEY-...`: a key on the line would be saved with the notebook; it
    is taken out of IPython's history and refused (the CLI takes no argument there either)."""
    from ..args import split

    words = split(line, strict=False)
    if not words or words[0] != "unlock" or len(words) == 1 or words[1:] == ["--help"]:
        return
    from ..registry import forget_secret

    for word in words[1:]:
        forget_secret(shell, "", "", word)
    raise InvalidInput("swarm unlock takes no arguments, and a key on the line would be saved with the notebook "
                       "(it was taken out of IPython's history, nothing was sent): run %docker swarm unlock for a "
                       "hidden prompt, %docker swarm unlock < FILE, or a %%docker_swarm unlock cell holding the key")


def _unlock_key() -> str:
    """The key as the CLI reads it: stdin when it is a pipe or a redirection (its first line),
    else a hidden prompt."""
    from ..shell import streams

    given = streams.stdin()
    if given is not None:
        data = given.read()
        text = data.decode(errors="replace") if isinstance(data, bytes) else str(data)
        return text.strip().split("\n", 1)[0].strip()
    return _ask("Enter unlock key: ", "run %docker swarm unlock < FILE, or put the key in a %%docker_swarm unlock cell")


def _check_template(fmt: str) -> None:
    from ...gotemplate import formats

    if fmt and fmt not in ("json", "pretty"):
        formats.parse(fmt)  # a bad template fails before anything is asked


def _inspected(fmt: str, raws: list, default):
    """`inspect --format`'s text, or None without one."""
    from ...gotemplate import formats

    if not fmt:
        return default
    return _formatted(formats.inspect(fmt, raws))


def _ask(prompt: str, instead: str = "use a file, or a %%docker_secret cell") -> str:
    """A hidden prompt (the unlock key, a secret typed for `create NAME -`)."""
    import getpass

    from IPython.core.error import StdinNotImplementedError

    try:
        return getpass.getpass(prompt)
    except (StdinNotImplementedError, EOFError, OSError):
        raise InvalidInput(f"this frontend cannot ask for it (no input box here, e.g. a notebook run headless): "
                           f"{instead}") from None


def _read_value(kind: str, path: str | None) -> bytes:
    from pathlib import Path

    if path is None:
        raise InvalidInput(f"{kind} create needs a file to read the value from, or - to type it; "
                           f"or write it in a %%docker_{kind} NAME cell")
    if path == "-":
        return _ask(f"{kind.capitalize()} value: ").encode()
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{kind} create: cannot read {path}: {exc.strerror or exc}") from None


def _forget(shell, cell: str) -> None:
    """The secret's value out of IPython's history, the `_i` variables and, in a kernel, the cell."""
    from ..registry import forget_secret

    forget_secret(shell, "", "", cell.strip("\n"))


def check(method, rest: str):
    """A line read as the magic reads it, nothing sent (`checks.check` calls it)."""
    return parsers.parse(method.__name__.removeprefix("docker_"), rest)


for _name in ("swarm", "node", "secret", "config"):
    _method = getattr(SwarmMagics, f"docker_{_name}")
    _method.__doc__ += parsers.usages(_name)
    _method.check = check
del _name, _method
