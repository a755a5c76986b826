"""The pump against endpoints that fail without answering: a dead endpoint gets one probe while its
circuit is open, a hanging one holds one slot, a refused address is never connected to."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from coalition.db import utcnow
from coalition.outbox import record_event
from coalition.webhooks import pump
from coalition.webhooks.delivery import next_due
from coalition.webhooks.models import WebhookDelivery
from tests.receivers import Answer, Receiver
from tests.webhooks.conftest import deliver, subscribe

pytestmark = pytest.mark.usefixtures("db_session")


def announce(count: int) -> None:
    for number in range(count):
        record_event("material.created", {"campaign": "c", "material": str(number), "slug": "s",
                                          "kind": "leaflet", "revision": 1})


def attempts_of(db_session, subscription) -> list[int]:
    return sorted(d.attempt for d in db_session.scalars(
        select(WebhookDelivery).filter_by(subscription_id=subscription.id).execution_options(populate_existing=True)))


def test_a_dead_endpoint_gets_one_probe_until_its_circuit_closes(member, db_session, local_receivers):
    dead = [True]
    with Receiver(lambda request: None if dead[0] else Answer(204, b"")) as failing, Receiver() as healthy:
        broken, _secret = subscribe(member, failing.url())
        subscribe(member, healthy.url())
        announce(10)
        db_session.commit()
        deliver(budget=2)
        assert len(healthy.received) == 10
        # One attempt found the endpoint dead; its nine other deliveries were not tried.
        assert len(failing.received) == 1
        assert attempts_of(db_session, broken) == [0] * 9 + [1]
        # The worker's next sweep is planned for when the circuit lets a probe through, not at once.
        assert next_due(pump.held_endpoints()) > utcnow() + timedelta(seconds=pump.CIRCUIT_FIRST - 1)
        pump._circuits[broken.id].open_until = 0  # the circuit's first pause has passed
        deliver(budget=2)
        assert len(failing.received) == 2
        assert pump._circuits[broken.id].failures == 2  # open again, for twice as long
        dead[0] = False
        pump._circuits[broken.id].open_until = 0
        deliver(budget=2)
        # The probe was answered: the circuit closed and the eight never tried went out; the two
        # that failed wait for their retry.
        assert broken.id not in pump._circuits
        assert len(failing.received) == 2 + 8
        assert attempts_of(db_session, broken) == [1] * 10
        assert len(db_session.scalars(select(WebhookDelivery).filter_by(
            subscription_id=broken.id, status="pending")).all()) == 2


def test_an_endpoint_that_never_answers_holds_one_request_and_delays_no_other(
        member, db_session, configure):
    configure(outbound_allow_private=True, outbound_timeout=2.0, webhook_concurrency=16)
    with Receiver(lambda request: Answer(204, b"", delay=6)) as hanging, Receiver() as fast_a, Receiver() as fast_b:
        subscribe(member, hanging.url())
        for fast in (fast_a, fast_b):
            subscribe(member, fast.url())
        announce(40)
        db_session.commit()
        started = time.monotonic()
        outcome = deliver(budget=3)
        for fast in (fast_a, fast_b):
            assert len(fast.received) == 40
            # All there before the hanging request even timed out (after 2 s, at most 4 s).
            assert max(r.at for r in fast.received) - started < 2
        assert len(hanging.received) == 1
        assert outcome == {"attempts": 81, "succeeded": 80}
    error = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.attempt == 1,
                                                             WebhookDelivery.status == "pending")).one().error
    assert error.startswith("timeout")


def test_a_subscription_whose_address_is_refused_is_never_connected_to(member, db_session, configure):
    configure(outbound_allow_private=True)
    with Receiver() as inside:
        url = inside.url().replace("http://", "https://")
        subscribe(member, url)
        announce(1)
        db_session.commit()
        configure(outbound_allow_private=False)
        assert deliver() == {"attempts": 1, "succeeded": 0}
        assert inside.received == []
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempt) == ("pending", 1)
    assert delivery.error.startswith("refused_destination") and "loopback" in delivery.error
