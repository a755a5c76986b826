"""Delivery through the real worker and Redis: nothing lost while Redis is down, a killed worker's
delivery sent again with the same webhook-id. Needs PostgreSQL (several processes, real commits)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from coalition.auth.operations import create_client
from coalition.extensions import db
from coalition.jobs import run_worker
from coalition.outbox import OutboxEvent, record_event
from coalition.webhooks.models import WebhookDelivery
from coalition.webhooks.operations import create_subscription
from coalition.webhooks.tasks import dispatch_events
from tests import factories
from tests.conftest import BACKENDS, make_test_app, obtain_token
from tests.receivers import Answer, Receiver

pytestmark = [pytest.mark.postgres_only, pytest.mark.redis]

@pytest.fixture
def worker_app(app, committed_db, own_redis, tmp_path):
    """An app as production runs it: Redis, the worker's queue, dispatch after commit."""
    worker = make_test_app("postgresql", redis_url=own_redis.url, dispatch_events=True,
                           outbound_allow_private=True, outbound_timeout=4.0, instance_path=tmp_path)
    with worker.app_context():
        yield worker
    db.session.remove()


def test_reports_made_while_redis_is_down_are_delivered_once_it_returns(worker_app, own_redis):
    with Receiver() as receiver:
        member = factories.make_organization()
        campaign = factories.make_campaign()
        _subscription, secret = create_subscription(member.id, url=receiver.url(), events=["signatures.reported"])
        oauth_client, client_secret = create_client(member, "portal", ["signatures:write"])
        db.commit()
        http = worker_app.test_client()
        token = obtain_token(http, oauth_client.client_id, client_secret)
        own_redis.stop()
        answer = http.post(f"/api/v1/campaigns/{campaign.slug}/signatures",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"country": "FR", "channel": "online", "mode": "total", "count": 77,
                                 "as_of": "2026-03-01T12:00:00Z"})
        assert answer.status_code == 201, answer.get_json()
        assert db.session.scalars(select(OutboxEvent).filter_by(kind="signatures.reported")).one()
        own_redis.start()
        run_worker(worker_app, burst=True)
        [request] = receiver.wait_for(1)
    assert Webhook(secret).verify(request.body, request.headers)["data"]["figures"] == [
        {"country": "FR", "channel": "online", "count": 77}]


def test_a_delivery_of_a_killed_worker_is_sent_again_with_the_same_webhook_id(worker_app, own_redis, tmp_path):
    first = []

    def hold_the_first(request):
        if not first:
            first.append(request)
            return Answer(200, delay=30)
        return Answer(200)

    with Receiver(hold_the_first) as receiver:
        member = factories.make_organization()
        _subscription, secret = create_subscription(member.id, url=receiver.url(), events=["*"])
        db.commit()
        event = record_event("campaign.status_changed", {"campaign": "c", "status": "live",
                                                         "previous_status": "draft"})
        db.session.commit()  # committed without a kick: the worker finds it when it starts
        config = worker_app.extensions["coalition.config"]
        environment = {**os.environ, "DATABASE_URL": BACKENDS["postgresql"]["database_url"],
                       "REDIS_URL": own_redis.url, "OUTBOUND_ALLOW_PRIVATE": "true", "OUTBOUND_TIMEOUT": "4",
                       "ENCRYPTION_KEYS": ",".join(config.encryption_keys), "SECRET_KEY": config.secret_key,
                       "INSTANCE_PATH": str(tmp_path), "RATELIMIT_ENABLED": "false"}
        worker = subprocess.Popen([str(Path(sys.executable).parent / "coalition"), "worker"], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert len(receiver.wait_for(1, timeout=30)) == 1
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        deadline = time.monotonic() + 30
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            dispatch_events()
            time.sleep(0.5)
        requests = receiver.received
    assert len(requests) == 2
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"] == event.id
    Webhook(secret).verify(requests[1].body, requests[1].headers)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert delivery.status == "succeeded"
