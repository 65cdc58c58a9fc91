"""Swarm results as the docker CLI's text and as HTML: nodes, the cluster picture, secrets, configs, the swarm."""
