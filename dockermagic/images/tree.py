"""`docker images --tree`: each image with the platforms its index holds, as the CLI lists them.

The engine gives the per-platform manifests (`manifests=1`) from API 1.47 on; an older engine
is refused before anything is sent, in the CLI's words.
"""

from __future__ import annotations

from ..engine import adapter
from ..errors import InvalidInput
from ..gotemplate.formats import Formatted
from ..text import units
from . import platforms

#: what the CLI does not combine with --tree yet, in its words
_NOT_WITH_TREE = (("quiet", "--quiet"), ("no_trunc", "--no-trunc"), ("digests", "--show-digest"), ("format", "--format"))


def check(**given) -> None:
    for key, flag in _NOT_WITH_TREE:
        if given.get(key):
            raise InvalidInput(f"{flag} is not yet supported with --tree")


def tree_text(engine, name: str | None = None, all: bool = False, filters: dict | None = None,
              **other_flags) -> Formatted:
    """The tree, or the CLI's refusal: the engine's API version first, then the flags --tree
    does not take (`quiet=`, `no_trunc=`, `digests=`, `format=`)."""
    platforms.require_api(engine, "1.47", "--tree")
    check(**other_flags)
    params = {"all": "1" if all else "0", "manifests": "1"}
    if name:
        filters = dict(filters or {}, reference=name)
    if filters:
        import json

        params["filters"] = json.dumps({key: [value] if isinstance(value, str) else list(value)
                                        for key, value in filters.items()})
    records = adapter.call(engine.api, "GET", "/images/json", params=params) or []
    lines = [f"{'IMAGE':<40} {'ID':<14} {'DISK USAGE':>10} {'CONTENT SIZE':>12}"]
    for image in sorted(records, key=lambda r: -(r.get("Created") or 0)):
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"] or ["<untagged>"]
        for tag in tags:
            lines.append(f"{tag:<40} {units.short_id(image.get('Id')):<14} {units.size(image.get('Size')):>10} "
                         f"{'':>12}")
        manifests = [m for m in image.get("Manifests") or [] if m.get("Kind", "image") == "image"]
        for i, manifest in enumerate(manifests):
            branch = "└─" if i == len(manifests) - 1 else "├─"
            data = manifest.get("ImageData") or {}
            where = data.get("Platform") or (manifest.get("Descriptor") or {}).get("platform") or {}
            label = str(platforms.Platform(where.get("os", ""), where.get("architecture", ""), where.get("variant", "")))
            size = manifest.get("Size") or {}
            used = units.size(size.get("Total")) if manifest.get("Available") else "0B"
            lines.append(f"{branch} {label:<37} {units.short_id(manifest.get('ID')):<14} {used:>10} "
                         f"{units.size(size.get('Content')):>12}")
        lines.append("")
    return Formatted("\n".join(lines).rstrip("\n") + "\n")
