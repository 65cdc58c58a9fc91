"""Swarm results as the docker CLI's text and as HTML: the swarm, nodes and the cluster picture,
services converging, tasks, secrets, configs."""
