"""The application shell outside Jupyter: the `dockermagic` command (`export`, `run`), notebooks read and
written, and headless execution with nbclient."""
