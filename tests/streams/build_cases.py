"""The Dockerfiles behind the build-stream tests: built live on the Docker Engine by
tests/test_build_stream.py, and through Podman's API by record_podman.py (whose recordings
tests/test_podman_stream.py reads)."""

CASES = {
    "ok": 'FROM busybox\nRUN echo hello && echo "<b>to stderr</b>" >&2\nRUN printf "\\033[31mred\\033[0m\\nno newline"\nCMD ["sh"]\n',
    "fail_run": "FROM busybox\nRUN echo about to fail; exit 3\n",
    "fail_copy": "FROM busybox\nCOPY missing.txt /x\n",
}
