"""The engine's other resources: networks, volumes, disk usage and prunes, and its events."""
