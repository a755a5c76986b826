"""With Redis down or frozen, committed writes answer as committed and the rest keeps working."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from coalition.db import utcnow
from coalition.extensions import db
from coalition.jobs import make_worker
from coalition.metrics.models import ExportJob, ExportStatus
from tests import factories
from tests.conftest import obtain_token

# A request may wait for one Redis timeout (0.5 s by default), never for a retry loop.
PROMPT = 2.0


@pytest.fixture
def partner(fault_app):
    """A member with a live campaign, a client secret and a token obtained while Redis was up."""
    member = factories.make_organization()
    campaign = factories.make_campaign()
    oauth_client, secret = factories.make_client(member, "campaigns:read signatures:write")
    db.session.commit()
    http = fault_app.test_client()
    token = obtain_token(http, oauth_client.client_id, secret)
    return {"http": http, "campaign": campaign, "client_id": oauth_client.client_id, "secret": secret,
            "headers": {"Authorization": f"Bearer {token}"}}


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _report(partner, count: int):
    return partner["http"].post(
        f"/api/v1/campaigns/{partner['campaign'].slug}/signatures", headers=partner["headers"],
        json={"country": "DE", "channel": "paper", "mode": "delta", "count": count, "as_of": "2026-03-01T12:00:00Z"})


def _everything_but_redis_answers(partner, first_count: int) -> None:
    http, slug = partner["http"], partner["campaign"].slug
    report, took = _timed(lambda: _report(partner, first_count))
    assert report.status_code == 201, report.get_json()
    assert took < PROMPT
    batch, took = _timed(lambda: http.post(
        f"/api/v1/campaigns/{slug}/signatures", headers=partner["headers"],
        json={"reports": [{"country": "FR", "channel": "online", "mode": "total", "count": 7,
                           "as_of": "2026-03-01T12:00:00Z"}]}))
    assert batch.status_code == 201, batch.get_json()
    assert took < PROMPT

    counter, took = _timed(lambda: http.get(f"/api/v1/campaigns/{slug}/counter"))
    assert counter.status_code == 200
    assert counter.get_json()["total"] == first_count + 7  # from the database
    assert took < PROMPT

    token, took = _timed(lambda: http.post(
        "/oauth/token", data={"grant_type": "client_credentials"},
        auth=(partner["client_id"], partner["secret"])))
    assert token.status_code == 200, token.get_json()
    assert took < PROMPT

    export, took = _timed(lambda: http.post("/api/v1/exports", headers=partner["headers"], json={
        "campaign": slug, "dataset": "signatures", "format": "csv"}))
    assert export.status_code == 202, export.get_json()
    assert took < PROMPT


def test_redis_down_reports_counter_and_tokens_still_answer(fault_app, own_redis, partner):
    own_redis.stop()
    _everything_but_redis_answers(partner, 120)


def test_redis_frozen_reports_counter_and_tokens_answer_promptly(fault_app, own_redis, partner):
    own_redis.freeze()
    try:
        _everything_but_redis_answers(partner, 45)
    finally:
        own_redis.thaw()


def test_export_asked_while_redis_is_down_runs_once_it_returns(fault_app, own_redis, monkeypatch):
    # This process tried Redis a moment ago; waiting out the default pause would only slow the test.
    monkeypatch.setattr("coalition.cache.RETRY_AFTER", 0.2)
    coordinator = factories.make_organization(role="coordinator")
    campaign = factories.make_campaign()
    oauth_client, secret = factories.make_client(coordinator, "metrics:read")
    db.session.commit()
    http = fault_app.test_client()
    headers = {"Authorization": f"Bearer {obtain_token(http, oauth_client.client_id, secret)}"}

    own_redis.stop()
    asked, took = _timed(lambda: http.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "csv"}))
    assert asked.status_code == 202, asked.get_json()
    assert took < PROMPT
    export_id = asked.get_json()["id"]
    assert http.get(f"/api/v1/exports/{export_id}", headers=headers).get_json()["status"] == "queued"

    own_redis.start()  # empty: the job never reached it
    time.sleep(0.3)
    # The sweep leaves young exports alone (their job may be on its way): this one is old enough.
    db.session.execute(update(ExportJob).where(ExportJob.id == export_id)
                       .values(created_date=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    make_worker(fault_app).work(burst=True)

    status = http.get(f"/api/v1/exports/{export_id}", headers=headers).get_json()
    assert status["status"] == ExportStatus.FINISHED.value, status
    assert http.get(status["links"]["download"], headers=headers).status_code == 200
