"""`docker service inspect --pretty`: a service's spec as the CLI's human-readable text (the same
lines, tabs and order), from the engine's JSON.  Knows nothing of IPython."""

from __future__ import annotations

from ..gotemplate.gofmt import go_float
from ..text.units import human_duration


def go_duration(ns: int) -> str:
    """Go's time.Duration.String: 5s, 1m30s, 1h0m0s, 500ms, 0s."""
    ns = int(ns or 0)
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1000)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = _trim(rest / 1e9)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def bytes_size(n: float) -> str:
    """go-units' BytesSize: binary units, four significant digits (64MiB, 1.5GiB)."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024
        i += 1
    return f"{n:.4g}{units[i]}"


def pretty(raw: dict, network_names: dict | None = None, now: float | None = None) -> str:
    """One service's `--pretty` text (the CLI prints an empty line before each)."""
    import time

    spec = raw.get("Spec") or {}
    template = spec.get("TaskTemplate") or {}
    c = template.get("ContainerSpec") or {}
    out = ["", f"ID:\t\t{raw.get('ID', '')}", f"Name:\t\t{spec.get('Name', '')}"]
    if spec.get("Labels"):
        out.append("Labels:")
        out += [f" {k}={v}" if v else f" {k}" for k, v in sorted(spec["Labels"].items())]
    mode = spec.get("Mode") or {}
    if "Global" in mode:
        out.append("Service Mode:\tGlobal")
    elif "Replicated" in mode:
        out.append("Service Mode:\tReplicated")
        if (mode["Replicated"] or {}).get("Replicas") is not None:
            out.append(f" Replicas:\t{mode['Replicated']['Replicas']}")
    else:
        out.append("Service Mode:")
    status = raw.get("UpdateStatus") or {}
    if status.get("State"):
        from ..text import units

        out += ["UpdateStatus:", f" State:\t\t{status['State']}"]
        for key, label in (("StartedAt", "Started"), ("CompletedAt", "Completed")):
            if status.get(key) and (key == "StartedAt" or status["State"] == "completed"):
                age = max(0.0, (now or time.time()) - (units.to_epoch(status[key]) or 0))
                out.append(f" {label}:\t{human_duration(age)[:1].upper() + human_duration(age)[1:]} ago")
        out.append(f" Message:\t{status.get('Message', '')}")
    placement = template.get("Placement") or {}
    out.append("Placement:")
    if placement.get("Constraints"):
        out.append(f" Constraints:\t[{' '.join(placement['Constraints'])}]")
    prefs = [f"spread={p['Spread']['SpreadDescriptor']}" for p in placement.get("Preferences") or [] if p.get("Spread")]
    if prefs:
        out.append(f" Preferences:   [{' '.join(prefs)}]")
    if placement.get("MaxReplicas"):
        out.append(f" Max Replicas Per Node:   {placement['MaxReplicas']}")
    for key, title, word in (("UpdateConfig", "UpdateConfig", "Update"), ("RollbackConfig", "RollbackConfig", "Rollback")):
        flow = spec.get(key)
        if flow is None:
            continue
        out += [f"{title}:", f" Parallelism:\t{flow.get('Parallelism', 0)}"]
        if flow.get("Delay"):
            out.append(f" Delay:\t\t{go_duration(flow['Delay'])}")
        out.append(f" On failure:\t{flow.get('FailureAction', '')}")
        if flow.get("Monitor"):
            out.append(f" Monitoring Period: {go_duration(flow['Monitor'])}")
        out += [f" Max failure ratio: {go_float(float(flow.get('MaxFailureRatio') or 0))}",
                f" {word} order:{' ' * (6 if word == 'Update' else 4)}{flow.get('Order', '')}"]
    out += ["ContainerSpec:", f" Image:\t\t{c.get('Image', '')}"]
    if c.get("Args"):
        out.append(" Args:\t\t" + "".join(f"{a} " for a in c["Args"]))
    if c.get("Env"):
        out.append(" Env:\t\t" + "".join(f"{e} " for e in c["Env"]))
    if c.get("Dir"):
        out.append(f" Dir:\t\t{c['Dir']}")
    if "Init" in c:
        out.append(f" Init:\t\t{'true' if c['Init'] else 'false'}")
    if c.get("User"):
        out.append(f" User: {c['User']}")
    if c.get("CapabilityAdd") or c.get("CapabilityDrop"):
        out.append("Capabilities:")
        out += [f" Add: {', '.join(c['CapabilityAdd'])}"] if c.get("CapabilityAdd") else []
        out += [f" Drop: {', '.join(c['CapabilityDrop'])}"] if c.get("CapabilityDrop") else []
    if c.get("Sysctls"):
        out.append("SysCtls:")
        out += [f" {k}: {v}" if v else f" {k}" for k, v in sorted(c["Sysctls"].items())]
    if c.get("Ulimits"):
        out.append("Ulimits:")
        out += [f" {u['Name']}: {u.get('Soft', 0)}:{u.get('Hard', 0)}" for u in sorted(c["Ulimits"], key=lambda u: u["Name"])]
    if c.get("Mounts"):
        out.append("Mounts:")
        for m in c["Mounts"]:
            out += [f" Target:\t{m.get('Target', '')}", f"  Source:\t{m.get('Source', '')}",
                    f"  ReadOnly:\t{'true' if m.get('ReadOnly') else 'false'}", f"  Type:\t\t{m.get('Type', '')}"]
    for key, name_key in (("Configs", "ConfigName"), ("Secrets", "SecretName")):
        if c.get(key):
            out.append(f"{key}:")
            for ref in c[key]:
                out += [f" Target:\t{(ref.get('File') or {}).get('Name', '')}", f"  Source:\t{ref.get(name_key, '')}"]
    log = template.get("LogDriver")
    if log is not None:
        out.append("Log Driver:")
        if log.get("Name"):
            out.append(f" Name:\t\t{log['Name']}")
        if log.get("Options"):
            out.append(" LogOpts:")
            out += [f"  {k}:       {v}" if v else f"  {k}" for k, v in sorted(log["Options"].items())]
        out.append("")
    out += _resources(template)
    nets = [(network_names or {}).get(n.get("Target", ""), n.get("Target", "")) for n in template.get("Networks") or []]
    tail = []
    if nets:
        tail.append("Networks:" + "".join(f" {n}" for n in nets) + " ")
    endpoint = (raw.get("Spec") or {}).get("EndpointSpec") or {}
    tail.append(f"Endpoint Mode:\t{endpoint.get('Mode', '')}")
    ports = (raw.get("Endpoint") or {}).get("Ports") or endpoint.get("Ports") or []
    if ports:
        tail.append("Ports:")
        for p in ports:
            tail += [f" PublishedPort = {p.get('PublishedPort', 0)}", f"  Protocol = {p.get('Protocol', '')}",
                     f"  TargetPort = {p.get('TargetPort', 0)}", f"  PublishMode = {p.get('PublishMode', '')}"]
        tail[-1] += " "
    health = c.get("Healthcheck")
    if health:
        tail += [" Healthcheck:", f"  Interval = {go_duration(health.get('Interval', 0))}",
                 f"  Retries = {health.get('Retries', 0)}", f"  StartPeriod =\t{go_duration(health.get('StartPeriod', 0))}",
                 f"  Timeout =\t{go_duration(health.get('Timeout', 0))}"]
        if health.get("Test"):
            tail.append("  Tests:")
            tail += [f"\t Test = {t}" for t in health["Test"]]
            tail[-1] += " "
    return "\n".join(out + tail) + "\n\n"


def _resources(template: dict) -> list[str]:
    resources = template.get("Resources")
    if resources is None:
        return []
    out = ["Resources:"]
    reserve, limits = resources.get("Reservations") or {}, resources.get("Limits") or {}
    if reserve.get("NanoCPUs", 0) > 0 or reserve.get("MemoryBytes", 0) > 0:
        out.append(" Reservations:")
        if reserve.get("NanoCPUs", 0) > 0:
            out.append(f"  CPU:\t\t{go_float(reserve['NanoCPUs'] / 1e9)}")
        if reserve.get("MemoryBytes"):
            out.append(f"  Memory:\t{bytes_size(reserve['MemoryBytes'])}")
    if limits.get("NanoCPUs", 0) > 0 or limits.get("MemoryBytes", 0) > 0 or limits.get("Pids", 0) > 0:
        out.append(" Limits:")
        if limits.get("NanoCPUs", 0) > 0:
            out.append(f"  CPU:\t\t{go_float(limits['NanoCPUs'] / 1e9)}")
        if limits.get("MemoryBytes"):
            out.append(f"  Memory:\t{bytes_size(limits['MemoryBytes'])}")
    if limits.get("Pids", 0) > 0:
        out.append(f"  PIDs:\t\t{limits['Pids']}")
    return out
