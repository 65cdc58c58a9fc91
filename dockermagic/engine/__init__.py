"""The engine: finding it as the docker CLI does (flags, `DOCKER_HOST`, contexts, the docker config
folder), one connection per endpoint, the one adapter past docker-py's public API, what the engine
says of itself, and the watchdog that cuts a stream whose engine stopped answering."""
