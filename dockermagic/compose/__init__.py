"""Compose on the Engine API: the project model as Docker Compose v2 loads it (files, variables,
`extends`, `include`, profiles, the canonical model `docker compose config` prints), and the
project run on an engine with v2's names and labels (`up`, `down`, `ps`, `logs` ...), so that
dockermagic and Compose v2 manage the same containers interchangeably."""
