"""Managing subscriptions through the API, with real tokens: what is answered, what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalition.outbox import OutboxEvent
from coalition.webhooks.models import WebhookSubscription
from tests import factories

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.fixture
def manager(auth_headers, member):
    return auth_headers(member, "webhooks:manage")


def test_a_subscription_is_created_with_its_secret_shown_once(client, manager, local_receivers):
    created = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["signatures.reported"], "description": "portal"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["status"] == "active"
    assert body["events"] == ["signatures.reported"] and body["campaign"] is None
    shown = client.get(f"/api/v1/webhooks/{body['id']}", headers=manager).get_json()
    assert "secret" not in shown and shown["url"] == "http://127.0.0.1:9/hook"
    listed = client.get("/api/v1/webhooks", headers=manager).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_the_secret_is_stored_encrypted(client, manager, local_receivers, db_session):
    body = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}).get_json()
    stored = db_session.get(WebhookSubscription, body["id"])
    assert body["secret"] not in stored.secret_ciphertext
    assert body["secret"][6:] not in stored.secret_ciphertext


def test_another_organization_cannot_see_or_touch_a_subscription(client, manager, auth_headers, local_receivers):
    body = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}).get_json()
    other = auth_headers(factories.make_organization(), "webhooks:manage")
    assert client.get(f"/api/v1/webhooks/{body['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/webhooks", headers=other).get_json()["total"] == 0


def test_the_scope_is_required(client, auth_headers, member):
    reader = auth_headers(member, "campaigns:read")
    assert client.get("/api/v1/webhooks", headers=reader).status_code == 403


@pytest.mark.parametrize(("url", "field_message"), [
    ("http://example.org/hook", "https://"),
    ("https://localhost/hook", "non-public"),
    ("https://127.0.0.1/hook", "non-public"),
    ("https://[::ffff:127.0.0.1]/hook", "non-public"),
    ("https://10.1.2.3/hook", "non-public"),
    ("https://example.org/" + "a" * 2000, "2000"),
    ("not a url", "https://"),
])
def test_urls_that_may_not_be_reached_are_refused(client, manager, url, field_message):
    answer = client.post("/api/v1/webhooks", headers=manager, json={"url": url, "events": ["*"]})
    assert answer.status_code == 422, answer.get_json()
    assert field_message in " ".join(answer.get_json()["errors"]["url"])


def test_unknown_event_types_are_refused(client, manager, local_receivers):
    answer = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["signatures.reported", "signatures.deleted"]})
    assert answer.status_code == 422
    assert "1" in answer.get_json()["errors"]["events"]


def test_the_wildcard_beside_other_event_types_is_refused_with_one_whole_message(client, manager, local_receivers):
    answer = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*", "signatures.reported"]})
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["events"] == ['"*" stands for every event type: give it alone.']


def test_an_unknown_campaign_is_refused(client, manager, local_receivers):
    answer = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"], "campaign": "no-such-campaign"})
    assert answer.status_code == 422 and "campaign" in answer.get_json()["errors"]


def test_an_organization_has_at_most_twenty_subscriptions(client, manager, local_receivers):
    for number in range(20):
        created = client.post("/api/v1/webhooks", headers=manager, json={
            "url": f"http://127.0.0.1:9/hook/{number}", "events": ["*"]})
        assert created.status_code == 201
    refused = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook/21", "events": ["*"]})
    assert refused.status_code == 422 and "20" in refused.get_json()["detail"]


def test_refusals_are_in_the_language_of_the_request(client, manager):
    answer = client.post("/api/v1/webhooks", headers={**manager, "Accept-Language": "de"},
                         json={"url": "http://example.org/hook", "events": ["*"]})
    assert answer.status_code == 422 and answer.headers["Content-Language"] == "de"
    assert "https://" in answer.get_json()["errors"]["url"][0]
    assert answer.get_json()["errors"]["url"][0] != "Use an https:// address with a host name and no credentials."


def test_patch_changes_events_and_campaign_and_turns_a_subscription_back_on(
        client, manager, local_receivers, db_session):
    campaign = factories.make_campaign()
    body = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}).get_json()
    db_session.get(WebhookSubscription, body["id"]).status = "disabled"
    db_session.commit()
    changed = client.patch(f"/api/v1/webhooks/{body['id']}", headers=manager, json={
        "events": ["material.created"], "campaign": campaign.slug, "status": "active"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["events"] == ["material.created"]
    assert changed.get_json()["campaign"] == campaign.slug and changed.get_json()["status"] == "active"


def test_rotate_answers_a_new_secret_and_ping_records_an_event(client, manager, local_receivers, db_session):
    body = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["signatures.reported"]}).get_json()
    rotated = client.post(f"/api/v1/webhooks/{body['id']}/rotate-secret", headers=manager)
    assert rotated.status_code == 200
    assert rotated.get_json()["secret"].startswith("whsec_") and rotated.get_json()["secret"] != body["secret"]
    pinged = client.post(f"/api/v1/webhooks/{body['id']}/ping", headers=manager)
    assert pinged.status_code == 202
    event = db_session.get(OutboxEvent, pinged.get_json()["event_id"])
    assert event.kind == "webhook.ping" and event.payload["subscription"] == body["id"]


def test_delete_removes_the_subscription(client, manager, local_receivers, db_session):
    body = client.post("/api/v1/webhooks", headers=manager, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}).get_json()
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=manager).status_code == 204
    assert db_session.scalars(select(WebhookSubscription)).all() == []
