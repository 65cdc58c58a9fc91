"""How long one parse of each corpus Dockerfile takes (best of several runs); the bound is 5 ms.

    PYTHONPATH=$PWD python bench/bench_dockerfile.py [CORPUS]   # default ../shared/corpus
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from dockermagic.dockerfile import parse
from dockermagic.errors import DockerfileError

BOUND_MS = 5.0
RUNS = 7


def best_ms(text: str) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        try:
            parse(text)
        except DockerfileError:
            pass
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main(argv: list[str]) -> int:
    corpus = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus")
    files = sorted(corpus.glob("dockerfiles/*/*/Dockerfile")) + sorted(corpus.glob("buildkit-parser-testfiles/*/Dockerfile"))
    if not files:
        print(f"no Dockerfiles under {corpus}", file=sys.stderr)
        return 2
    times = sorted((best_ms(path.read_text(encoding="utf-8")), path) for path in files)
    slowest, path = times[-1]
    median = times[len(times) // 2][0]
    print(f"{len(files)} Dockerfiles: median {median:.2f} ms, slowest {slowest:.2f} ms "
          f"({path.relative_to(corpus)}, {path.stat().st_size} bytes); bound {BOUND_MS} ms")
    return 0 if slowest < BOUND_MS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
