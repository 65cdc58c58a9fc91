"""A Dockerfile as BuildKit reads it: a port of BuildKit's `frontend/dockerfile` parser, line
parsers, instruction checks and shell lexer, with the parsed model the build and `%%dockerfile` share."""
