"""The image-reference grammar (distribution/reference): ASCII, as the docker CLI's (no engine needed)."""

import pytest

from dockermagic.errors import InvalidInput
from dockermagic.opts import reference


@pytest.mark.parametrize("text, parts", [
    ("busybox", (None, "busybox", None, None)),
    ("me/app:1.0_rc-2", (None, "me/app", "1.0_rc-2", None)),
    ("localhost:5000/me/app:1", ("localhost:5000", "me/app", "1", None)),
    ("Registry.Example.com/a__b/c-d:_x", ("Registry.Example.com", "a__b/c-d", "_x", None)),
    ("app@sha256:" + "a" * 64, (None, "app", None, "sha256:" + "a" * 64)),
])
def test_accepted(text, parts):
    ref = reference.parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == parts and str(ref) == text


@pytest.mark.parametrize("text", [
    "me/app:café", "mé/app", "me/app:１", "ｍe/app", "regístry.example.com/app", "me/app:-x", "me/app:" + "x" * 129,
    "Me/App", "me//app", "me/app:", "",
])
def test_refused_as_the_cli_refuses(text):
    with pytest.raises(InvalidInput, match="invalid reference format"):
        reference.parse(text, "-t")
