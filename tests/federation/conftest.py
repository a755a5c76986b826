"""Federation fixtures: other instances on their own databases, and this one with a PUBLIC_URL."""

from __future__ import annotations

import pytest

from tests.federation.instances import Instance

OWN_URL = "https://at.coalition.test"


@pytest.fixture
def instances(tmp_path):
    """`instances(name)` → a running Instance; all are stopped after the test."""
    started: list[Instance] = []

    def start(name: str) -> Instance:
        instance = Instance(tmp_path, name)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture
def federating(configure):
    """This instance named by PUBLIC_URL and allowed to reach the local instances."""
    configure(public_url=OWN_URL, public_url_configured=True, outbound_allow_private=True, outbound_timeout=3.0)
