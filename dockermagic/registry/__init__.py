"""Registries: logins kept where `docker login` keeps them, and push and pull read into per-layer
transfers."""
