"""Swarm mode through the Engine API: the swarm itself (init, join, tokens, leave, update,
unlock, CA), its nodes, services and their tasks (convergence too), secrets and configs -- as
plain results, interchangeable with what the docker CLI makes and manages on the same manager."""
