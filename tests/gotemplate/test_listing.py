"""The listings `ps`, `images`, `volume ls`, `context ls` and `network ls` return: one base gives
them `len()`, iteration and `.names` over their rows; their fields and reprs are their own."""

from __future__ import annotations

from dataclasses import fields

import pytest

from dockermagic.containers.containers import ContainerList
from dockermagic.engine.contexts import Context
from dockermagic.engine.info import ContextList
from dockermagic.gotemplate.formats import Listing
from dockermagic.images.images import ImageList, ImageRow
from dockermagic.resources.networks import NetworkList, NetworkRow
from dockermagic.resources.volumes import Volume, VolumeList


def _network(name: str) -> NetworkRow:
    return NetworkRow("0123456789ab", name, "bridge", "local", "true", "false", "false", "", "", {"a": "1"})


LISTINGS = [
    (ContainerList([{"Names": ["/web"], "Id": "c1"}, {"Names": None, "Id": "c2"}], engine="local"),
     ["rows", "size", "no_trunc", "engine"], ["web", "?"], "<ContainerList 2 containers: web, ?>"),
    (ImageList([ImageRow("busybox", "latest", "sha256:" + "a" * 64, 0, 1)]),
     ["rows", "engine"], ["busybox:latest"], "<ImageList 1 image: busybox:latest>"),
    (VolumeList([Volume("v1"), Volume("v2")]), ["volumes"], ["v1", "v2"], "<VolumeList 2 volumes: v1, v2>"),
    (ContextList([Context("default", "unix:///var/run/docker.sock"), Context("other", "tcp://h:2376")], "other", "DOCKER_CONTEXT"),
     ["contexts", "current", "why"], ["default", "other"], "<ContextList default, other * (* in use: DOCKER_CONTEXT)>"),
    (NetworkList([_network("bridge")], "local"), ["rows", "label"], ["bridge"],
     "NetworkList(rows=[NetworkRow(ID='0123456789ab', Name='bridge', Driver='bridge', Scope='local', IPv4='true', "
     "IPv6='false', Internal='false', Labels='', CreatedAt='')], label='local')"),
]


@pytest.mark.parametrize("listed, names, rows, text", LISTINGS, ids=lambda x: type(x).__name__ if hasattr(x, "names") else "")
def test_every_listing_counts_iterates_and_names_its_rows_through_one_base(listed, names, rows, text):
    assert isinstance(listed, Listing)
    assert [f.name for f in fields(listed)] == names
    held = getattr(listed, names[0])
    assert list(listed) == held and len(listed) == len(held) and bool(listed)
    assert listed.names == rows
    assert repr(listed) == text


def test_an_empty_listing_is_false_and_names_nothing():
    for empty in (ContainerList([]), ImageList([]), VolumeList([]), ContextList([], "default", ""), NetworkList([])):
        assert not empty and len(empty) == 0 and list(empty) == [] and empty.names == []
