"""A magic line read as POSIX sh reads a command line: words, quotes and escapes, `$VAR` and
`${VAR:-default}`, `$(...)` and backquotes, pipes, `&&` / `||` / `;` and redirections
(`reader`, `words`); the line run as a shell would run it, its docker commands through
dockermagic itself and the other programs through `/bin/sh` (`runner`, `streams`)."""
