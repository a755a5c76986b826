"""Webhook fixtures: the outbound client allowed to reach local receivers, subscriptions, delivery."""

from __future__ import annotations

import pytest

from coalition.extensions import db
from coalition.webhooks.dispatch import fan_out
from coalition.webhooks.operations import create_subscription
from coalition.webhooks.pump import pump
from tests.receivers import Receiver


@pytest.fixture
def local_receivers(configure):
    """Local http:// receivers may be reached (as OUTBOUND_ALLOW_PRIVATE=true allows)."""
    configure(outbound_allow_private=True, outbound_timeout=5.0)


@pytest.fixture
def receiver(local_receivers):
    with Receiver() as running:
        yield running


def subscribe(organization, url, events=("*",), campaign=None):
    subscription, secret = create_subscription(organization.id, url=url, events=list(events),
                                               campaign=campaign)
    db.session.commit()
    return subscription, secret


def deliver(clock=None, budget: float = 30) -> dict:
    """What the worker does: fan the outbox out, then deliver what is due."""
    while fan_out(**({"now": clock()} if clock else {})):
        db.commit()
    return pump(budget=budget, **({"clock": clock} if clock else {}))
