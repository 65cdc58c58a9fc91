"""The project model as Docker Compose v2 loads it: files found and read as compose-go reads YAML,
variables interpolated, `include`, `extends` and `-f` merged, validated against the Compose
Specification's rules, made canonical as `docker compose config` prints it (`load()` in
`loader.py`), printed as v2 prints it (`config.py`), and each service's config hash as v2
computes it (`hash.py`)."""
