"""Containers: `docker run` and its options, a container's output and terminal, its life after run
(stop, kill, top, stats ...), and the watch that follows it on the engine's events."""
