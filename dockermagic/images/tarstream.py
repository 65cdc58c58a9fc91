"""Tar archives read as they arrive: headers parsed, file data skipped, nothing kept.

`docker save`'s stream is a tar of tars (each layer is a member holding its own tar), and a
layer can be hundreds of megabytes.  `tarfile` in stream mode reads member data through 10 kB
blocks and keeps a copy per block; here data the caller does not want is dropped a whole
network chunk at a time, so walking a 300 MB layer costs little more than receiving it, and
memory stays at one chunk whatever the size.  A member's data can itself be walked as a tar
(`walk(stream, member.size)`) without being held.

Names stay bytes: an image's file names need not be UTF-8.  Understood: ustar (with its name
prefix), GNU long names and links (`L`, `K`), GNU base-256 sizes, and pax `path`,
`linkpath` and `size` records.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

BLOCK = 512


class Truncated(Exception):
    """The stream ended inside a header or a member."""


class Stream:
    """Bytes from an iterator of chunks, read or skipped by count; `pos` is how many were taken."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""
        self._at = 0
        self.pos = 0

    def _more(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buf = self._buf[self._at:] + bytes(chunk) if self._at < len(self._buf) else bytes(chunk)
                self._at = 0
                return True
        return False

    def peek(self, n: int) -> bytes:
        while len(self._buf) - self._at < n and self._more():
            pass
        return self._buf[self._at:self._at + n]

    def read(self, n: int) -> bytes:
        data = self.peek(n)
        if len(data) < n:
            raise Truncated(f"stream ended {n - len(data)} bytes early")
        self._at += n
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        left = len(self._buf) - self._at
        while n > left:  # whole chunks are dropped unseen
            n -= left
            self.pos += left
            self._buf, self._at = b"", 0
            if not self._more():
                raise Truncated(f"stream ended {n} bytes early")
            left = len(self._buf)
        self._at += n
        self.pos += n

    def chunks(self, n: int, size: int = 1 << 20):
        """The next `n` bytes as chunks (for a compressed member read through a decompressor)."""
        while n > 0:
            data = self.peek(min(n, size)) or self.peek(1)
            if not data:
                raise Truncated(f"stream ended {n} bytes early")
            data = data[:n]
            self._at += len(data)
            self.pos += len(data)
            n -= len(data)
            yield data


@dataclass
class Member:
    name: bytes
    type: bytes  # b"0" file, b"5" dir, b"2" symlink, b"1" hard link, ...
    size: int
    link: bytes = b""
    mode: int = 0
    mtime: int = 0
    offset: int = 0  # where its data starts in the stream

    @property
    def is_file(self) -> bool:
        return self.type in (b"0", b"\0", b"7")


def _number(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256, for sizes past 8 GB
        value = int.from_bytes(field, "big") & ~(0x80 << (8 * (len(field) - 1)))
        return value
    field = field.split(b"\0", 1)[0].strip()
    return int(field, 8) if field else 0


def _pax(data: bytes) -> dict:
    records, at = {}, 0
    while at < len(data):
        space = data.index(b" ", at)
        length = int(data[at:space])
        key, _, value = data[space + 1:at + length - 1].partition(b"=")
        records[key] = value
        at += length
    return records


def walk(stream: Stream, limit: int | None = None):
    """The members of the tar at the stream's position, ending at its end-of-archive blocks or
    after `limit` bytes (the rest of which is skipped).  What the caller leaves of a member's
    data is skipped when it asks for the next."""
    start = stream.pos
    end = None if limit is None else start + limit
    long_name = long_link = None
    pax: dict = {}
    while end is None or stream.pos + BLOCK <= end:
        if end is None and len(stream.peek(BLOCK)) < BLOCK:
            break  # an outer stream that stops without end blocks
        header = stream.read(BLOCK)
        if header.count(0) == BLOCK:
            break
        kind = header[156:157]
        size = _number(header[124:136])
        data_at = stream.pos
        padded = -(-size // BLOCK) * BLOCK
        if kind in (b"L", b"K", b"x", b"g"):
            data = stream.read(size)
            stream.skip(padded - size)
            if kind == b"L":
                long_name = data.rstrip(b"\0")
            elif kind == b"K":
                long_link = data.rstrip(b"\0")
            elif kind == b"x":
                pax = _pax(data)
            continue
        name = header[0:100].split(b"\0", 1)[0]
        if header[257:263] == b"ustar\0" and header[345] != 0:
            name = header[345:500].split(b"\0", 1)[0] + b"/" + name
        link = header[157:257].split(b"\0", 1)[0]
        if b"size" in pax:
            size = int(pax[b"size"])
            padded = -(-size // BLOCK) * BLOCK
        name = pax.get(b"path", long_name or name)
        link = pax.get(b"linkpath", long_link or link)
        long_name = long_link = None
        pax = {}
        yield Member(name, kind, size, link, _number(header[100:108]), _number(header[136:148]), data_at)
        taken = stream.pos - data_at
        if taken < padded:
            stream.skip(padded - taken)
    if end is not None and stream.pos < end:
        stream.skip(end - stream.pos)


def member_stream(stream: Stream, member: Member) -> Stream | None:
    """A member's data as a stream of its own when it is compressed (gzip), else None (read it
    in place).  Newer engines may save compressed layer blobs."""
    if stream.peek(2) != b"\x1f\x8b":
        return None
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def chunks():
        for chunk in stream.chunks(member.size):
            out = inflate.decompress(chunk)
            if out:
                yield out
        yield inflate.flush()

    return Stream(chunks())


def is_tar(head: bytes) -> bool:
    """Whether these first 512 bytes are a tar header (ustar or GNU magic, or a valid checksum)."""
    if len(head) < BLOCK:
        return False
    if head[257:262] == b"ustar":
        return True
    try:
        stored = _number(head[148:156])
    except ValueError:
        return False
    return stored == sum(head[:148]) + 8 * 32 + sum(head[156:])
