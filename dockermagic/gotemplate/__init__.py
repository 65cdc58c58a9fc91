"""The docker CLI's `--format`: a port of Go's text/template (syntax, execution, fmt and JSON
printing, functions) and the CLI's formatters on top of it (tables, `json`, each command's fields)."""
