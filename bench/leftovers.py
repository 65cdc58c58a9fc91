"""What one bench run makes on the engine, and its removal however the run ends.

The engine is shared: other runs and test suites build, tag and prune beside a bench, so a
bench removes only what it can prove it made, never "everything dangling":

- every build and container carries the run's own label (`KEY=<run id>`); the images and
  containers with it are this run's, tagged or not;
- the classic builder puts a build's labels on the last stage's final image only, so the
  images of earlier stages (and the steps of a build that failed) carry none: their ids are
  read from the build's log, for the steps that ran -- a step "Using cache" names an image
  someone else may have made, and a FROM step names the base;
- the names a bench tagged are removed by name.

A removal the engine refuses (another image built on ours, a container of someone else using
it) is left alone: then it is no longer only ours.
"""

from __future__ import annotations

import re
import sys
import uuid

import docker

KEY = "dockermagic.bench"

_STEP = re.compile(r"^Step \d+/\d+ : (\S+)", re.IGNORECASE)
_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12,64})\s*$")


class Leftovers:
    """A run's label, the names it tagged and the image ids its classic builds made.

    `with Leftovers(api) as made:` removes them on leaving, Ctrl-C and failures included."""

    def __init__(self, api=None):
        self.api = api or docker.APIClient(version="auto")
        self.run = uuid.uuid4().hex[:12]
        self.names: list[str] = []
        self.images: list[str] = []

    @property
    def label(self) -> str:
        """`KEY=VALUE`, as `--label` takes it."""
        return f"{KEY}={self.run}"

    @property
    def labels(self) -> dict[str, str]:
        """As docker-py takes labels."""
        return {KEY: self.run}

    def name(self, name: str) -> str:
        self.names.append(name)
        return name

    def built(self, log) -> None:
        """The ids of the images a classic build's steps made, from its log (text or lines)."""
        lines = (log if isinstance(log, str) else "".join(log)).splitlines()  # a record may end mid-line
        own = False
        for line in lines:
            step = _STEP.match(line)
            if step:
                own = step.group(1).upper() != "FROM"
            elif line.strip() == "---> Using cache":
                own = False
            else:
                image = _IMAGE.match(line)
                if image and own:
                    self.images.append(image.group(1))

    def built_steps(self, steps) -> None:
        """The same from a `%docker_build` result's steps."""
        # a BuildKit build's steps are vertices: its intermediate results are cache, not images
        self.images += [step.layer_id for step in steps if step.state == "done" and getattr(step, "layer_id", None)]

    def remove(self) -> dict[str, int]:
        """Remove everything this run made; returns how many of each went."""
        api, gone = self.api, {"containers": 0, "images": 0, "volumes": 0}
        for container in api.containers(all=True, quiet=True, filters={"label": self.label}):
            if _quietly(api.remove_container, container["Id"], force=True, v=True):
                gone["containers"] += 1
        for volume in api.volumes(filters={"label": self.label}).get("Volumes") or []:
            if _quietly(api.remove_volume, volume["Name"], force=True):
                gone["volumes"] += 1
        for name in dict.fromkeys(self.names):
            gone["images"] += _quietly(api.remove_image, name, force=True)
        labelled = [image["Id"] for image in api.images(all=True, filters={"label": self.label})]
        # newest first: removing a child also removes the untagged parents only it used
        for image in [*labelled, *reversed(self.images)]:
            gone["images"] += _quietly(api.remove_image, image)
        return gone

    def __enter__(self) -> Leftovers:
        return self

    def __exit__(self, *exc) -> None:
        gone = self.remove()
        print(f"removed what this run made: {gone['images']} images, {gone['containers']} containers, "
              f"{gone['volumes']} volumes", file=sys.stderr)


def _quietly(fn, *args, **kwargs) -> bool:
    """True when the engine removed it; gone already, or refused (no longer only ours): False."""
    try:
        fn(*args, **kwargs)
        return True
    except docker.errors.APIError:
        return False
