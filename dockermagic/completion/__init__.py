"""Tab completion that knows Docker, for every frontend IPython serves (JupyterLab, Notebook 7,
VS Code, the terminal): the words of a `%docker` line (subcommands at every level, each
command's options from its own parser, option values), the engine's objects as the docker
CLI completes them (containers by state, images, networks, volumes, nodes, services), and the
words of `%%dockerfile` and `%%compose` cells.  Nothing here imports IPython: the matcher in
`magics/completion.py` hands in the parsers and the text, and gets back candidates."""
