"""Downstream: real instances on their own databases receive this instance's snapshots."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from coalition.campaigns.models import SignatureTally
from coalition.db import utcnow
from coalition.extensions import db
from coalition.federation.models import Upstream
from coalition.federation.pushing import push_upstream
from coalition.federation.tasks import sweep_upstreams
from coalition.organizations.operations import get_organization
from tests import factories
from tests.federation.conftest import OWN_URL
from tests.receivers import Answer, Receiver

EU = "ryf-eu"


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin campaigns:read")


@pytest.fixture
def reporter(auth_headers, db_session):
    organization = factories.make_organization("epicenter-works", country="AT")
    return auth_headers(organization, "signatures:write")


@pytest.fixture
def europe(instances):
    """The European instance: its campaign, a hub organization for this instance, a reader."""
    eu = instances("eu")
    eu.setup_campaign(EU)
    eu.hub = eu.hub_credentials("hub-at")
    eu.reader = eu.token(*eu.credentials("lead", "campaigns:read admin metrics:read", role="coordinator"))
    return eu


def report(client, campaign, headers, country="AT", channel="paper", count=100, mode="total",
           as_of="2026-03-01T12:00:00Z"):
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
        "country": country, "channel": channel, "mode": mode, "count": count, "as_of": as_of})
    assert answer.status_code == 201, answer.get_json()


def add_upstream(client, campaign, admin, upstream_url, client_id, secret, upstream_campaign=EU):
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/upstreams", headers=admin, json={
        "url": upstream_url, "campaign": upstream_campaign, "client_id": client_id, "client_secret": secret})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def a_minute_later(upstream_id: str) -> None:
    """Let the once-a-minute rule and any backoff pass."""
    db.session.execute(update(Upstream).where(Upstream.id == upstream_id).values(
        last_attempt_date=utcnow() - timedelta(minutes=2), next_attempt_date=None))
    db.session.commit()


def test_figures_arrive_upstream_and_later_changes_follow(client, campaign, admin, reporter, europe, federating):
    upstream = add_upstream(client, campaign, admin, europe.url, *europe.hub)
    report(client, campaign, reporter, count=1200)
    report(client, campaign, reporter, channel="online", count=300)

    assert push_upstream(upstream["id"]) == "pushed"

    eu = europe.progress(EU, europe.reader)
    assert (eu["total"], eu["countries"]["AT"], eu["organizations"]["hub-at"]) == (1500, 1500, 1500)
    shown = client.get(f"/api/v1/campaigns/{campaign.slug}/upstreams/{upstream['id']}", headers=admin).get_json()
    assert (shown["status"], shown["last_status_code"], shown["last_applied"]) == ("active", 200, True)
    assert shown["last_success_date"] is not None and shown["last_error"] is None
    assert "client_secret" not in shown

    report(client, campaign, reporter, mode="delta", count=25, as_of="2026-03-02T12:00:00Z")
    assert push_upstream(upstream["id"]) == "waiting"  # at most once a minute
    a_minute_later(upstream["id"])
    assert push_upstream(upstream["id"]) == "pushed"
    assert europe.progress(EU, europe.reader)["total"] == 1525
    a_minute_later(upstream["id"])
    assert push_upstream(upstream["id"]) == "unchanged"

    [hub] = europe.http.get(f"/api/v1/campaigns/{EU}/federation", headers=europe.reader).json()["hubs"]
    assert (hub["instance"], hub["origin"], hub["total"]) == (OWN_URL, [], 1525)
    member = get_organization("epicenter-works")
    assert hub["organizations"] == [{"name": member.name, "country": "AT", "count": 1525}]


def test_an_unchanged_snapshot_goes_up_again_nightly(client, campaign, admin, reporter, europe, federating,
                                                     configure):
    configure(jobs_inline=True)  # the sweep pushes itself, not through the queue
    upstream = add_upstream(client, campaign, admin, europe.url, *europe.hub)
    report(client, campaign, reporter)
    push_upstream(upstream["id"])
    sent = db.session.get(Upstream, upstream["id"]).sequence
    db.session.execute(update(Upstream).where(Upstream.id == upstream["id"]).values(
        last_success_date=utcnow() - timedelta(hours=25), last_attempt_date=utcnow() - timedelta(hours=25)))
    db.session.commit()

    assert sweep_upstreams() == {"pushed": 1}
    assert db.session.get(Upstream, upstream["id"]).sequence > sent


def test_the_upstream_down_for_a_while_loses_nothing(client, campaign, admin, reporter, europe, federating,
                                                     configure):
    configure(jobs_inline=True)
    upstream = add_upstream(client, campaign, admin, europe.url, *europe.hub)
    report(client, campaign, reporter, count=100)
    push_upstream(upstream["id"])
    europe.down()
    report(client, campaign, reporter, mode="delta", count=50, as_of="2026-03-02T12:00:00Z")
    a_minute_later(upstream["id"])

    assert push_upstream(upstream["id"]) == "failed"
    failing = db.session.get(Upstream, upstream["id"])
    assert failing.status == "failing" and failing.failures == 1
    assert failing.next_attempt_date > utcnow() + timedelta(seconds=50)
    assert sweep_upstreams() == {}  # backing off
    report(client, campaign, reporter, mode="delta", count=7, as_of="2026-03-03T12:00:00Z")
    a_minute_later(upstream["id"])
    assert push_upstream(upstream["id"]) == "failed"
    assert db.session.get(Upstream, upstream["id"]).failures == 2

    europe.up()
    a_minute_later(upstream["id"])
    assert sweep_upstreams() == {"pushed": 1}
    assert europe.progress(EU, europe.reader)["total"] == 157
    recovered = db.session.get(Upstream, upstream["id"])
    assert (recovered.status, recovered.failures, recovered.last_error) == ("active", 0, None)


ANSWERS = {
    "server error": (Answer(503, b'{"title": "Service Unavailable"}'), "HTTP 503"),
    "garbage": (Answer(200, b"<html>hello</html>"), "not a snapshot result"),
    "a timeout": (Answer(200, b"{}", delay=2.5), "timed out"),
    "refused token": (None, "token refused"),
}


@pytest.mark.parametrize("answer, error", ANSWERS.values(), ids=ANSWERS.keys())
def test_an_upstream_answering_badly_is_reported_and_local_figures_stay(
        client, campaign, admin, reporter, federating, configure, answer, error):
    configure(public_url=OWN_URL, public_url_configured=True, outbound_allow_private=True, outbound_timeout=1.0)
    token = Answer(200, json.dumps({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3600}).encode())

    def answering(request):
        if request.path == "/oauth/token":
            return token if answer is not None else Answer(401, b'{"error": "invalid_client"}')
        return answer

    report(client, campaign, reporter, count=100)
    with Receiver(answering) as upstream_server:
        upstream = add_upstream(client, campaign, admin, upstream_server.url(""), "hub", "secret")
        assert push_upstream(upstream["id"]) == "failed"

    shown = client.get(f"/api/v1/campaigns/{campaign.slug}/upstreams", headers=admin).get_json()["items"][0]
    assert shown["status"] == "failing"
    assert error in shown["last_error"]
    assert shown["next_attempt_date"] is not None
    assert db.session.scalars(select(SignatureTally.figure)).all() == [100]


def test_a_snapshot_holds_counts_only_and_the_token_is_reused(client, campaign, admin, reporter, federating):
    token = Answer(200, json.dumps({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3600}).encode())
    applied = Answer(200, json.dumps({"applied": True}).encode())
    report(client, campaign, reporter, count=100)

    with Receiver(lambda request: token if request.path == "/oauth/token" else applied) as upstream_server:
        upstream = add_upstream(client, campaign, admin, upstream_server.url(""), "hub-client", "s3cret")
        assert push_upstream(upstream["id"]) == "pushed"
        report(client, campaign, reporter, count=120, as_of="2026-03-02T12:00:00Z")
        a_minute_later(upstream["id"])
        assert push_upstream(upstream["id"]) == "pushed"
        received = upstream_server.received

    assert [request.path for request in received] == [
        "/oauth/token", f"/api/v1/campaigns/{EU}/federation/snapshot", f"/api/v1/campaigns/{EU}/federation/snapshot"]
    assert received[0].body == b"grant_type=client_credentials&scope=federation%3Apush"
    assert received[1].headers["authorization"] == "Bearer t0k3n"
    body = json.loads(received[2].body)
    assert set(body) == {"instance", "sequence", "as_of", "figures", "organizations", "origin"}
    assert body["figures"] == [{"country": "AT", "channel": "paper", "count": 120}]
    assert [set(row) for row in body["organizations"]] == [{"name", "country", "count"}]
    assert (body["instance"], body["origin"], body["as_of"]) == (OWN_URL, [OWN_URL], "2026-03-02T12:00:00Z")
    assert body["sequence"] > json.loads(received[1].body)["sequence"]
    text = received[2].body.decode()
    assert "s3cret" not in text and "hub-client" not in text and "@" not in text


def test_public_url_is_required_to_push(client, campaign, admin, configure):
    configure(public_url_configured=False, outbound_allow_private=True)

    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/upstreams", headers=admin, json={
        "url": "http://127.0.0.1:9", "campaign": EU, "client_id": "hub", "client_secret": "secret"})

    assert answer.status_code == 409
    assert "PUBLIC_URL" in answer.get_json()["detail"]


def test_an_upstream_is_changed_paused_and_deleted_and_its_secret_never_shown(
        client, campaign, admin, federating, db_session):
    created = add_upstream(client, campaign, admin, "http://127.0.0.1:9/", "hub", "s3cret")
    url = f"/api/v1/campaigns/{campaign.slug}/upstreams/{created['id']}"
    stored = db_session.get(Upstream, created["id"])

    assert created["url"] == "http://127.0.0.1:9"
    assert "s3cret" not in stored.client_secret_ciphertext
    paused = client.patch(url, headers=admin, json={"status": "paused", "client_secret": "n3w"})
    assert (paused.status_code, paused.get_json()["status"]) == (200, "paused")
    assert "client_secret" not in paused.get_json()
    assert push_upstream(created["id"]) == "skipped"
    assert client.post(f"/api/v1/campaigns/{campaign.slug}/upstreams", headers=admin, json={
        "url": "http://127.0.0.1:9", "campaign": EU, "client_id": "x", "client_secret": "y"}).status_code == 409
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404


def test_an_upstream_address_must_be_reachable_by_the_outbound_rules(client, campaign, admin, configure):
    configure(public_url=OWN_URL, public_url_configured=True, outbound_allow_private=False)

    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/upstreams", headers=admin, json={
        "url": "http://127.0.0.1:9", "campaign": EU, "client_id": "hub", "client_secret": "secret"})

    assert answer.status_code == 422
    assert "url" in answer.get_json()["errors"]
