"""An image's layers as `docker save` streams them (`GET /images/{name}/get`), listed file by
file while the stream arrives: no layer is held in memory or written to disk.

Three layouts come down that stream:
- Docker Engine before 25: `<v1 id>/layer.tar` per layer, the config as `<id>.json`, and
  `manifest.json` -- written in name order, so it comes *last*: every layer is listed under its
  member name and matched to its place only when the manifest says the order;
- the OCI layout of newer engines: `blobs/sha256/<digest>` (layers, configs and manifests
  alike, told apart by their first bytes), `index.json`, and a `manifest.json` as above;
- Podman: `<diff id>.tar` per layer, with `<v1 id>/layer.tar` symlinks to them.

A layer once listed is kept while the kernel runs, by its diff id (the digest of its tar, which the
engine reports before anything is read): an image whose layers are all known is not streamed
again, and a known layer whose member name carries its digest (OCI, Podman) is skipped unread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from . import tarstream

CHUNK = 1 << 20
PROGRESS_EVERY = 16 << 20  # bytes between two progress events
JSON_LIMIT = 4 << 20  # members larger than this are never configs or manifests
_DIGEST = re.compile(rb"(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\.tar)?$")

KINDS = {b"0": "file", b"\0": "file", b"7": "file", b"5": "dir", b"2": "symlink", b"1": "hardlink"}


@dataclass(frozen=True)
class Entry:
    """One member of a layer tar, as the layer holds it (whiteouts not yet applied)."""

    path: str  # without leading ./ or /; not UTF-8 bytes shown as \xNN
    kind: str  # file, dir, symlink, hardlink, whiteout, opaque, other
    size: int
    link: str = ""
    mode: int = 0
    mtime: int = 0


#: diff id -> that layer's entries; image id -> its config (for the kernel's life, content-addressed)
LISTINGS: dict[str, list[Entry]] = {}
CONFIGS: dict[str, dict] = {}


# -- events ------------------------------------------------------------------------------------
@dataclass
class ReadStarted:
    image: str
    layers: int
    known: int  # layers already listed in this kernel


@dataclass
class LayerListed:
    image: str
    member: str
    files: int
    skipped: bool = False  # known already: not listed again


@dataclass
class StreamProgress:
    image: str
    bytes_read: int


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]}


def text(name: bytes) -> str:
    """A name from the image as safe text: bytes that are not UTF-8 and control characters (a
    newline in a file name) as \\xNN, so every rendering shows one line per file."""
    return name.decode("utf-8", "backslashreplace").translate(_CONTROL)


def entry(member: tarstream.Member) -> Entry:
    raw = member.name
    while raw.startswith((b"./", b"/")):
        raw = raw[2:] if raw.startswith(b"./") else raw[1:]
    raw = raw.rstrip(b"/")
    head, _, base = raw.rpartition(b"/")
    link = text(member.link.lstrip(b"/") if member.type == b"1" else member.link)
    kind = KINDS.get(member.type, "other")
    if base == b".wh..wh..opq":
        return Entry(text(head), "opaque", 0)
    if base.startswith(b".wh."):
        return Entry(text(head + b"/" + base[4:] if head else base[4:]), "whiteout", 0)
    return Entry(text(raw), kind, member.size if kind == "file" else 0, link, member.mode, member.mtime)


def listing(stream: tarstream.Stream, size: int | None) -> list[Entry]:
    """The entries of the layer tar at the stream's position (`size` bytes, or to its end)."""
    return [entry(m) for m in tarstream.walk(stream, size) if m.name not in (b".", b"./")]


def digest_of(name: bytes) -> str | None:
    found = _DIGEST.search(name)
    return f"sha256:{found.group(1).decode()}" if found else None


def read(chunks, image: str):
    """One pass over a save stream (an iterator of chunks): {"json": {member: document},
    "layers": {member: entries}, "links": {member: target}}, returned by this generator of
    `LayerListed` / `StreamProgress` events; known layers (by the digest in their names) are
    skipped."""
    found = {"json": {}, "layers": {}, "links": {}}
    stream = tarstream.Stream(chunks)
    next_report = PROGRESS_EVERY
    for member in tarstream.walk(stream):
        name = text(member.name)
        if member.type == b"2":
            found["links"][name] = text(member.link)
            continue
        if not member.is_file or member.size == 0:
            continue
        known = digest_of(member.name)
        if known in LISTINGS:
            found["layers"][name] = LISTINGS[known]
            yield LayerListed(image, name, len(LISTINGS[known]), skipped=True)
            continue
        head = stream.peek(tarstream.BLOCK)
        if head[:1] in (b"{", b"[") and member.size <= JSON_LIMIT:
            try:
                found["json"][name] = json.loads(stream.read(member.size))
            except ValueError:
                pass
            continue
        inner = tarstream.member_stream(stream, member)
        if inner is not None:
            found["layers"][name] = listing(inner, None)
        elif tarstream.is_tar(head):
            found["layers"][name] = listing(stream, member.size)
        else:
            continue
        yield LayerListed(image, name, len(found["layers"][name]))
        if stream.pos >= next_report:
            next_report = stream.pos + PROGRESS_EVERY
            yield StreamProgress(image, stream.pos)
    return found


def resolve(found: dict, diff_ids: list[str]) -> tuple[dict, list[list[Entry]]]:
    """The config and the layers' entries base first, from what the stream held: docker's
    `manifest.json` (both layouts), else the OCI `index.json` and the manifest it names."""
    docs, links = found["json"], found["links"]
    manifest = docs.get("manifest.json")
    if isinstance(manifest, list) and manifest:
        config_name, layer_names = manifest[0].get("Config"), manifest[0].get("Layers") or []
    else:
        index = docs.get("index.json") or {}
        descriptor = (index.get("manifests") or [{}])[0]
        oci = docs.get(_blob(descriptor.get("digest", ""))) or {}
        if "manifests" in oci:  # an index inside the index: take its first manifest
            oci = docs.get(_blob(oci["manifests"][0].get("digest", ""))) or {}
        config_name = _blob((oci.get("config") or {}).get("digest", ""))
        layer_names = [_blob(layer.get("digest", "")) for layer in oci.get("layers") or []]
    layers = []
    for name in layer_names:
        target = name
        for _ in range(8):  # Podman's <v1 id>/layer.tar -> ../<diff id>.tar
            if target in found["layers"] or target not in links:
                break
            target = _join(target, links[target])
        if target not in found["layers"]:
            raise ValueError(f"the saved image names layer {name} but the stream held no such layer")
        layers.append(found["layers"][target])
    if len(layers) != len(diff_ids):
        raise ValueError(f"the saved image has {len(layers)} layers, the engine reports {len(diff_ids)}")
    return docs.get(config_name) or {}, layers


def _blob(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/", 1) if digest else ""


def _join(name: str, target: str) -> str:
    parts = name.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def image_layers(api, image: str, inspect: dict):
    """Events while reading; returns the config and the layer entries (base first) of an
    inspected image, from the cache when every layer is known, else from one pass
    over its save stream."""
    diff_ids = list((inspect.get("RootFS") or {}).get("Layers") or [])
    image_id = inspect.get("Id", "")
    known = sum(1 for d in diff_ids if d in LISTINGS)
    yield ReadStarted(image, len(diff_ids), known)
    if known == len(diff_ids) and image_id in CONFIGS:
        return CONFIGS[image_id], [LISTINGS[d] for d in diff_ids]
    chunks = api.get_image(image, chunk_size=CHUNK)
    try:
        found = yield from read(chunks, image)
    finally:
        chunks.close()  # stopped early (Ctrl-C, a bad archive): the engine sees the connection go
    config, layers = resolve(found, diff_ids)
    for diff_id, entries in zip(diff_ids, layers):
        LISTINGS[diff_id] = entries
    CONFIGS[image_id] = config
    return config, layers
