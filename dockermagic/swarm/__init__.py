"""Swarm mode on the Engine API: the cluster, its nodes, services and their tasks, secrets and configs."""
