"""Views: each result rendered as a live widget, a static HTML snapshot and plain text, from the
same events. Views never call the engine and never change a result."""
