"""A build's outputs, `-o type=local,dest=DIR` and `-o type=tar,dest=FILE`, as the docker CLI
spells them: the engine sends them back through the session's FileSend -- for `local` with
fsutil's DiffCopy packets (we are the receiving side and ask for every file), for `tar` as plain
byte messages.  Owners stay ours, as with the CLI.
"""

from __future__ import annotations

import os
import queue
import stat as st_
import threading
from dataclasses import dataclass

from ...errors import EngineError, InvalidInput
from .filesync import (
    DATA,
    ERR,
    FIN,
    MODE_DEVICE,
    MODE_DIR,
    MODE_PIPE,
    MODE_SETGID,
    MODE_SETUID,
    MODE_SOCKET,
    MODE_STICKY,
    MODE_SYMLINK,
    REQ,
    STAT,
)
from .schema import message, parse
from .services import spec_fields


# -- the spec ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportEntry:
    """`-o type=local,dest=DIR` or `-o type=tar,dest=FILE` (a bare `-o DIR` is local); named as
    BuildKit's client names an export."""

    type: str
    dest: str

    def engine_spec(self) -> dict:
        """What the engine is told: the type; where it lands is ours to know."""
        return {"Type": self.type, "Attrs": {}}


def parse_output(spec: str) -> ExportEntry:
    if "=" not in spec:
        fields = {"type": "local", "dest": spec}
    else:
        fields = spec_fields(spec, "--output")
    kind = fields.get("type", "")
    if kind not in ("local", "tar"):
        raise InvalidInput(f"--output {spec!r}: type must be local or tar")
    unknown = set(fields) - {"type", "dest"}
    if unknown:
        raise InvalidInput(f"--output {spec!r}: unknown field {sorted(unknown)[0]!r}")
    dest = fields.get("dest", "")
    if not dest or dest == "-":
        raise InvalidInput(f"--output {spec!r}: give dest=DIR (local) or dest=FILE (tar)")
    dest = os.path.abspath(os.path.expanduser(dest))
    if kind == "tar" and os.path.isdir(dest):
        raise InvalidInput(f"--output {spec!r}: {dest} is a folder; name a file for type=tar")
    if kind == "local" and os.path.exists(dest) and not os.path.isdir(dest):
        raise InvalidInput(f"--output {spec!r}: {dest} is a file; name a folder for type=local")
    return ExportEntry(kind, dest)


def unix_perm(mode: int) -> int:
    perm = mode & 0o777
    for unix, go in ((st_.S_ISUID, MODE_SETUID), (st_.S_ISGID, MODE_SETGID), (st_.S_ISVTX, MODE_STICKY)):
        if mode & go:
            perm |= unix
    return perm


# -- receiving ----------------------------------------------------------------------------------
def receive(dest: str, requests):
    """The packets of DiffCopy's receiving side, writing what the engine sends into `dest`:
    every file is asked for; owners stay ours."""
    os.makedirs(dest, exist_ok=True)
    events: queue.Queue = queue.Queue()
    files: dict[int, str] = {}
    modes: list[tuple[str, os.stat_result | None, int, int]] = []

    def read():
        handles: dict[int, object] = {}
        index = 0
        try:
            for raw in requests:
                p = parse("fsutil.types.Packet", raw)
                if p.type == STAT and not p.HasField("stat"):
                    events.put(("stats", None))
                elif p.type == STAT:
                    full = _place(dest, p.stat)
                    if p.stat.mode & (MODE_DIR | MODE_SYMLINK | MODE_DEVICE | MODE_PIPE | MODE_SOCKET) == 0:
                        files[index] = full
                    modes.append((full, None, p.stat.mode, p.stat.modTime))
                    index += 1
                elif p.type == DATA:
                    fh = handles.get(p.ID) or handles.setdefault(p.ID, open(files[p.ID], "wb"))
                    if p.data:
                        fh.write(p.data)
                    else:
                        fh.close()
                        events.put(("file", p.ID))
                elif p.type == ERR:
                    raise EngineError(f"the engine failed to send the build output: {p.data.decode('utf-8', 'replace')}")
                elif p.type == FIN:
                    events.put(("fin", None))
        except Exception as exc:  # noqa: BLE001
            events.put(("error", exc))
        finally:
            for fh in handles.values():
                fh.close()
        events.put(("end", None))

    threading.Thread(target=read, name="dockermagic-filesend", daemon=True).start()
    kind, value = events.get()
    if kind == "error":
        raise value
    if kind != "stats":
        return
    packet = message("fsutil.types.Packet")
    if files:
        yield [packet(type=REQ, ID=ident).SerializeToString() for ident in sorted(files)]
    done = 0
    while done < len(files):
        kind, value = events.get()
        if kind == "error":
            raise value
        if kind == "end":
            raise EngineError("the engine stopped sending the build output before the last file")
        done += kind == "file"
    for full, _, mode, mtime in reversed(modes):  # children before parents: a folder's mtime holds
        if not mode & MODE_SYMLINK:
            os.chmod(full, unix_perm(mode))
            os.utime(full, ns=(mtime, mtime))
    yield packet(type=FIN).SerializeToString()
    while events.get()[0] not in ("end", "error"):
        pass


def _place(dest: str, stat) -> str:
    """Make the folder or symlink a STAT describes (files come with their data); its full path."""
    rel = os.path.normpath(stat.path)
    if rel.startswith("..") or os.path.isabs(rel):
        raise EngineError(f"the engine sent an output path outside the destination: {stat.path!r}")
    full = os.path.join(dest, rel)
    if stat.mode & MODE_DIR:
        os.makedirs(full, exist_ok=True)
    elif stat.mode & MODE_SYMLINK:
        if os.path.lexists(full):
            os.unlink(full)
        os.symlink(stat.linkname, full)
    return full


def receive_bytes(out, requests):
    """A `-o type=tar` output: the engine streams the tar as plain byte messages."""
    for raw in requests:
        out.write(parse("moby.filesync.v1.BytesMessage", raw).data)
    return iter(())


def write_tar(dest: str, requests):
    """The `type=tar` FileSend call: the archive lands whole at `dest` or not at all."""
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    partial = dest + ".partial"
    try:
        with open(partial, "wb") as out:
            receive_bytes(out, requests)
        os.replace(partial, dest)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return
    yield  # a stream that answers nothing
