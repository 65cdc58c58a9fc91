"""`%docker compose` and `%%compose`: the subcommands with Docker Compose v2's flags, one module per group."""
