"""Helpers for campaign tests: a live ECI campaign, tokens of a coordinator and a member."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


@pytest.fixture
def coordinator_headers(auth_headers, coordinator):
    return auth_headers(coordinator, "admin campaigns:read signatures:write")


@pytest.fixture
def member_headers(auth_headers, member):
    return auth_headers(member, "campaigns:read signatures:write")


def report(country="DE", count=100, mode="delta", channel="online", as_of="2026-03-01T12:00:00Z", **extra):
    return {"country": country, "channel": channel, "mode": mode, "count": count, "as_of": as_of, **extra}
