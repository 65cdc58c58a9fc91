"""fsutil's DiffCopy, the file protocol of a BuildKit session, both ways.

Sending a folder (the build context, the Dockerfile's folder): one STAT packet per entry in
`filepath.Walk` order (depth first, each folder's names byte-sorted, parents before children),
an empty STAT to end; the engine compares them with its snapshot of the last build under the same
shared key and asks (REQ, by the entry's index) only for files whose mode, size or mtime differ;
each asked file goes as DATA chunks and an empty DATA; FIN both ways ends it.  Owners are sent as
0, as the docker CLI sends them; a file's second name goes as a hard link to the first, with no
data, and extended attributes go with each entry, as fsutil's walk sends them.  Include /
exclude patterns are applied here, on our side.

The other way round (a build's `-o type=local`) is `filesend.py`.
"""

from __future__ import annotations

import os
import stat as st_
import threading
from dataclasses import dataclass, field

from ...errors import EngineError
from .schema import message, parse

STAT, REQ, DATA, FIN, ERR = range(5)
CHUNK = 1 << 20  # the 20.10 engine takes gRPC messages up to 4 MiB

# Go's os.FileMode bits, which fsutil puts on the wire instead of st_mode's
MODE_DIR, MODE_SYMLINK, MODE_DEVICE, MODE_PIPE, MODE_SOCKET = 1 << 31, 1 << 27, 1 << 26, 1 << 25, 1 << 24
MODE_SETUID, MODE_SETGID, MODE_CHARDEV, MODE_STICKY = 1 << 23, 1 << 22, 1 << 21, 1 << 20
_KINDS = {st_.S_IFDIR: MODE_DIR, st_.S_IFLNK: MODE_SYMLINK, st_.S_IFBLK: MODE_DEVICE, st_.S_IFCHR: MODE_DEVICE | MODE_CHARDEV,
          st_.S_IFIFO: MODE_PIPE, st_.S_IFSOCK: MODE_SOCKET}


def go_mode(mode: int) -> int:
    bits = (mode & 0o777) | _KINDS.get(st_.S_IFMT(mode), 0)
    for unix, go in ((st_.S_ISUID, MODE_SETUID), (st_.S_ISGID, MODE_SETGID), (st_.S_ISVTX, MODE_STICKY)):
        if mode & unix:
            bits |= go
    return bits


@dataclass
class FolderStats:
    """What one folder's DiffCopy moved: entries and files described, files and bytes sent."""

    name: str
    entries: int = 0
    files: int = 0
    files_sent: int = 0
    bytes_sent: int = 0

    @property
    def already_had(self) -> int:
        """Files the engine kept from its last snapshot: described but not asked for."""
        return self.files - self.files_sent


@dataclass
class SyncStats:
    """Every folder sync of one session, by the engine's name for the folder (`context`, `dockerfile`)."""

    transfers: list[FolderStats] = field(default_factory=list)

    def of(self, name: str) -> FolderStats:
        """The totals for one folder name, over every sync of it (the frontend syncs `context`
        once for .dockerignore and once for the files)."""
        total = FolderStats(name)
        for t in self.transfers:
            if t.name == name:
                total.entries += t.entries
                total.files += t.files
                total.files_sent += t.files_sent
                total.bytes_sent += t.bytes_sent
        return total

    @property
    def files_sent(self) -> int:
        return sum(t.files_sent for t in self.transfers)

    @property
    def bytes_sent(self) -> int:
        return sum(t.bytes_sent for t in self.transfers)


# -- choosing the entries -----------------------------------------------------------------------
class FilterOpt:
    """fsutil's walk filter, named as fsutil names it: include patterns (a folder on the way to
    one is walked into and described only when something below it is), exclude patterns with `!` exceptions (the
    .dockerignore grammar), follow paths (included, symlinks to them followed)."""

    def __init__(self, includes=(), excludes=(), follow=(), root: str | None = None):
        from ...build.dockerignore import Matcher

        self.includes = [p.strip("/") for p in list(includes) + list(follow) + _targets(root, follow) if p.strip("/")]
        self.excludes = Matcher(list(excludes)) if excludes else None  # the CLI's rules, as the tar context reads them
        self.exceptions = self.excludes.exclusions if self.excludes else False

    def included(self, path: str) -> bool:
        from docker.utils.fnmatch import fnmatch

        if not self.includes:
            return True
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        return any(fnmatch(prefix, pattern) for pattern in self.includes for prefix in prefixes)

    def leads_to_include(self, path: str) -> bool:
        """Whether an include pattern could match something below folder `path`."""
        from docker.utils.fnmatch import fnmatch

        depth = path.count("/") + 1
        for pattern in self.includes:
            pieces = pattern.split("/")
            if "**" in pattern or (len(pieces) > depth and fnmatch(path, "/".join(pieces[:depth]))):
                return True
        return False

    def excluded(self, path: str) -> bool:
        return bool(self.excludes) and self.excludes.excluded(path)

    def enters(self, folder: str) -> bool:
        """Whether an excluded folder is still walked: as the CLI's own walk, only where a `!`
        pattern starts with the folder's path (`!dir/keep.txt` enters dir, `!**/keep.txt` does not)."""
        return self.exceptions and self.excludes.must_enter(folder)


def _targets(root: str | None, follow) -> list[str]:
    """Where followed symlinks lead, inside `root` (a Dockerfile that is a link travels with
    the file it points to, as fsutil's FollowPaths sends it)."""
    found = []
    for path in follow if root else ():
        full = os.path.join(root, path.strip("/"))
        if os.path.islink(full):
            target = os.path.relpath(os.path.realpath(full), os.path.realpath(root))
            if not target.startswith(".."):
                found.append(target)
    return found


def walk(root: str, selection: FilterOpt):
    """(relative path, full path, lstat) of every entry to describe, in `filepath.Walk` order."""
    pending: list[tuple[str, str, os.stat_result]] = []  # folders described only if something below is
    plain = not selection.includes and not selection.excludes

    def visit(folder: str, prefix: str, inside_include: bool):
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            raise EngineError(f"cannot read {folder} for the build: {exc.strerror}") from None
        for entry in entries:
            path = prefix + entry.name
            info = entry.stat(follow_symlinks=False)
            is_dir = st_.S_ISDIR(info.st_mode)
            if plain:
                yield path, entry.path, info
                if is_dir:
                    yield from visit(entry.path, path + "/", True)
                continue
            inc = inside_include or selection.included(path)
            if selection.excluded(path):
                if is_dir and selection.enters(path):  # described even when nothing below comes back, as fsutil does
                    yield from pending
                    pending.clear()
                    yield path, entry.path, info
                    yield from visit(entry.path, path + "/", inc)
                continue
            if not inc:
                if is_dir and selection.leads_to_include(path):
                    yield from _maybe(pending, (path, entry.path, info), visit(entry.path, path + "/", False))
                continue
            yield from pending
            pending.clear()
            yield path, entry.path, info
            if is_dir:
                yield from visit(entry.path, path + "/", True)

    yield from visit(root, "", False)


class Scan:
    """The whole folder described ahead of time, on a thread of its own, while the engine is
    still reading the Dockerfile: a sync without include patterns then only filters this list."""

    def __init__(self, root: str):
        self.root, self.entries, self.error = root, [], None
        self.done = threading.Event()
        threading.Thread(target=self._run, name="dockermagic-scan", daemon=True).start()

    def _run(self) -> None:
        try:
            self.entries = [(path, full, info, stat_packet(path, info, full))
                            for path, full, info in walk(self.root, FilterOpt())]
        except Exception as exc:  # noqa: BLE001 -- raised where the entries are wanted
            self.error = exc
        self.done.set()

    def select(self, selection: FilterOpt):
        """The entries left after the exclude patterns (no include patterns here)."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        if not selection.excludes:
            yield from self.entries
            return
        skip = None  # an excluded folder no `!` pattern enters: nothing below it is described
        for entry in self.entries:
            path = entry[0]
            if skip is not None and path.startswith(skip):
                continue
            skip = None
            if selection.excluded(path):
                if not st_.S_ISDIR(entry[2].st_mode):
                    continue
                if not selection.enters(path):
                    skip = path + "/"
                    continue
            yield entry


def _maybe(pending: list, folder, below):
    """Walk into a folder that is described only if something below it is."""
    pending.append(folder)
    yield from below
    if pending and pending[-1] is folder:
        pending.pop()


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def stat_packet(path: str, info: os.stat_result, full: str, link: str | None = None) -> bytes:
    """A serialized STAT packet: `link` names the path already described that a regular file is
    a hard link of (sent with no data, as fsutil sends it).  Only the Stat goes through protobuf:
    wrapping it by hand (field 2, length-delimited; type STAT is 0, which proto3 leaves out)
    halves the cost of describing 10,000 entries."""
    stat = message("fsutil.types.Stat")(path=path, mode=go_mode(info.st_mode), modTime=info.st_mtime_ns)
    if link is not None:
        stat.linkname = link
    elif st_.S_ISREG(info.st_mode):
        stat.size = info.st_size
    elif st_.S_ISLNK(info.st_mode):
        stat.linkname = os.readlink(full)
    elif st_.S_ISBLK(info.st_mode) or st_.S_ISCHR(info.st_mode):
        stat.devmajor, stat.devminor = os.major(info.st_rdev), os.minor(info.st_rdev)
    body = stat.SerializeToString() + _xattrs(full)
    return b"\x12" + _varint(len(body)) + body


def _xattrs(full: str) -> bytes:
    """Stat's `map<string, bytes> xattrs = 10`, encoded by hand (each entry a length-delimited
    key 1 / value 2 message): the receiver sets them on the file, as the CLI's walk sends them."""
    try:
        names = os.listxattr(full, follow_symlinks=False)
    except OSError:
        return b""
    out = bytearray()
    for name in sorted(names):
        try:
            value = os.getxattr(full, name, follow_symlinks=False)
        except OSError:
            continue
        key = name.encode("utf-8", "surrogateescape")
        entry = b"\x0a" + _varint(len(key)) + key + b"\x12" + _varint(len(value)) + value
        out += b"\x52" + _varint(len(entry)) + entry
    return bytes(out)


# -- sending ------------------------------------------------------------------------------------
def send(root: str, selection: FilterOpt, requests, transfer: FolderStats, scan: Scan | None = None, batch: int = 256):
    """The packets (serialized; lists of them where many go at once) of DiffCopy's sending side;
    `requests` are the engine's packets (`grpccall.Requests`).

    The engine asks for files while we still describe others: its requests are answered
    between batches of descriptions, so neither side waits for the other's window to drain."""
    if scan is not None and not selection.includes:
        entries = scan.select(selection)
    else:
        entries = ((path, full, info, stat_packet(path, info, full)) for path, full, info in walk(root, selection))
    files: list[str | None] = []
    pending: list[bytes] = []
    linked: dict[tuple[int, int], str] = {}  # (device, inode) of a file with more names -> the name sent first
    for path, full, info, packet in entries:
        regular = st_.S_ISREG(info.st_mode)
        if regular and info.st_nlink > 1:
            first = linked.setdefault((info.st_dev, info.st_ino), path)
            if first != path:
                packet, regular = stat_packet(path, info, full, link=first), False
        files.append(full if regular else None)
        transfer.entries += 1
        transfer.files += regular
        pending.append(packet)
        if len(pending) >= batch:
            yield pending
            pending = []
            try:
                while (raw := requests.poll()) is not None:
                    packet = parse("fsutil.types.Packet", raw)
                    yield from _answer(packet, files, transfer)
                    if packet.type == FIN:
                        return
            except StopIteration:
                return  # the engine ended the call (a cancelled build)
    pending.append(b"")  # an empty STAT: no more entries
    yield pending
    for raw in requests:
        packet = parse("fsutil.types.Packet", raw)
        yield from _answer(packet, files, transfer)
        if packet.type == FIN:
            return  # after FIN the engine reads until our side of the stream ends


def _answer(packet, files, transfer: FolderStats):
    """The packets answering one of the engine's."""
    if packet.type == REQ:
        return _file_data(packet.ID, files[packet.ID] if packet.ID < len(files) else None, transfer)
    if packet.type == FIN:
        return [[b"\x08\x03"]]  # FIN
    if packet.type == ERR:
        raise EngineError(f"the engine failed to receive the build context: {packet.data.decode('utf-8', 'replace')}")
    return []


def _data(ident: int, data: bytes) -> bytes:
    """A DATA packet, by hand (type 2, ID, data): no second copy of the bytes through protobuf."""
    head = b"\x08\x02" + (b"\x18" + _varint(ident) if ident else b"")
    return head + (b"\x22" + _varint(len(data)) + data if data else b"")


def _file_data(ident: int, full: str | None, transfer: FolderStats):
    if full is None:
        raise EngineError(f"the engine asked for entry {ident}, which is not a file it was told of")
    transfer.files_sent += 1
    with open(full, "rb") as fh:
        data = fh.read(CHUNK)
        if len(data) < CHUNK:  # the usual small file: data and end in one go
            transfer.bytes_sent += len(data)
            yield [_data(ident, data), _data(ident, b"")] if data else [_data(ident, b"")]
            return
        while data:
            transfer.bytes_sent += len(data)
            yield _data(ident, data)
            data = fh.read(CHUNK)
    yield _data(ident, b"")
