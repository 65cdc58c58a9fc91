"""Returned objects show themselves once: the live view already shows a magic's result in
its own cell, so IPython's displayhook must not show it a second time there."""

from __future__ import annotations


class ShownOnce:
    """Mixin for results: `_repr_mimebundle_` gives the snapshot; inside the cell whose live
    view showed it (`_shown_in` is that cell's execution count) displaying it is a no-op."""

    _shown_in = None

    def _ipython_display_(self):
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        if shell is not None and self._shown_in is not None and self._shown_in == shell.execution_count:
            if getattr(self, "_shown_as", None) == "text":
                print(repr(self))  # the terminal's Out[n]: a one-line summary, not the log again
            return
        display(self._repr_mimebundle_(), raw=True)
