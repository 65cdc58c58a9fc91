"""Record the engine's build streams used by test_build_stream.py.

    python tests/streams/record_build.py      # needs a running engine with busybox:latest

Each case builds a small context with docker-py and writes the raw records, one JSON object
a line, to build_<case>.jsonl beside this file.
"""

import json
import tempfile
from pathlib import Path

import docker

CASES = {
    "ok": 'FROM busybox\nRUN echo hello && echo "<b>to stderr</b>" >&2\nRUN printf "\\033[31mred\\033[0m\\nno newline"\nCMD ["sh"]\n',
    "fail_run": "FROM busybox\nRUN echo about to fail; exit 3\n",
    "fail_copy": "FROM busybox\nCOPY missing.txt /x\n",
}


def main():
    api = docker.APIClient(version="auto")
    here = Path(__file__).parent
    for case, dockerfile in CASES.items():
        with tempfile.TemporaryDirectory() as ctx:
            Path(ctx, "Dockerfile").write_text(dockerfile)
            records = list(api.build(path=ctx, decode=True, rm=True, forcerm=True, nocache=True))
            if case == "ok":  # the same build again: every step from cache
                cached = list(api.build(path=ctx, decode=True, rm=True, forcerm=True))
                (here / "build_cached.jsonl").write_text("".join(json.dumps(r) + "\n" for r in cached))
                image = records[-3]["aux"]["ID"] if "aux" in records[-3] else None
        (here / f"build_{case}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        if case == "ok" and image:
            api.remove_image(image, force=True)


if __name__ == "__main__":
    main()
