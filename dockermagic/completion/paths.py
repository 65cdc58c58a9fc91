"""Files and folders for a value being typed (`-f`, `--env-file`, `--secret src=`, a build
context), as a shell completes them: relative to the working folder, `~` expanded, folders
with a trailing `/`, hidden entries only when the fragment asks for them."""

from __future__ import annotations

import os

from .candidates import Candidate

LIMIT = 500  # entries read from one folder: a huge folder must not hold up Tab


def paths(fragment: str, cwd: str, folders_only: bool = False) -> list[Candidate]:
    folder, _, start = fragment.rpartition("/")
    prefix = f"{folder}/" if "/" in fragment else ""
    where = os.path.join(cwd, os.path.expanduser(prefix or "."))
    found = []
    try:
        with os.scandir(where) as entries:
            for count, entry in enumerate(entries):
                if count >= LIMIT:
                    break
                if not entry.name.startswith(start) or (entry.name.startswith(".") and not start.startswith(".")):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue
                if is_dir:
                    found.append(Candidate(f"{prefix}{entry.name}/", "folder"))
                elif not folders_only:
                    found.append(Candidate(f"{prefix}{entry.name}", "file"))
    except OSError:
        return []
    return sorted(found, key=lambda c: c.text)
