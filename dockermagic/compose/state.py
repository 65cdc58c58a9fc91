"""A project as the engine holds it, found by v2's labels (whoever made it, v2 or dockermagic):
the one finder of a project's containers (`raw_containers`, read into `ComposeContainer` by
`container`), its networks and volumes (`refresh`); `docker compose ps` (`ps_text`: table, json
and Go templates with v2's fields) and `docker compose ls` (`projects`, `ls_text`).

Every module that looks for a project's containers -- `up`, `down`, `readiness`, and the
subcommands on a running project through `targets` -- asks here, so they agree on which
containers are the project's and in which order they come.
"""

from __future__ import annotations

import json
import re

from ..gotemplate import formats
from ..gotemplate.fields import ContainerRow
from . import labels as names
from .results import ComposeContainer, ComposeProject

PS_TABLE = "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"
PS_HEADER = {"Name": "NAME", "Image": "IMAGE", "Command": "COMMAND", "Service": "SERVICE", "RunningFor": "CREATED",
             "Status": "STATUS", "Ports": "PORTS", "ID": "CONTAINER ID", "Project": "PROJECT", "State": "STATE",
             "Health": "HEALTH", "ExitCode": "EXIT CODE", "CreatedAt": "CREATED AT", "Names": "NAMES",
             "Labels": "LABELS", "LocalVolumes": "LOCAL VOLUMES", "Mounts": "MOUNTS", "Networks": "NETWORKS",
             "Publishers": "PUBLISHERS", "Size": "SIZE"}
LS_TABLE = "table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}"
LS_HEADER = {"Name": "NAME", "Status": "STATUS", "ConfigFiles": "CONFIG FILES"}
_EXITED = re.compile(r"Exited \((-?\d+)\)")
_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)")


def raw_containers(api, project: str, all: bool = True, oneoff: bool | None = False, services=(),
                   ids=()) -> list[dict]:
    """The engine's list entries (`GET /containers/json`) of the project's containers, by
    service, number, then name (v2's filters: project label, oneoff); `oneoff` None: both
    kinds; `all` False: running ones only; `ids`: those containers only."""
    wanted = [f"{names.PROJECT}={project}"]
    if oneoff is not None:
        wanted.append(f"{names.ONEOFF}={'True' if oneoff else 'False'}")
    filters = {"label": wanted, **({"id": list(ids)} if ids else {})}
    found = api.containers(all=all, filters=filters)
    if services:
        found = [c for c in found if (c.get("Labels") or {}).get(names.SERVICE) in services]
    return sorted(found, key=lambda c: ((c.get("Labels") or {}).get(names.SERVICE, ""), number_of(c), name_of(c)))


def name_of(raw: dict) -> str:
    """A list entry's container name, without the slash (its shortest name: links add longer ones)."""
    return min(raw.get("Names") or [""], key=len).lstrip("/")


def service_of(raw: dict) -> str:
    return (raw.get("Labels") or {}).get(names.SERVICE, "")


def number_of(raw: dict) -> int:
    try:
        return int((raw.get("Labels") or {}).get(names.NUMBER, "0"))
    except ValueError:
        return 0


def container(raw: dict) -> ComposeContainer:
    """A list entry as `docker compose ps` reads it."""
    labels = raw.get("Labels") or {}
    status = raw.get("Status", "")
    health = _HEALTH.search(status)
    exited = _EXITED.search(status)
    return ComposeContainer(
        name=name_of(raw), id=raw["Id"], service=labels.get(names.SERVICE, ""), number=number_of(raw),
        image=raw.get("Image", ""), command=raw.get("Command", ""), state=raw.get("State", ""), status=status,
        created=float(raw.get("Created") or 0), health=(health.group(1).replace("health: ", "") if health else ""),
        exit_code=int(exited.group(1)) if exited else 0, oneoff=labels.get(names.ONEOFF) == "True",
        publishers=publishers(raw.get("Ports")), labels=labels)


def publishers(ports) -> list[dict]:
    out = [{"URL": p.get("IP", ""), "TargetPort": p.get("PrivatePort", 0), "PublishedPort": p.get("PublicPort", 0),
            "Protocol": p.get("Type", "tcp")} for p in ports or ()]
    return sorted(out, key=lambda p: (p["TargetPort"], p["URL"] == "::", p["URL"]))


def read(api, project: str, model: dict | None = None, action: str = "ps", all: bool = True,
         services=()) -> ComposeProject:
    """What exists of `project` on the engine, as a `ComposeProject`."""
    result = ComposeProject(project, model=model or {}, action=action)
    refresh(api, result, all=all, services=services)
    return result


def refresh(api, result: ComposeProject, all: bool = True, services=()) -> ComposeProject:
    """`result`'s containers (one-offs left out), networks and volumes as the engine has them now."""
    raws = raw_containers(api, result.name, all=all, services=services)
    result.containers = [container(raw) for raw in raws]
    label = [f"{names.PROJECT}={result.name}"]
    result.networks = sorted(n["Name"] for n in api.networks(filters={"label": label}))
    result.volumes = sorted(v["Name"] for v in (api.volumes(filters={"label": label}) or {}).get("Volumes") or [])
    if raws and not result.working_dir:
        result.working_dir = (raws[0].get("Labels") or {}).get(names.WORKING_DIR, "")
    return result


class PsRow(ContainerRow):
    """One `docker compose ps` row, with v2's fields (`--format json` prints them all)."""

    HEADER = PS_HEADER

    def __init__(self, raw: dict, trunc: bool = True):
        super().__init__(raw, trunc=trunc)

    Name = property(lambda self: self.Names)
    Project = property(lambda self: self.labels.get(names.PROJECT, ""))
    Service = property(lambda self: self.labels.get(names.SERVICE, ""))
    Command = property(lambda self: json.dumps(self.raw.get("Command", ""), ensure_ascii=False))
    Image = property(lambda self: self.raw.get("Image", ""))
    Health = property(lambda self: container(self.raw).health)
    ExitCode = property(lambda self: container(self.raw).exit_code)
    Publishers = property(lambda self: publishers(self.raw.get("Ports")))
    Size = property(lambda self: "0B")


def ps_text(raws: list[dict], fmt: str = "", quiet: bool = False, services: bool = False, trunc: bool = True) -> str:
    """`docker compose ps` as text: `-q` ids, `--services` names, `--format table|json|TEMPLATE`;
    `trunc` False (`--no-trunc`): whole ids and commands."""
    if quiet:
        return "".join(raw["Id"] + "\n" for raw in raws)   # v2: whole ids, truncated or not
    if services:
        return "".join(s + "\n" for s in dict.fromkeys((r.get("Labels") or {}).get(names.SERVICE, "") for r in raws))
    rows = [PsRow(raw, trunc) for raw in raws]
    if fmt == "json":  # v2 prints one object a line
        return "".join(json.dumps(row.fields(), ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
    return formats.listing(fmt, rows, PS_HEADER, PS_TABLE)


# -- docker compose ls -------------------------------------------------------------------------
def projects(api, all: bool = False, filters=()) -> list[dict]:
    """`docker compose ls`: {Name, Status, ConfigFiles} per project, as v2 counts states
    ("running(2)", "exited(1), running(1)") over the containers it lists (without `all` the
    running ones only), and joins the config files every container names, each once."""
    found: dict[str, dict] = {}
    for raw in api.containers(all=all, filters={"label": [names.PROJECT]}):
        labels = raw.get("Labels") or {}
        entry = found.setdefault(labels[names.PROJECT], {"states": {}, "files": {}})
        state = raw.get("State", "")
        entry["states"][state] = entry["states"].get(state, 0) + 1
        entry["files"].update(dict.fromkeys(filter(None, labels.get(names.CONFIG_FILES, "").split(","))))
    rows = []
    for name in sorted(found):
        states = found[name]["states"]
        status = ", ".join(f"{state}({count})" for state, count in sorted(states.items()))
        rows.append({"Name": name, "Status": status, "ConfigFiles": ",".join(sorted(found[name]["files"]))})
    for flt in filters:
        key, _, value = flt.partition("=")
        if key == "name":
            rows = [r for r in rows if value in r["Name"]]
    return rows


def ls_text(rows: list[dict], fmt: str = "", quiet: bool = False) -> str:
    if quiet:
        return "".join(r["Name"] + "\n" for r in rows)
    if fmt == "json":
        return json.dumps(rows, separators=(",", ":")) + "\n"
    if fmt in ("", "table"):  # v2's own tabwriter: columns at least 20 wide, 3 apart
        lines = ["NAME\tSTATUS\tCONFIG FILES"] + [f"{r['Name']}\t{r['Status']}\t{r['ConfigFiles']}" for r in rows]
        return formats.tabwrite("\n".join(lines) + "\n", 20, 3)
    return formats.listing(fmt, rows, LS_HEADER, LS_TABLE)


#: the name `up.py` calls (kept for it; `number_of` is the one definition)
_number = number_of
