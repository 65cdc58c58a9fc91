"""`docker system df -v`: each image, container, local volume and build-cache record of the
engine's `/system/df` answer, as the CLI's verbose tables print them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UsageSection:
    """One table of `docker system df -v` (`title` as the CLI heads it)."""

    title: str
    header: dict
    table: str
    rows: list[dict]


def _image_rows(images: list[dict]) -> list[dict]:
    from ..text.units import ago, short_id, size

    rows = []
    for image in images:
        shared, whole = image.get("SharedSize", -1), image.get("Size", 0) or 0
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
        names = [tags[0].rpartition(":")[::2] if tags else ("<none>", "<none>")]  # the CLI shows the first tag only
        for repository, tag in names:
            rows.append({"Repository": repository, "Tag": tag, "ID": short_id(image.get("Id")),
                         "CreatedSince": ago(image.get("Created")), "Size": size(whole),
                         "SharedSize": "N/A" if shared == -1 else size(shared, 4),
                         "UniqueSize": "N/A" if shared == -1 else size(whole - shared, 4),
                         "Containers": "N/A" if image.get("Containers", -1) == -1 else str(image["Containers"])})
    return rows


def _container_rows(containers: list[dict]) -> list[dict]:
    import json

    from ..text.units import ago, short_id, size

    rows = []
    for c in containers:
        command = c.get("Command") or ""
        command = json.dumps(command if len(command) <= 20 else command[:19] + "…", ensure_ascii=False)
        image = c.get("Image") or ""
        rows.append({"ID": short_id(c.get("Id")), "Image": short_id(image) if image.startswith("sha256:") else image,
                     "Command": command,
                     "LocalVolumes": str(sum(1 for m in c.get("Mounts") or [] if m.get("Type") == "volume")),
                     "Size": size(c.get("SizeRw") or 0, 4), "RunningFor": ago(c.get("Created")),
                     "Status": c.get("Status") or "", "Names": ",".join(n.lstrip("/") for n in c.get("Names") or [])})
    return rows


def _volume_rows(volumes: list[dict]) -> list[dict]:
    from ..text.units import size

    rows = []
    for v in volumes:
        usage = v.get("UsageData") or {}
        links, used = usage.get("RefCount", -1), usage.get("Size", -1)
        rows.append({"Name": v.get("Name") or "", "Links": "N/A" if links == -1 else str(links),
                     "Size": "N/A" if used == -1 else size(used, 4)})
    return rows


def _cache_rows(caches: list[dict]) -> list[dict]:
    from ..text.units import ago, size

    return [{"ID": (b.get("ID") or "")[:12], "CacheType": b.get("Type") or "", "Size": size(b.get("Size") or 0),
             "CreatedSince": ago(b.get("CreatedAt")),
             "LastUsedSince": ago(b.get("LastUsedAt")) if b.get("LastUsedAt") else "",
             "UsageCount": str(b.get("UsageCount") or 0), "Shared": "true" if b.get("Shared") else "false"}
            for b in caches]


def verbose_sections(raw: dict) -> list[UsageSection]:
    from ..text.units import size

    caches = raw.get("BuildCache") or []
    cache_size = sum(b.get("Size", 0) or 0 for b in caches if not b.get("Shared"))
    return [
        UsageSection("Images space usage:",
                     {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED",
                      "Size": "SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"},
                     "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t"
                     "{{.UniqueSize}}\t{{.Containers}}", _image_rows(raw.get("Images") or [])),
        UsageSection("Containers space usage:",
                     {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "LocalVolumes": "LOCAL VOLUMES",
                      "Size": "SIZE", "RunningFor": "CREATED", "Status": "STATUS", "Names": "NAMES"},
                     "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t"
                     "{{.Status}}\t{{.Names}}", _container_rows(raw.get("Containers") or [])),
        UsageSection("Local Volumes space usage:", {"Name": "VOLUME NAME", "Links": "LINKS", "Size": "SIZE"},
                     "table {{.Name}}\t{{.Links}}\t{{.Size}}", _volume_rows(raw.get("Volumes") or [])),
        UsageSection(f"Build cache usage: {size(cache_size, 4)}",
                     {"ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
                      "LastUsedSince": "LAST USED", "UsageCount": "USAGE", "Shared": "SHARED"},
                     "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t"
                     "{{.UsageCount}}\t{{.Shared}}", _cache_rows(caches)),
    ]
