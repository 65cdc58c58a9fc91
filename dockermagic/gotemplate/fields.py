"""The fields `--format` templates see in `docker ps`, `images`, `history` and `volume ls`,
named and printed as the CLI's formatters print them (cli/command/formatter/*.go), with each
command's default table and the column names its header shows."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ..text import units

PS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
PS_HEADER = {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
             "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
             "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
             "LocalVolumes": "LOCAL VOLUMES"}
IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
IMAGES_DIGESTS_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
IMAGES_HEADER = {"Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "ID": "IMAGE ID",
                 "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS",
                 "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE"}
HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HISTORY_HEADER = {"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
                  "Size": "SIZE", "Comment": "COMMENT"}
VOLUME_TABLE = "table {{.Driver}}\t{{.Name}}"
VOLUME_HEADER = {"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
                 "Labels": "LABELS", "Links": "LINKS", "Size": "SIZE"}


def _created_at(epoch) -> str:
    """Go's time.Time.String() of a Unix time in the local zone, as the CLI prints CreatedAt."""
    if epoch is None:
        return ""
    moment = datetime.fromtimestamp(float(epoch), timezone.utc).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S %z ") + (moment.tzname() or "")


def _ellipsis(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _labels(labels: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in (labels or {}).items())


class Row:
    """A row whose `{{json .}}` is its fields, as the CLI's `json` of a formatter context."""

    HEADER: dict = {}

    def fields(self) -> dict:
        return {name: getattr(self, name) for name in sorted(self.HEADER)}

    def Label(self, name: str) -> str:  # noqa: N802 -- the CLI's template method name
        return (getattr(self, "labels", None) or {}).get(name, "")


class ContainerRow(Row):
    """One `docker ps` row (the engine's list entry)."""

    HEADER = PS_HEADER

    def __init__(self, raw: dict, trunc: bool = True):
        self.raw, self.trunc = raw, trunc
        self.labels = raw.get("Labels") or {}

    ID = property(lambda self: self.raw["Id"][:12] if self.trunc else self.raw["Id"])
    State = property(lambda self: self.raw.get("State", ""))
    Status = property(lambda self: self.raw.get("Status", ""))
    CreatedAt = property(lambda self: _created_at(self.raw.get("Created")))
    RunningFor = property(lambda self: units.ago(self.raw.get("Created")))
    Labels = property(lambda self: _labels(self.labels))
    LocalVolumes = property(lambda self: str(sum(1 for m in self.raw.get("Mounts") or () if m.get("Driver") == "local")))

    @property
    def Image(self) -> str:  # noqa: N802
        image = self.raw.get("Image", "")
        if self.trunc and image.startswith("sha256:"):
            return image[7:19]
        return image

    @property
    def Command(self) -> str:  # noqa: N802
        command = self.raw.get("Command", "")
        return json.dumps(_ellipsis(command, 20) if self.trunc else command, ensure_ascii=False)

    @property
    def Names(self) -> str:  # noqa: N802
        names = [n.lstrip("/") for n in self.raw.get("Names") or () if "/" not in n.lstrip("/")]
        return ",".join(names)

    @property
    def Ports(self) -> str:  # noqa: N802
        return ports_text(self.raw.get("Ports"))

    @property
    def Size(self) -> str:  # noqa: N802
        if "SizeRw" not in self.raw and "SizeRootFs" not in self.raw:
            return ""
        return f"{units.size(self.raw.get('SizeRw', 0))} (virtual {units.size(self.raw.get('SizeRootFs', 0))})"

    @property
    def Mounts(self) -> str:  # noqa: N802
        names = [m.get("Name") or m.get("Source", "") for m in self.raw.get("Mounts") or ()]
        return ",".join(_ellipsis(n, 15) if self.trunc else n for n in names)

    @property
    def Networks(self) -> str:  # noqa: N802
        return ",".join(sorted(((self.raw.get("NetworkSettings") or {}).get("Networks") or {})))


class ImageFields(Row):
    """One `docker images` row: a repository:tag (or digest) of an image."""

    HEADER = IMAGES_HEADER

    def __init__(self, raw: dict, repository: str, tag: str, digest: str, trunc: bool = True):
        self.raw, self.Repository, self.Tag, self.Digest, self.trunc = raw, repository, tag, digest, trunc
        self.labels = raw.get("Labels") or {}

    ID = property(lambda self: units.short_id(self.raw["Id"]) if self.trunc else self.raw["Id"])
    CreatedSince = property(lambda self: units.ago(self.raw.get("Created")))
    CreatedAt = property(lambda self: _created_at(self.raw.get("Created")))
    Size = property(lambda self: units.size(self.raw.get("Size", 0)))
    VirtualSize = property(lambda self: units.size(self.raw.get("VirtualSize", self.raw.get("Size", 0))))
    SharedSize = property(lambda self: "N/A" if self.raw.get("SharedSize", -1) < 0 else units.size(self.raw["SharedSize"]))
    UniqueSize = property(lambda self: "N/A" if self.raw.get("SharedSize", -1) < 0
                          else units.size(self.raw.get("Size", 0) - self.raw["SharedSize"]))
    Containers = property(lambda self: "N/A" if self.raw.get("Containers", -1) < 0 else str(self.raw["Containers"]))


def image_rows(raws, trunc: bool = True) -> list[ImageFields]:
    """The CLI's rows: one per repository:tag, a digest-only name as `<none>` tag, an untagged
    image as `<none> <none>`; each with the digest of its repository."""
    rows = []
    for raw in raws:
        digests = {}
        for ref in raw.get("RepoDigests") or ():
            repo, _, digest = ref.partition("@")
            digests.setdefault(repo, digest)
        tags = [t for t in raw.get("RepoTags") or () if t != "<none>:<none>"]
        for ref in tags:
            repo, _, tag = ref.rpartition(":")
            rows.append(ImageFields(raw, repo, tag, digests.get(repo, "<none>"), trunc))
        tagged = {t.rpartition(":")[0] for t in tags}
        for repo, digest in digests.items():
            if repo not in tagged and repo != "<none>":
                rows.append(ImageFields(raw, repo, "<none>", digest, trunc))
        if not tags and not [r for r in digests if r != "<none>"]:
            rows.append(ImageFields(raw, "<none>", "<none>", "<none>", trunc))
    rows.sort(key=lambda r: (-(units.to_epoch(r.raw.get("Created")) or 0), r.Repository, r.Tag))
    return rows


class HistoryRow(Row):
    HEADER = HISTORY_HEADER

    def __init__(self, raw: dict, trunc: bool = True):
        self.raw, self.trunc = raw, trunc

    @property
    def ID(self) -> str:  # noqa: N802
        ident = self.raw.get("Id") or "<missing>"
        return units.short_id(ident) if self.trunc and ident.startswith("sha256:") else ident

    CreatedSince = property(lambda self: units.ago(self.raw.get("Created")))
    CreatedAt = property(lambda self: _created_at(self.raw.get("Created")))
    Size = property(lambda self: units.size(self.raw.get("Size", 0)))
    Comment = property(lambda self: self.raw.get("Comment", ""))

    @property
    def CreatedBy(self) -> str:  # noqa: N802
        by = (self.raw.get("CreatedBy") or "").replace("\t", " ")
        return _ellipsis(by, 45) if self.trunc else by


class VolumeRow(Row):
    HEADER = VOLUME_HEADER

    def __init__(self, raw: dict):
        self.raw = raw
        self.labels = raw.get("Labels") or {}

    Name = property(lambda self: self.raw.get("Name", ""))
    Driver = property(lambda self: self.raw.get("Driver", ""))
    Scope = property(lambda self: self.raw.get("Scope", "local"))
    Mountpoint = property(lambda self: self.raw.get("Mountpoint", ""))
    Labels = property(lambda self: _labels(self.labels))
    Links = property(lambda self: str(((self.raw.get("UsageData") or {}).get("RefCount")) or "N/A"))
    Size = property(lambda self: units.size(((self.raw.get("UsageData") or {}).get("Size"))) if (self.raw.get("UsageData") or {}).get("Size", -1) >= 0 else "N/A")


def ports_text(ports: dict | list | None) -> str:
    """The PORTS column: `127.0.0.1:8080->80/tcp, 443/tcp` from inspect's or list's form."""
    items = []
    if isinstance(ports, dict):  # inspect: {"80/tcp": [{"HostIp", "HostPort"}] or None}
        for port, bindings in sorted(ports.items()):
            if not bindings:
                items.append(port)
            for b in bindings or ():
                items.append(f"{b.get('HostIp') or '0.0.0.0'}:{b.get('HostPort')}->{port}")
    else:  # list: [{"IP", "PrivatePort", "PublicPort", "Type"}]
        for p in sorted(ports or (), key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""))):
            where = f"{p['IP']}:{p['PublicPort']}->" if p.get("PublicPort") else ""
            items.append(f"{where}{p.get('PrivatePort')}/{p.get('Type', 'tcp')}")
    return ", ".join(dict.fromkeys(items))
