"""BuildKit's build checks (frontend/dockerfile/linter) on dockermagic's one Dockerfile parse:
the rules with BuildKit's names, descriptions, messages and links, the `# check=` directive and
the `BUILDKIT_DOCKERFILE_CHECK` build arg, a `CheckReport` for the views."""
