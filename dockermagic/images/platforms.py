"""`--platform` as the docker CLI and the engine read it (containerd's platform specifiers:
`os`, `arch`, `os/arch`, `os/arch/variant`), and the API version an option needs.

A specifier is checked here, before anything is sent, with containerd's rules and words; the
engine gets it as typed (it normalizes it itself), and a result reads back what the engine made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

_COMPONENT = re.compile(r"^[A-Za-z0-9_-]+$")
KNOWN_OS = frozenset("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
                     "solaris wasip1 windows zos".split())
KNOWN_ARCH = frozenset("386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le "
                       "mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split())
_ARCH_ALIASES = {"i386": ("386", ""), "x86_64": ("amd64", ""), "x86-64": ("amd64", ""), "aarch64": ("arm64", ""),
                 "armhf": ("arm", "v7"), "armel": ("arm", "v6")}


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        return "/".join(part for part in (self.os, self.architecture, self.variant) if part)

    def engine_json(self) -> dict:
        """The OCI platform object newer engine APIs take (history, image removal)."""
        found = {"os": self.os, "architecture": self.architecture}
        if self.variant:
            found["variant"] = self.variant
        return found


def parse(spec: str, option: str = "--platform") -> Platform:
    """One platform specifier, normalized as containerd normalizes it; a bad one is `InvalidInput`."""
    text = (spec or "").strip()
    if not text:
        raise InvalidInput(f"{option} needs a platform, e.g. linux/amd64")
    if "," in text:
        raise InvalidInput(f"{option} {text}: this command takes one platform, not a list")
    parts = text.split("/")
    for part in parts:
        if not _COMPONENT.match(part):
            raise InvalidInput(f'{option} {text}: "{part}" is an invalid component of "{text}": platform specifier '
                               f'component must match "^[A-Za-z0-9_-]+$"')
    if len(parts) > 3:
        raise InvalidInput(f"{option} {text}: a platform is os[/arch[/variant]], e.g. linux/arm64/v8")
    if len(parts) == 1:
        word = parts[0].lower()
        if word in KNOWN_OS:
            return Platform(word, "amd64")
        arch, variant = _arch(word, "")
        if arch in KNOWN_ARCH:
            return Platform("linux", arch, variant)
        raise InvalidInput(f"{option} {text}: unknown operating system or architecture")
    arch, variant = _arch(parts[1].lower(), parts[2].lower() if len(parts) == 3 else "")
    return Platform(parts[0].lower(), arch, variant)


def _arch(arch: str, variant: str) -> tuple[str, str]:
    if arch in _ARCH_ALIASES:
        arch, implied = _ARCH_ALIASES[arch]
        variant = variant or implied
    if arch == "amd64" and variant == "v1":
        variant = ""
    elif arch == "arm64" and variant in ("8", "v8"):
        variant = ""
    elif arch == "arm":
        variant = {"": "v7", "5": "v5", "6": "v6", "7": "v7", "8": "v8"}.get(variant, variant)
    return arch, variant


def of_image(inspected: dict) -> Platform:
    """The platform an engine says an image is for (`docker image inspect`)."""
    arch, variant = _arch((inspected.get("Architecture") or "").lower(), (inspected.get("Variant") or "").lower())
    return Platform((inspected.get("Os") or "").lower(), arch, variant)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text or "0")[:2])


def require_api(engine, needed: str, flag: str) -> None:
    """The CLI's refusal of a flag its engine's API is too old for, before anything is sent."""
    from ..engine import adapter

    have = adapter.api_version(engine.api)
    if _version(have) < _version(needed):
        raise InvalidInput(f'"{flag}" requires API version {needed}, but the Docker daemon API version is {have}')


def has_api(engine, needed: str) -> bool:
    from ..engine import adapter

    return _version(adapter.api_version(engine.api)) >= _version(needed)
