"""Swarm mode through the Engine API: the swarm itself (init, join, tokens, leave, update,
unlock, CA), its nodes, secrets and configs, and the tasks the nodes run -- as plain results,
interchangeable with what the docker CLI makes and manages on the same manager."""
