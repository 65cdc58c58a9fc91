"""Tab completion's door into IPython: the matcher registered at `%load_ext` (`matcher.py`) and
the command tree read from the magics' own parsers (`tree.py`).  A folder of its own because
it reads the parsers of `magics/compose/` and `magics/swarm/` too, which import `magics/`."""
