"""Output a `--format` template made, or `-q`'s ids: the text as a terminal shows it."""

from __future__ import annotations

from .markup import PRE, esc


def formatted_bundle(result) -> dict:
    return {"text/plain": result.text.rstrip("\n"), "text/html": f'<pre style="{PRE}">{esc(result.text)}</pre>'}
