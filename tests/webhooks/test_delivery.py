"""Signed delivery to real local receivers: signatures, retries, 410, disabling, rotation, isolation."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from coalition.db import utcnow
from coalition.outbox import OutboxEvent, record_event
from coalition.webhooks.delivery import MAX_ATTEMPTS, RETRY_DELAYS, retry_delay, signed_headers
from coalition.webhooks.dispatch import purge_old
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription
from coalition.webhooks.operations import rotate_secret
from tests import factories
from tests.receivers import Answer, Receiver
from tests.webhooks.conftest import deliver, subscribe

pytestmark = pytest.mark.usefixtures("db_session")


class Clock:
    """A clock the test moves forward, to reach retries without waiting hours."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def verified(secret: str, request) -> dict:
    """The payload, as a receiver gets it after `standardwebhooks`' own verification."""
    return Webhook(secret).verify(request.body, request.headers)


def test_the_published_test_vector_signs_as_the_library_says():
    moment = datetime.fromtimestamp(1614265330, UTC)
    headers = signed_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", '{"test": 2432232314}',
                             ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], moment)
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"


def test_a_report_reaches_the_receiver_signed_and_verifiable(client, receiver, auth_headers, member):
    campaign = factories.make_campaign()
    _subscription, secret = subscribe(member, receiver.url())
    headers = auth_headers(member, "signatures:write")
    posted = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
        "country": "DE", "channel": "paper", "mode": "total", "count": 1234, "as_of": "2026-03-01T12:00:00Z"})
    assert posted.status_code == 201
    assert deliver() == {"attempts": 1, "succeeded": 1}
    [request] = receiver.received
    payload = verified(secret, request)
    assert payload["type"] == "signatures.reported" and payload["timestamp"].endswith("Z")
    assert payload["data"] == {"campaign": campaign.slug, "organization": member.slug,
                               "figures": [{"country": "DE", "channel": "paper", "count": 1234}]}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"]


def test_a_delta_announces_its_new_figure_once_however_it_was_written(client, auth_headers, member, db_session):
    """On PostgreSQL a plain delta writes its event in the statement that takes it; one further
    back in time, or refused, goes the general way: the same event, once, or none."""
    campaign = factories.make_campaign()
    headers = auth_headers(member, "signatures:write")
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    for count, as_of in ((5, "2026-03-02T12:00:00Z"), (7, "2026-03-01T12:00:00Z")):
        assert client.post(url, headers=headers, json={"country": "DE", "channel": "online", "mode": "delta",
                                                       "count": count, "as_of": as_of}).status_code == 201
    assert client.post(url, headers=headers, json={"country": "DE", "channel": "online", "mode": "delta",
                                                   "count": 1, "as_of": "2027-06-01T12:00:00Z"}).status_code == 422
    events = db_session.scalars(select(OutboxEvent).filter_by(kind="signatures.reported")
                                .order_by(OutboxEvent.created_date)).all()
    assert [event.payload for event in events] == [
        {"campaign": campaign.slug, "organization": member.slug,
         "figures": [{"country": "DE", "channel": "online", "count": figure}]} for figure in (5, 12)]
    assert all(event.dispatched_date is None for event in events)


def test_retries_keep_the_webhook_id_and_body(receiver, member, db_session):
    answers = iter([Answer(500), Answer(503, headers={"Retry-After": "120"}), Answer(204)])
    receiver.answer = lambda request: next(answers)
    subscription, secret = subscribe(member, receiver.url())
    record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    clock = Clock()
    deliver(clock)
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempt, delivery.status_code) == ("pending", 1, 500)
    wait = (delivery.next_attempt_date - clock.now).total_seconds()
    assert RETRY_DELAYS[0] * 0.9 <= wait <= RETRY_DELAYS[0] * 1.1
    assert deliver(clock) == {"attempts": 0, "succeeded": 0}  # not due yet
    clock.advance(6)
    deliver(clock)
    db_session.refresh(delivery)
    assert delivery.status_code == 503
    assert (delivery.next_attempt_date - clock.now).total_seconds() == pytest.approx(120)
    clock.advance(121)
    deliver(clock)
    db_session.refresh(delivery)
    assert (delivery.status, delivery.attempt, delivery.status_code) == ("succeeded", 3, 204)
    ids = {request.headers["webhook-id"] for request in receiver.received}
    bodies = {request.body for request in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1 and len(bodies) == 1
    assert ids == {delivery.event_id}
    for request in receiver.received:
        verified(secret, request)


def test_the_retry_schedule_backs_off_and_ends():
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)]
    for delay, planned in zip(delays, (5, 300, 1800, 7200, 18000, 36000, 36000)):
        assert planned * 0.9 <= delay <= planned * 1.1
    assert retry_delay(MAX_ATTEMPTS) is None


def test_410_disables_at_once_and_the_other_subscriptions_hear_of_it(member, db_session, local_receivers):
    with Receiver(lambda request: Answer(410)) as gone, Receiver() as other:
        dead, _secret = subscribe(member, gone.url())
        _alive, other_secret = subscribe(member, other.url(), events=["webhook.disabled"])
        record_event("material.created", {"campaign": "c", "material": "m", "slug": "s", "kind": "leaflet",
                                          "revision": 1})
        db_session.commit()
        deliver()
        db_session.refresh(dead)
        assert (dead.status, dead.disabled_reason) == ("disabled", "gone")
        deliver()
        [notice] = other.received
        assert verified(other_secret, notice)["data"] == {
            "organization": member.slug, "subscription": dead.id, "reason": "gone"}
        assert len(gone.received) == 1


def test_after_the_last_failed_attempt_the_subscription_is_disabled(receiver, member, db_session):
    receiver.answer = lambda request: Answer(500)
    subscription, _secret = subscribe(member, receiver.url())
    record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    clock = Clock()
    for _attempt in range(MAX_ATTEMPTS):
        deliver(clock)
        clock.advance(RETRY_DELAYS[-1] * 1.2)
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempt) == ("failed", MAX_ATTEMPTS)
    db_session.refresh(subscription)
    assert (subscription.status, subscription.disabled_reason) == ("disabled", "failing")
    assert len(receiver.received) == MAX_ATTEMPTS
    assert db_session.scalars(select(OutboxEvent).filter_by(kind="webhook.disabled")).one()


def test_failures_of_every_kind_are_logged_attempts(member, db_session, configure, local_receivers):
    configure(outbound_allow_private=True, outbound_timeout=0.5)
    with Receiver(lambda request: Answer(200, b"x" * 300_000)) as huge, \
            Receiver(lambda request: Answer(302, headers={"Location": "http://127.0.0.1:1/"})) as moved, \
            Receiver(lambda request: Answer(200, delay=2)) as slow, \
            Receiver(lambda request: None) as reset:
        for running in (huge, moved, slow, reset):
            subscribe(member, running.url())
        record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
        db_session.commit()
        assert deliver() == {"attempts": 4, "succeeded": 0}
    outcomes = {d.subscription_id: d
                for d in db_session.scalars(select(WebhookDelivery))}
    assert all(d.status == "pending" and d.attempt == 1 and d.next_attempt_date for d in outcomes.values())
    errors = {(d.status_code, (d.error or "").split(":")[0]) for d in outcomes.values()}
    assert (302, "") in errors
    assert (None, "response_too_large") in errors and (None, "timeout") in errors


def test_a_slow_endpoint_never_holds_up_the_others(member, db_session, configure):
    configure(outbound_allow_private=True, outbound_timeout=5.0, webhook_concurrency=8,
              webhook_endpoint_concurrency=2)
    with Receiver(lambda request: Answer(200, delay=3)) as slow, Receiver() as fast_a, Receiver() as fast_b:
        for running in (slow, fast_a, fast_b):
            subscribe(member, running.url())
        for number in range(20):
            record_event("material.created", {"campaign": "c", "material": str(number), "slug": "s",
                                              "kind": "leaflet", "revision": 1})
        db_session.commit()
        started = time.monotonic()
        # Claiming stops after two seconds (ample on a loaded machine: about 0.15 s on a quiet
        # one); what is in flight then is finished.
        deliver(budget=2)
        for fast in (fast_a, fast_b):
            assert len(fast.received) == 20
            # The healthy endpoints had everything before the slow one's first answer, while it
            # held one request for 3 s: until an endpoint answers, it gets one slot, not its share.
            assert max(r.at for r in fast.received) - started < 2.5
        assert len(slow.received) == 1


def test_during_a_rotation_both_secrets_sign(receiver, member, db_session):
    subscription, old_secret = subscribe(member, receiver.url())
    new_secret = rotate_secret(subscription)
    record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    deliver()
    [request] = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verified(old_secret, request) == verified(new_secret, request)
    subscription.previous_secret_expires = utcnow() - timedelta(seconds=1)
    record_event("campaign.status_changed", {"campaign": "c", "status": "closed", "previous_status": "live"})
    db_session.commit()
    deliver()
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    verified(new_secret, later)
    with pytest.raises(Exception, match="No matching signature"):
        verified(old_secret, later)


def test_a_member_hears_of_its_own_reports_only_and_coordinators_of_all(
        client, auth_headers, member, coordinator, local_receivers, db_session):
    campaign = factories.make_campaign()
    other = factories.make_organization()
    with Receiver() as own, Receiver() as others, Receiver() as lead:
        subscribe(member, own.url())
        subscribe(other, others.url())
        subscribe(coordinator, lead.url())
        headers = auth_headers(member, "signatures:write")
        client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
            "country": "DE", "channel": "online", "mode": "delta", "count": 5, "as_of": "2026-03-01T12:00:00Z"})
        deliver()
        kinds = {name: [json.loads(r.body)["type"] for r in running.received]
                 for name, running in (("own", own), ("others", others), ("lead", lead))}
    assert kinds == {"own": ["signatures.reported"], "others": [], "lead": ["signatures.reported"]}


def test_a_campaign_filter_and_event_filter_narrow_what_arrives(receiver, member, db_session):
    campaign = factories.make_campaign()
    subscribe(member, receiver.url(), events=["material.created"], campaign=campaign.slug)
    record_event("material.created", {"campaign": "elsewhere", "material": "1", "slug": "a", "kind": "faq",
                                      "revision": 1})
    record_event("material.revised", {"campaign": campaign.slug, "material": "2", "slug": "b", "kind": "faq",
                                      "revision": 2})
    record_event("material.created", {"campaign": campaign.slug, "material": "3", "slug": "c", "kind": "faq",
                                      "revision": 1})
    db_session.commit()
    deliver()
    assert [json.loads(r.body)["data"]["material"] for r in receiver.received] == ["3"]


def test_ping_reaches_only_its_subscription(client, auth_headers, member, local_receivers):
    with Receiver() as pinged, Receiver() as quiet:
        subscription, secret = subscribe(member, pinged.url(), events=["signatures.reported"])
        subscribe(member, quiet.url())
        headers = auth_headers(member, "webhooks:manage")
        assert client.post(f"/api/v1/webhooks/{subscription.id}/ping", headers=headers).status_code == 202
        deliver()
        assert [verified(secret, r)["type"] for r in pinged.received] == ["webhook.ping"]
        assert quiet.received == []


def test_the_delivery_log_and_redeliver(client, auth_headers, receiver, member, db_session):
    receiver.answer = lambda request: Answer(500)
    subscription, _secret = subscribe(member, receiver.url())
    record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    deliver()
    headers = auth_headers(member, "webhooks:manage")
    log = client.get(f"/api/v1/webhooks/{subscription.id}/deliveries", headers=headers).get_json()
    [entry] = log["items"]
    assert (entry["event_type"], entry["attempt"], entry["status_code"], entry["status"]) == (
        "campaign.status_changed", 1, 500, "pending")
    assert entry["next_attempt_date"] and entry["duration_ms"] is not None
    receiver.answer = lambda request: Answer(200)
    again = client.post(f"/api/v1/webhooks/{subscription.id}/deliveries/{entry['id']}/redeliver", headers=headers)
    assert again.status_code == 202
    deliver()
    assert [r.headers["webhook-id"] for r in receiver.received] == [entry["event_id"]] * 2
    assert client.get(f"/api/v1/webhooks/{subscription.id}/deliveries",
                      headers=headers).get_json()["items"][0]["status"] == "succeeded"


def test_a_second_fan_out_sends_nothing_twice(receiver, member, db_session):
    subscribe(member, receiver.url())
    event = record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    deliver()
    # As if the worker died after delivering, before recording the fan-out.
    db_session.execute(update(OutboxEvent).where(OutboxEvent.id == event.id).values(dispatched_date=None))
    db_session.commit()
    deliver()
    assert len(receiver.received) == 1


def test_housekeeping_purges_old_deliveries_and_events(receiver, member, db_session):
    subscribe(member, receiver.url())
    record_event("campaign.status_changed", {"campaign": "c", "status": "live", "previous_status": "draft"})
    db_session.commit()
    deliver()
    assert purge_old(30) == {"webhook_deliveries": 0, "outbox_events": 0}
    later = utcnow() + timedelta(days=31)
    assert purge_old(30, now=later) == {"webhook_deliveries": 1, "outbox_events": 1}
    assert db_session.scalars(select(WebhookSubscription)).one()
