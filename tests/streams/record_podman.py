"""Record Podman's build streams used by test_podman.py.

    scripts/engine up podman && python tests/streams/record_podman.py

The cases of build_cases.py, built through Podman's Docker-compatible API
(`podman system service`, buildah underneath): `STEP n/N:`, `--> id` and `COMMIT` lines instead
of the classic builder's `Step n/N :` and ` ---> id`.  Writes podman_build_<case>.jsonl.
"""

import json
import tempfile
from pathlib import Path

import docker
from build_cases import CASES

# buildah numbers steps per stage and prefixes them with the stage: "[2/2] STEP 1/3: FROM busybox"
MULTISTAGE = ('ARG WHO=nobody\nFROM busybox AS first\nARG WHO\nRUN echo "hi-$WHO" > /who\n'
              "FROM busybox\nCOPY --from=first /who /who\nRUN cat /who\n")

PODMAN = "unix:///tmp/dockermagic-engine/podman.sock"
TAG = "dm-record/podman-ok:latest"


def main():
    api = docker.APIClient(base_url=PODMAN, version="auto")
    here = Path(__file__).parent
    before = {image["Id"] for image in api.images(all=True)}
    for case, dockerfile in {**CASES, "multistage": MULTISTAGE}.items():
        with tempfile.TemporaryDirectory() as ctx:
            Path(ctx, "Dockerfile").write_text(dockerfile)
            tag = TAG if case == "ok" else None
            records = list(api.build(path=ctx, tag=tag, decode=True, rm=True, forcerm=True, nocache=True,
                                     buildargs={"WHO": "world"} if case == "multistage" else None))
            if case == "ok":  # the same build again: every step from cache
                cached = list(api.build(path=ctx, tag=tag, decode=True, rm=True, forcerm=True))
                (here / "podman_build_cached.jsonl").write_text("".join(json.dumps(r) + "\n" for r in cached))
        (here / f"podman_build_{case}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    api.remove_image(TAG, force=True)
    for image in api.images(all=True):  # the first stage's image of the multi-stage case
        if image["Id"] not in before and not [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]:
            api.remove_image(image["Id"], force=True)


if __name__ == "__main__":
    main()
