"""A project's images: `build` (dockermagic's own BuildKit build with its session, the model's
args, target, secrets and ssh; the image `<project>-<service>` unless `image:` names it),
`pull` and `push` (through `registry/transfer.py`), and v2's pull policy as `up` applies it
(`ensure`).  Each is a generator of `StackEvent`s on the image rows.
"""

from __future__ import annotations

import os

import docker

from ..errors import ComposeError, DockerMagicError, InvalidInput
from . import labels as names
from .results import StackEvent


def image_id(api, image: str) -> str | None:
    try:
        return api.inspect_image(image)["Id"]
    except docker.errors.ImageNotFound:
        return None


def build_request(project, service_name: str, service: dict, no_cache: bool = False, pull: bool = False):
    """The service's `build:` as a checked `BuildRequest`, with its `--secret` and `--ssh` specs."""
    from ..build.request import BuildRequest

    spec = service.get("build") or {}
    context = spec.get("context") or project.working_dir
    dockerfile = spec.get("dockerfile") or "Dockerfile"
    if not os.path.isabs(dockerfile):
        dockerfile = os.path.join(context, dockerfile)
    tags = [names.image_name(project.name, service_name, service), *(spec.get("tags") or [])]
    args = [f"{k}={v}" for k, v in (spec.get("args") or {}).items() if v is not None]
    labels = {**(spec.get("labels") or {}), names.PROJECT: project.name, names.SERVICE: service_name,
              names.VERSION: names.COMPOSE_VERSION}   # v2 labels what it builds with these three
    labels = [f"{k}={v}" for k, v in labels.items()]
    request = BuildRequest.make(context, file=dockerfile, tags=tags, build_args=args, labels=labels,
                                no_cache=no_cache or bool(spec.get("no_cache")), pull=pull or bool(spec.get("pull")),
                                target=spec.get("target"), network=spec.get("network"))
    secrets = []
    for secret in spec.get("secrets") or []:
        source = secret["source"]
        top = (project.model.get("secrets") or {}).get(source) or {}
        sid = secret.get("target") or source
        if top.get("environment"):
            secrets.append(f"id={sid},env={top['environment']}")
        elif top.get("file"):
            secrets.append(f"id={sid},src={top['file']}")
        else:
            raise InvalidInput(f"service {service_name}: build secret {source!r} is not a file or environment secret")
    ssh = [s if isinstance(s, str) else f"{s.get('id', 'default')}={s.get('path', '')}" for s in spec.get("ssh") or []]
    return request, secrets, ssh


def build(engine, project, services, no_cache: bool = False, pull: bool = False, builder_setting: str = "auto"):
    """Build each service of `services` with a `build:` section; yields StackEvents (and the
    build's own events are drained: the stack view shows one row per image)."""
    from ..buildkit.build import build as buildkit_build
    from ..buildkit.build import builder, prepare

    for name in services:
        service = project.services[name]
        if not service.get("build"):
            continue
        image = names.image_name(project.name, name, service)
        yield StackEvent("image", image, "Building", name)
        request, secrets, ssh = build_request(project, name, service, no_cache, pull)
        try:
            if builder(engine, builder_setting) == "buildkit":
                plan = prepare(engine, request, secrets, ssh)
                for _ in buildkit_build(engine, request, plan=plan):
                    pass
            else:
                from ..build.classic import build as classic_build

                for _ in classic_build(engine, request):
                    pass
        except DockerMagicError as exc:
            yield StackEvent("image", image, "Error", name, str(exc))
            raise ComposeError(f"service {name!r} failed to build: {exc}") from exc
        yield StackEvent("image", image, "Built", name)


def pull(engine, image: str, service: str | None = None, ignore_failures: bool = False):
    from ..registry.transfer import pull as pull_image

    yield from _moved("pull", pull_image, engine, image, service, ignore_failures)


def push(engine, image: str, service: str | None = None, ignore_failures: bool = False):
    from ..registry.transfer import push as push_image

    yield from _moved("push", push_image, engine, image, service, ignore_failures)


def _moved(verb: str, move, engine, image: str, service: str | None, ignore_failures: bool):
    """A pull or push as v2's rows (Pulling, Pulled ...); a failure one line naming the service."""
    yield StackEvent("image", image, f"{verb.title()}ing", service)
    try:
        for _ in move(engine, image):
            pass
    except DockerMagicError as exc:
        yield StackEvent("image", image, "Error", service, str(exc))
        if not ignore_failures:
            raise ComposeError(f"service {service!r}: {verb} {image}: {exc}") from exc
        return
    yield StackEvent("image", image, f"{verb.title()}ed", service)


def ensure(engine, project, services, policy: str | None = None, build_flag: bool = False, no_build: bool = False,
           builder_setting: str = "auto", ids: dict | None = None, seen: dict | None = None):
    """v2's image step of `up`/`create`: per service, build (`--build`, or a `build:` whose image
    is missing), else pull by `--pull`/`pull_policy` (missing by default); yields StackEvents.
    Afterwards every service's image exists (or ComposeError); `ids` gets {image: id} of those
    found already there (`up` reads them for the image label without asking again); `seen`:
    {image: id or None} already read."""
    to_build = []
    seen = dict(seen or {})   # {image: id or None}: one inspect (and pull) per image, however many run it
    pulled: set[str] = set()
    for name in services:
        service = project.services[name]
        image = names.image_name(project.name, name, service)
        want = policy or service.get("pull_policy") or "missing"
        found = seen[image] if image in seen else seen.setdefault(image, image_id(engine.api, image))
        present = found is not None
        if present and ids is not None:
            ids[image] = found
        if service.get("build") and not no_build and (build_flag or want == "build" or not present):
            to_build.append(name)
            continue
        if want == "always" or (want in ("missing", "if_not_present") and not present):
            if service.get("build") and not present and no_build:
                raise ComposeError(f"service {name!r} has neither an image nor a build context specified: "
                                   f"image {image} is missing and --no-build was given")
            if image not in pulled:
                pulled.add(image)
                yield from pull(engine, image, name, ignore_failures=bool(service.get("build")) and present)
                seen[image] = image_id(engine.api, image)
                if ids is not None and seen[image]:
                    ids[image] = seen[image]
        elif not present:
            raise ComposeError(f"service {name!r}: image {image} is not on the engine and pull_policy is {want}")
    yield from build(engine, project, to_build, builder_setting=builder_setting)
    for name in to_build if ids is not None else ():
        image = names.image_name(project.name, name, project.services[name])
        ids[image] = image_id(engine.api, image) or ""
