"""Magics: the doors. Each parses its line, calls one core function, hands the events to a view and
returns the result."""
