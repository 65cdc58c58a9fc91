"""What each layer of an image adds, modifies and removes, the space the image wastes, two
images compared file by file, and `docker diff`.

The files come from the image's save stream (`archive.py`); here they are stacked base first
as the storage driver does: a path no lower layer has is *added*, one it has is *modified*, a
whiteout (`.wh.NAME`) *removes* NAME and all below it, an opaque directory (`.wh..wh..opq`)
removes everything the lower layers had under it.

Waste is counted as dive counts it (wagoodman/dive, `filetree.Efficiency`).  Each layer's
leaves (its files, and its folders with nothing below them in that layer) cost their size; a
whiteout of a file costs 0 and one of a folder what the folder held; an opaque marker is no
file, so what it hides costs nothing more.  A path seen in more than one layer wastes what it
cost in all of them: a 1 MiB file written, written again and removed wastes 2 MiB, its two
stored copies.  The efficiency is the sum over all paths of their smallest cost divided by the
sum of all their costs.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from ..errors import EngineError, InvalidInput
from ..text import units
from . import archive
from .images import check_names

CHANGES = ("added", "modified", "removed")


@dataclass
class FileChange:
    path: str  # "/etc/motd"; bytes that are not UTF-8 are shown as \xNN
    change: str  # added, modified, removed
    size: int
    kind: str = "file"  # file, dir, symlink, hardlink, other
    link: str = ""  # a symlink's or a hard link's target

    def __repr__(self) -> str:
        target = f" -> {self.link}" if self.link else ""
        return f"{self.change} {self.path}{target} ({units.size(self.size)})"


@dataclass
class LayerFiles:
    index: int  # 0 is the base
    digest: str  # the layer's diff id
    created_by: str  # the instruction that made it
    files: list[FileChange] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files if f.change != "removed")

    def count(self, change: str) -> int:
        return sum(1 for f in self.files if f.change == change and f.kind != "dir")

    def __repr__(self) -> str:
        counts = ", ".join(f"{self.count(c)} {c}" for c in CHANGES)
        return f"<layer {self.index} {units.short_id(self.digest)} {units.size(self.size)}: {counts}>"


@dataclass
class Waste:
    path: str
    layers: int  # in how many layers the path appears
    size: int  # what it costs across them


@dataclass
class ImageLayers:
    """What `%docker_layers IMAGE` returns: the layers base first, each with its files."""

    image: str
    id: str
    layers: list[LayerFiles]
    wasted_bytes: int = 0
    efficiency: float = 1.0
    waste: list[Waste] = field(default_factory=list)  # largest first
    engine: str = ""

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    def files(self, pattern: str | None = None) -> list[FileChange]:
        """Every change of every layer, base first; `pattern` a glob on paths (`*.so`, `/etc/*`)."""
        return [f for layer in self.layers for f in layer.files if matches(f.path, pattern)]

    def largest(self, n: int = 10) -> list[tuple[int, FileChange]]:
        """The `n` largest files added or modified, with the index of their layer."""
        found = [(layer.index, f) for layer in self.layers for f in layer.files if f.change != "removed"]
        return sorted(found, key=lambda pair: -pair[1].size)[:n]

    def __repr__(self) -> str:
        return (f"<{self.image}: {len(self.layers)} layers, {units.size(self.size)}, wasted "
                f"{units.size(self.wasted_bytes)}, efficiency {self.efficiency:.1%}>")


@dataclass
class LayerComparison:
    """What `%docker_layers IMAGE1 IMAGE2` returns: the layers both have (from the base up), and
    every file whose final state differs, as a change from the first image to the second."""

    first: ImageLayers
    second: ImageLayers
    shared: list[LayerFiles]
    differences: list[FileChange]
    engine: str = ""

    @property
    def images(self) -> list[str]:
        return [self.first.image, self.second.image]

    def __repr__(self) -> str:
        return (f"<{self.first.image} vs {self.second.image}: {len(self.shared)} shared layers, "
                f"{len(self.differences)} files differ>")


def matches(path: str, pattern: str | None) -> bool:
    if not pattern:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/") + "/*")
    if pattern.startswith("/"):  # a folder or a file: itself and what is below it
        folder = pattern.rstrip("/")
        return path == folder or path.startswith(folder + "/")
    return pattern in path


# -- stacking ---------------------------------------------------------------------------------
def _below(stack: dict, path: str) -> list[str]:
    prefix = path + "/"
    return [p for p in stack if p.startswith(prefix)]


def stack_layers(listings: list[list[archive.Entry]]) -> tuple[list[list[FileChange]], dict, list[dict]]:
    """Each layer's changes against the layers below it, the final tree (path -> Entry), and each
    layer's paths as dive counts them (path -> bytes, what `waste` adds up)."""
    stack: dict[str, archive.Entry] = {}
    changes, counted = [], []
    for entries in listings:
        files: list[FileChange] = []
        costs: dict[str, int] = {}
        replaced = set()
        present = {e.path for e in entries if e.kind not in ("whiteout", "opaque")}
        for e in entries:
            if e.kind == "opaque":  # dive drops the marker: what it hides is not counted again
                for p in _below(stack, e.path):
                    old = stack.pop(p)
                    if p in present:
                        replaced.add(p)
                    else:
                        files.append(FileChange("/" + p, "removed", old.size, old.kind, old.link))
        parents = _parents(e.path for e in entries if e.kind != "opaque")
        for e in entries:
            if e.kind == "whiteout":
                old = stack.pop(e.path, None)
                gone = _below(stack, e.path)
                held = sum(stack.pop(p).size for p in gone)
                folder = bool(gone) or (old is not None and old.kind == "dir")
                files.append(FileChange("/" + e.path, "removed", (old.size if old else 0) + held,
                                        "dir" if folder else (old.kind if old else "file"), old.link if old else ""))
                costs["/" + e.path] = held if folder else 0
            elif e.kind != "opaque" and e.path:
                files.append(FileChange("/" + e.path, "modified" if e.path in stack or e.path in replaced else "added",
                                        e.size, e.kind, e.link))
                stack[e.path] = e
                if e.kind != "dir" or e.path not in parents:  # dive visits a layer's leaves only
                    costs["/" + e.path] = e.size
        changes.append(files)
        counted.append(costs)
    return changes, stack, counted


def _parents(paths) -> set[str]:
    """Every folder above one of `paths`: a folder of a layer that is not among them is a leaf."""
    found = set()
    for path in paths:
        parts = path.split("/")
        found.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return found


def waste(counted: list[dict]) -> tuple[int, float, list[Waste]]:
    """dive's count (`filetree.Efficiency`): (wasted bytes, efficiency, the wasteful paths largest
    first).  A path seen in more than one layer wastes what it cost in all of them; the efficiency
    is the sum over all paths of their smallest cost divided by the sum of all their costs."""
    seen: dict[str, list[int]] = {}
    for costs in counted:
        for path, size in costs.items():
            seen.setdefault(path, []).append(size)
    total = sum(sum(sizes) for sizes in seen.values())
    least = sum(min(sizes) for sizes in seen.values())
    # dive also lists the paths that cost nothing (an empty folder in two layers): they waste no byte
    wasteful = [Waste(p, len(s), sum(s)) for p, s in seen.items() if len(s) > 1 and sum(s)]
    wasteful.sort(key=lambda w: (-w.size, w.path))
    return sum(w.size for w in wasteful), (least / total if total else 1.0), wasteful


def instructions(config: dict, count: int) -> list[str]:
    """The instruction that made each layer: the config's history without its empty layers."""
    made = [h.get("created_by", "") for h in config.get("history") or [] if not h.get("empty_layer")]
    made = [instruction(m) for m in made]
    return made + [""] * (count - len(made)) if len(made) <= count else made[-count:]


def instruction(created_by: str) -> str:
    """A history entry as its Dockerfile line: the classic builder writes `/bin/sh -c #(nop) COPY ...`
    and `/bin/sh -c CMD` for a RUN, BuildKit `RUN /bin/sh -c CMD # buildkit` and `COPY ... # buildkit`."""
    text = created_by.strip()
    if text.endswith("# buildkit"):
        text = text[: -len("# buildkit")].rstrip()
    if text.startswith("/bin/sh -c #(nop) "):
        return text[len("/bin/sh -c #(nop) "):].strip()
    if text.startswith("RUN /bin/sh -c "):
        return "RUN " + text[len("RUN /bin/sh -c "):]
    if text.startswith("/bin/sh -c "):
        return "RUN " + text[len("/bin/sh -c "):]
    return text


# -- reading ----------------------------------------------------------------------------------
def _inspect(engine, image: str) -> dict:
    import docker

    try:
        return engine.api.inspect_image(image)
    except docker.errors.NotFound:
        raise InvalidInput(f"no such image: {image} (see %docker_images)") from None


def _build(engine, image: str, inspect: dict):
    """Events while reading; returns the `ImageLayers` and the image's final tree."""
    try:
        config, listings = yield from archive.image_layers(engine.api, image, inspect)
    except (ValueError, archive.tarstream.Truncated) as exc:
        raise EngineError(f"reading the saved image {image}: {exc}") from None
    changes, tree, counted = stack_layers(listings)
    digests = (inspect.get("RootFS") or {}).get("Layers") or []
    made = instructions(config, len(listings))
    layers = [LayerFiles(i, d, m, files) for i, (d, m, files) in enumerate(zip(digests, made, changes))]
    wasted, efficiency, wasteful = waste(counted)
    return ImageLayers(image, inspect.get("Id", ""), layers, wasted, efficiency, wasteful, engine.label), tree


def check_images(images: list[str]) -> None:
    """One image or two, their names checked: the magic calls this before it connects."""
    if not 1 <= len(images) <= 2:
        raise InvalidInput("name one image, or two to compare: %docker_layers IMAGE [IMAGE2]")
    check_names(images)


class LayerReading:
    """`%docker_layers`: `events()` reads one image or two; `.result` is what they became."""

    def __init__(self, engine, images: list[str]):
        check_images(images)
        self.engine = engine
        self.images = images
        self.inspected = [_inspect(engine, name) for name in images]  # before anything is streamed
        self.result: ImageLayers | LayerComparison | None = None

    def events(self):
        built = []
        for name, inspect in zip(self.images, self.inspected):
            built.append((yield from _build(self.engine, name, inspect)))
        if len(built) == 1:
            self.result = built[0][0]
        else:
            self.result = compare(built[0], built[1], self.engine.label)
        yield self.result


def compare(first: tuple, second: tuple, engine: str = "") -> LayerComparison:
    (a, tree_a), (b, tree_b) = first, second
    shared = []
    for la, lb in zip(a.layers, b.layers):
        if la.digest != lb.digest:
            break
        shared.append(la)
    differences = []
    for path in sorted(set(tree_a) | set(tree_b)):
        old, new = tree_a.get(path), tree_b.get(path)
        if old is None:
            differences.append(FileChange("/" + path, "added", new.size, new.kind, new.link))
        elif new is None:
            differences.append(FileChange("/" + path, "removed", old.size, old.kind, old.link))
        elif old != new and not (old.kind == new.kind == "dir"):
            differences.append(FileChange("/" + path, "modified", new.size, new.kind, new.link))
    return LayerComparison(a, b, shared, differences, engine)


# -- docker diff --------------------------------------------------------------------------------
DIFF_KINDS = {0: ("C", "modified"), 1: ("A", "added"), 2: ("D", "removed")}


@dataclass
class ContainerDiff:
    """What `%docker_diff CONTAINER` returns: `docker diff`'s lines."""

    container: str
    changes: list[FileChange]
    engine: str = ""

    def lines(self) -> list[str]:
        letters = {change: letter for letter, change in DIFF_KINDS.values()}
        return [f"{letters[c.change]} {c.path}" for c in self.changes]

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def container_diff(engine, container: str) -> ContainerDiff:
    import docker

    try:
        raw = engine.api.diff(container) or []
    except docker.errors.NotFound:
        raise InvalidInput(f"no such container: {container} (see %docker_ps -a)") from None
    changes = [FileChange(d.get("Path", ""), DIFF_KINDS.get(d.get("Kind"), ("C", "modified"))[1], 0, "")
               for d in sorted(raw, key=lambda d: d.get("Path", ""))]  # the engine's order changes per call
    return ContainerDiff(container, changes, engine.label)
