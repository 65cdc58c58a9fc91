"""Compose's views: the stack's live rows, the services' logs, the project's diagram."""
