"""Swarm's views: services converging, the cluster's nodes and tasks."""
