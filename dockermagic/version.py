"""dockermagic's version: what `%docker_version` and `dockermagic --version` say."""

__version__ = "0.1.0"
