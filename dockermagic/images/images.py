"""Listing images and reading layer histories, and comparing histories: which layers two
images share (same ids, bottom up) and which are their own; naming and removing local
images (tag, rmi)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..engine import adapter
from ..errors import EngineError, InvalidInput
from ..gotemplate.formats import Listing
from ..opts import reference
from ..text import units
from . import platforms


@dataclass
class ImageRow:
    repository: str
    tag: str
    id: str
    created: object
    size: int

    @property
    def short_id(self) -> str:
        return units.short_id(self.id)


@dataclass(repr=False)
class ImageList(Listing):
    rows: list[ImageRow]
    engine: str = ""  # the engine's label, for the saved notebook's reader

    @staticmethod
    def _name(row) -> str:
        return f"{row.repository}:{row.tag}"

    def __repr__(self) -> str:
        return f"<ImageList {len(self.rows)} image{'s' if len(self.rows) != 1 else ''}: {', '.join(self.names)}>"


def image_records(engine, name: str | None = None, all: bool = False, filters: dict | None = None) -> list[dict]:
    """The engine's image list entries (`-f reference=... dangling=true label=... before= since=`)."""
    import docker

    try:
        return engine.api.images(name=name or None, all=all, filters=filters or None)
    except docker.errors.APIError as exc:
        raise EngineError(str(adapter.error(exc, "docker images"))) from exc


def list_images(engine, name: str | None = None, all: bool = False, filters: dict | None = None) -> ImageList:
    """`docker images [REPOSITORY[:TAG]] [-a] [-f FILTER]`: one row per tag, newest first."""
    rows = []
    for image in image_records(engine, name, all, filters):
        tags = [t for t in (image.get("RepoTags") or []) if t != "<none>:<none>"] or ["<none>:<none>"]
        for repo_tag in tags:
            repo, _, tag = repo_tag.rpartition(":")
            rows.append(ImageRow(repo, tag, image["Id"], image.get("Created"), image.get("Size", 0)))
    rows.sort(key=lambda r: (-(units.to_epoch(r.created) or 0), r.repository, r.tag))
    return ImageList(rows, engine.label)


def listing_text(engine, name, all, filters, fmt: str = "", digests: bool = False, no_trunc: bool = False,
                 quiet: bool = False):
    """`docker images` as the CLI prints it with `--format`, `--digests` or `--no-trunc`."""
    from ..gotemplate import fields, formats

    formats.check_listing(fmt)
    rows = fields.image_rows(image_records(engine, name, all, filters), trunc=not no_trunc)
    table = fields.IMAGES_DIGESTS_TABLE if digests else fields.IMAGES_TABLE
    if quiet and not fmt:
        return formats.Formatted("".join(dict.fromkeys(r.ID + "\n" for r in rows)))
    return formats.Formatted(formats.listing(fmt or table, rows, fields.IMAGES_HEADER, table, quiet))


@dataclass
class Layer:
    id: str  # "<missing>" where the engine keeps no image for the layer
    created: object
    created_by: str
    size: int
    comment: str = ""
    tags: list[str] = field(default_factory=list)
    shared: bool = False

    @property
    def short_id(self) -> str:
        return self.id if self.id == "<missing>" else units.short_id(self.id)

    def key(self) -> tuple:
        """What makes two layers the same: how they were made.  Not the id: BuildKit keeps no image
        per step, so a base image's top layer has the base's id in its own history and `<missing>`
        in the history of an image built on it."""
        return ("made", self.created_by, units.to_epoch(self.created), self.size)


@dataclass(repr=False)
class History:
    """Layer histories, newest layer first as `docker history` prints them."""

    images: list[str]
    layers: list[list[Layer]]
    no_trunc: bool = False
    note: str = ""  # what this engine reports differently (Podman), shown under the table
    engine: str = ""  # the engine's label, for the saved notebook's reader

    @property
    def shared_count(self) -> int:
        return sum(1 for layer in self.layers[0] if layer.shared) if len(self.layers) > 1 else 0

    def sizes(self) -> list[int]:
        return [sum(layer.size for layer in layers) for layers in self.layers]

    def __repr__(self) -> str:
        layers = "/".join(str(len(layers)) for layers in self.layers)
        shared = f" shared={self.shared_count}" if len(self.images) > 1 else ""
        return f"<History {', '.join(self.images)} layers={layers}{shared}>"


PODMAN_HISTORY_NOTE = (
    "Podman reports history its own way: a row's IMAGE is an image that has that layer on top, not "
    "necessarily this one, and SIZE is the layer's archive size (file headers included), so small "
    "layers look bigger than Docker Engine shows them."
)


def _history_records(engine, name: str, platform: platforms.Platform | None) -> list[dict]:
    if platform is None:
        return engine.api.history(name)
    return adapter.call(engine.api, "GET", "/images/{0}/history", name,
                        params={"platform": json.dumps(platform.engine_json())})


def _history_platform(engine, spec: str | None):
    """`history --platform`: checked, and refused on an engine older than API 1.48 (as the CLI)."""
    if spec is None:
        return None
    chosen = platforms.parse(spec)
    platforms.require_api(engine, "1.48", "--platform")
    return chosen


def history(engine, images: list[str], no_trunc: bool = False, platform: str | None = None) -> History:
    if not images:
        raise InvalidInput("name at least one image, e.g. %docker_history busybox")
    import docker

    chosen = _history_platform(engine, platform)
    all_layers = []
    for name in images:
        try:
            raw = _history_records(engine, name, chosen)
        except docker.errors.NotFound:
            raise InvalidInput(f"no such image: {name} (see %docker_images)") from None
        all_layers.append([
            Layer(h.get("Id") or "<missing>", h.get("Created"), h.get("CreatedBy") or "", h.get("Size") or 0,
                  h.get("Comment") or "", list(h.get("Tags") or []))
            for h in raw
        ])
    mark_shared(all_layers)
    return History(list(images), all_layers, no_trunc, PODMAN_HISTORY_NOTE if engine.kind == "Podman" else "",
                   engine.label)


def history_text(engine, images: list[str], fmt: str, no_trunc: bool = False, quiet: bool = False,
                 platform: str | None = None):
    """`docker history --format F` / `-q`: the CLI's text, image after image."""
    import docker

    from ..gotemplate import fields, formats

    formats.check_listing(fmt)
    chosen = _history_platform(engine, platform)
    out = []
    for image in images:
        try:
            rows = [fields.HistoryRow(r, not no_trunc) for r in _history_records(engine, image, chosen)]
        except docker.errors.NotFound as exc:
            raise EngineError(f"no such image: {image!r}") from exc
        out.append(formats.listing(fmt or fields.HISTORY_TABLE, rows, fields.HISTORY_HEADER, fields.HISTORY_TABLE, quiet))
    return formats.Formatted("".join(out))


def mark_shared(all_layers: list[list[Layer]]) -> int:
    """Mark the layers every image has in common, counted from the base up; returns how many."""
    if len(all_layers) < 2:
        return 0
    bottoms = [list(reversed(layers)) for layers in all_layers]
    shared = 0
    for rows in zip(*bottoms):
        if len({layer.key() for layer in rows}) != 1:
            break
        shared += 1
    for bottom in bottoms:
        for layer in bottom[:shared]:
            layer.shared = True
    return shared


# -- local names ---------------------------------------------------------------------------
@dataclass
class Tagged:
    """What `%docker_tag` returns."""

    source: str
    target: str
    id: str

    def __repr__(self) -> str:
        return f"tagged {self.source} ({units.short_id(self.id)}) as {self.target}"


def check_names(names, what: str = "image") -> None:
    """Each name (or id) checked with the engine's reference grammar.  The magics call this before
    they connect, so a typo is its own one-line error whether an engine answers or not."""
    for name in names:
        reference.parse(name, what)


def tag_names(source: str, target: str) -> reference.Reference:
    """`docker tag`'s two names checked (a target holds no digest); the target's reference."""
    reference.parse(source, "source image")
    ref = reference.parse(target, "target name")
    if ref.digest:
        raise InvalidInput(f"target name {target!r}: a tag cannot hold a digest; use NAME[:TAG]")
    return ref


def tag(engine, source: str, target: str) -> Tagged:
    """`docker tag SOURCE TARGET`: both names checked before anything is sent."""
    import docker

    ref = tag_names(source, target)
    try:
        image_id = engine.api.inspect_image(source)["Id"]
        engine.api.tag(image_id, ref.repository, ref.tag or "latest", force=True)
    except docker.errors.NotFound:
        raise EngineError(f"no image {source} on this engine: check `%docker_images`, or pull it first") from None
    except docker.errors.APIError as exc:
        raise EngineError(f"tag {source} {target}: {adapter.explanation(exc)}") from None
    return Tagged(source, str(ref) if ref.tag else f"{ref}:latest", image_id)


@dataclass
class Removed:
    """What `%docker_rmi` returns: the CLI's `Untagged:` / `Deleted:` lines."""

    untagged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "\n".join(self.lines) or "nothing removed"


def remove(engine, images: list[str], force: bool = False, platform_specs=(), no_prune: bool = False) -> Removed:
    """`docker rmi [-f] [--platform P]... IMAGE...`: each removed in turn; the first refusal raises
    after the rest.  `--platform` removes only that platform's content (API 1.50 and later: an
    older engine is refused before anything is sent, as the CLI refuses).  Every name is checked
    first: a typo among several names removes none of them."""
    import docker

    check_names(images)
    chosen = [platforms.parse(spec) for spec in platform_specs]
    if chosen:
        platforms.require_api(engine, "1.50", "--platform")
    removed, failures = Removed(), []
    for image in images:
        try:
            if chosen:
                params = {"force": force, "noprune": no_prune,
                          "platforms": [json.dumps(p.engine_json()) for p in chosen]}
                records = adapter.call(engine.api, "DELETE", "/images/{0}", image, params=params) or []
            else:
                records = engine.api.remove_image(image, force=force, noprune=no_prune) or []
        except docker.errors.NotFound:
            failures.append(f"no such image: {image}")
            continue
        except docker.errors.APIError as exc:
            failures.append(f"{image}: {adapter.explanation(exc)}")
            continue
        for record in records:
            for key, target in (("Untagged", removed.untagged), ("Deleted", removed.deleted)):
                if key in record:
                    target.append(record[key])
                    removed.lines.append(f"{key}: {record[key]}")
    if failures:
        done = f" (removed: {', '.join(removed.untagged) or 'nothing'})" if len(images) > 1 else ""
        hint = "; -f removes an image other tags or stopped containers still use" if not force else ""
        raise EngineError(f"rmi failed: {'; '.join(failures)}{done}{hint}")
    return removed
