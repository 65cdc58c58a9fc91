"""What a service's containers run with beyond the image, from `docker service create` / `update`
options as the CLI reads and merges them: capabilities (`--cap-add` / `--cap-drop`, normalized to
`CAP_*`, add winning over drop, update's tri-state), ulimits (`--ulimit`, `--ulimit-add` /
`--ulimit-rm`), generic resources (`--generic-resource`, `-add` / `-rm`: discrete ones only) and
the credential spec (`--credential-spec config://|file://|registry://`, Windows' managed service
accounts: a config named there joins the service as a runtime config).  Each function changes
the spec dicts it is given (the Engine API's JSON); `service_spec.apply` calls them."""

from __future__ import annotations

from ..errors import InvalidInput
from ..opts import run_values

ALL, RESET = "ALL", "RESET"
ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio",
           "rttime", "sigpending", "stack")


# -- capabilities --------------------------------------------------------------------------------
def _capability(name: str) -> str:
    name = name.strip().upper()
    return name if name in (ALL, RESET) or name.startswith("CAP_") else "CAP_" + name


def _caps(names) -> set:
    return {_capability(n) for n in names or ()}


def capabilities(container: dict, o: dict, creating: bool) -> None:
    """`--cap-add` / `--cap-drop`: on create the CLI's effective lists (ALL trumps the rest, a
    capability both added and dropped is added); on update its tri-state (dropping one that was
    added only takes it off the added list, and the other way round; RESET empties a list)."""
    if "cap_add" not in o and "cap_drop" not in o:
        return
    add, drop = _caps(o.get("cap_add")), _caps(o.get("cap_drop"))
    if creating:
        add = {ALL} if ALL in add else add - {RESET}
        drop = {ALL} if ALL in drop else drop - {RESET}
        drop -= add
    else:
        had_add, had_drop = _caps(container.get("CapabilityAdd")), _caps(container.get("CapabilityDrop"))
        if RESET in add:
            had_add, add = set(), add - {RESET}
        if RESET in drop:
            had_drop, drop = set(), drop - {RESET}
        for c in drop - add:
            if c in had_add:
                had_add.discard(c)
            else:
                had_drop.add(c)
        for c in add:
            if c in had_drop:
                had_drop.discard(c)
            else:
                had_add.add(c)
        add, drop = had_add, had_drop
    for key, caps in (("CapabilityAdd", add), ("CapabilityDrop", drop)):
        if caps:
            container[key] = [ALL] if ALL in caps else sorted(caps)
        else:
            container.pop(key, None)


# -- ulimits -------------------------------------------------------------------------------------
def ulimit(text: str, option: str) -> dict:
    """`NAME=SOFT[:HARD]` as the CLI's ulimit option reads it (a known name; soft <= hard)."""
    made = run_values.ulimit(text)
    if made["Name"] not in ULIMITS:
        raise InvalidInput(f"{option} {text!r}: invalid ulimit type: {made['Name']} (one of {', '.join(ULIMITS)})")
    if made["Soft"] > made["Hard"]:
        raise InvalidInput(f"{option} {text!r}: ulimit soft limit must be less than or equal to hard limit: "
                           f"{made['Soft']} > {made['Hard']}")
    return {"Name": made["Name"], "Hard": made["Hard"], "Soft": made["Soft"]}


def ulimits(container: dict, o: dict) -> None:
    """`--ulimit` (create), `--ulimit-add` / `--ulimit-rm NAME` (update): one per name, by name."""
    if not any(k in o for k in ("ulimit", "ulimit_add", "ulimit_rm")):
        return
    by_name = {u["Name"]: u for u in container.get("Ulimits") or []}
    if "ulimit" in o:
        by_name = {u["Name"]: u for u in (ulimit(t, "--ulimit") for t in o["ulimit"])}
    for name in o.get("ulimit_rm") or ():
        by_name.pop(name.partition("=")[0], None)
    for text in o.get("ulimit_add") or ():
        made = ulimit(text, "--ulimit-add")
        by_name[made["Name"]] = made
    if by_name:
        container["Ulimits"] = [by_name[k] for k in sorted(by_name)]
    else:
        container.pop("Ulimits", None)


# -- generic resources ---------------------------------------------------------------------------
def generic_resource(text: str, option: str) -> dict:
    """`KIND=COUNT`: a discrete resource each task reserves (a named one is refused, as the CLI)."""
    kind, sep, value = text.partition("=")
    if not sep or not kind:
        raise InvalidInput(f"{option} {text!r}: invalid generic-resource format `{text}` expected `name=value`")
    if not value.strip().isdigit():
        raise InvalidInput(f"{option} {text!r}: invalid generic-resource request `{text}`, Named Generic Resources "
                           "is not supported for service create or update (a count is: gpu=2)")
    return {"DiscreteResourceSpec": {"Kind": kind, "Value": int(value)}}


def generic_resources(template: dict, o: dict) -> None:
    """`--generic-resource` (create), `--generic-resource-add` / `-rm KIND` (update), by kind."""
    if not any(k in o for k in ("generic_resource", "generic_resource_add", "generic_resource_rm")):
        return
    resources = template.setdefault("Resources", {})
    reservations = dict(resources.get("Reservations") or {})
    by_kind = {r["DiscreteResourceSpec"]["Kind"]: r for r in reservations.get("GenericResources") or []
               if r.get("DiscreteResourceSpec")}
    if "generic_resource" in o:
        made = [generic_resource(t, "--generic-resource") for t in o["generic_resource"]]
        by_kind = {r["DiscreteResourceSpec"]["Kind"]: r for r in made}
    for text in o.get("generic_resource_add") or ():
        made = generic_resource(text, "--generic-resource-add")
        by_kind[made["DiscreteResourceSpec"]["Kind"]] = made
    for kind in o.get("generic_resource_rm") or ():
        if kind not in by_kind:
            raise InvalidInput(f"--generic-resource-rm {kind!r}: could not find generic-resource `{kind}` to remove it")
        del by_kind[kind]
    if "generic_resource" in o:
        reservations["GenericResources"] = list(by_kind.values())  # the order given, as the CLI sends it
    else:
        reservations["GenericResources"] = [by_kind[k] for k in sorted(by_kind)]
    if not reservations["GenericResources"]:
        reservations.pop("GenericResources")
    resources["Reservations"] = reservations


# -- the credential spec -------------------------------------------------------------------------
def credential_spec(text: str) -> dict:
    """`config://NAME`, `file://FILE`, `registry://KEY` (empty: none, on update)."""
    for prefix, key in (("config://", "Config"), ("file://", "File"), ("registry://", "Registry")):
        if text.startswith(prefix):
            return {key: text[len(prefix):]}
    if text == "":
        return {}
    raise InvalidInput(f"--credential-spec {text!r}: invalid credential spec: value must be prefixed with "
                       '"config://", "file://", or "registry://"')


def credentials(container: dict, o: dict, resolve) -> None:
    """`--credential-spec`: Privileges.CredentialSpec (a config by its id, and that config as a
    runtime config of the service, as the CLI adds it); an empty value on update removes it."""
    if "credential_spec" not in o:
        return
    made = credential_spec(o["credential_spec"])
    configs = [c for c in container.get("Configs") or [] if "Runtime" not in c]  # only a credential spec's
    privileges = dict(container.get("Privileges") or {})
    if not made:
        privileges.pop("CredentialSpec", None)
    else:
        if "Config" in made:
            name = made["Config"]
            made["Config"] = resolve("config", name)
            configs.append({"ConfigID": made["Config"], "ConfigName": name, "Runtime": {}})
        privileges["CredentialSpec"] = made
    container["Configs"] = configs or None
    container["Privileges"] = privileges or None


# -- options of engines newer than 20.10 -----------------------------------------------------------
NEWER = {"health_start_interval": ("1.44", "--health-start-interval"), "oom_score_adj": ("1.46", "--oom-score-adj")}


def newer(container: dict, o: dict) -> None:
    """`--health-start-interval` (API 1.44) and `--oom-score-adj` (API 1.46): `services` has
    checked the engine speaks that API before the spec is built."""
    if "health_start_interval" in o:
        if o.get("no_healthcheck"):
            raise InvalidInput("--no-healthcheck conflicts with --health-* options")
        health = dict(container.get("Healthcheck") or {})
        if health.get("Test") == ["NONE"]:
            health = {}
        text = str(o["health_start_interval"])
        health["StartInterval"] = 0 if text in ("0", "-0", "+0") else run_values.to_nanoseconds(text, "--health-start-interval")
        container["Healthcheck"] = health
    if "oom_score_adj" in o:
        value = run_values.whole(o["oom_score_adj"], "--oom-score-adj")
        if not -1000 <= value <= 1000:
            raise InvalidInput(f"--oom-score-adj {o['oom_score_adj']!r}: a whole number from -1000 to 1000")
        container["OomScoreAdj"] = value
