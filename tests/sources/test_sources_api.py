"""Managing sources through the API with real tokens: what is refused, who sees what, and that
credentials never come back."""

from __future__ import annotations

import pytest

from coalition.sources.models import CounterSource
from tests import factories
from tests.sources.conftest import connect, eci_map, petition

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "eci_online", "interval": 59}, "interval"),
    ({"kind": "eci_online", "interval": 60.5}, "interval"),
    ({"kind": "csv"}, "kind"),
    ({"kind": "json", "options": {"path": "total"}}, "country"),
    ({"kind": "proca", "options": {"action_page": 3}}, "country"),
    ({"kind": "action_network", "credentials": {"api_key": "k"}}, "country"),
    ({"kind": "eci_online", "country": "DE"}, "country"),
    ({"kind": "eci_online", "credentials": {"api_key": "k"}}, "credentials"),
    ({"kind": "json", "country": "DE", "options": {"path": "total"}, "credentials": {"api_key": "k"}},
     "credentials"),
    ({"kind": "action_network", "country": "DE"}, "credentials"),
    ({"kind": "action_network", "country": "DE", "credentials": {"api_key": "k", "user": "x"}}, "credentials"),
    ({"kind": "json", "country": "DE"}, "options"),
    ({"kind": "json", "country": "DE", "options": {"path": "a..b"}}, "options"),
    ({"kind": "proca", "country": "DE", "options": {"action_page": 0}}, "options"),
    ({"kind": "eci_online", "options": {"path": "x"}}, "options"),
    ({"kind": "json", "country": "US", "options": {"path": "total"}}, "country"),
    ({"kind": "json", "country": "DE", "options": {"path": "t", "subtract": [{"url": "ftp://x", "path": "t"}]}},
     "options"),
    ({"kind": "eci_online", "channel": "fax"}, "channel"),
    ({"kind": "eci_online", "url": "http://127.0.0.1:9/" + "a" * 2000}, "url"),
])
def test_bad_sources_are_refused(client, writer, campaign, body, field, local_systems):
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/sources", headers=writer,
                         json={"url": "http://127.0.0.1:9/eci", **body})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"], answer.get_json()


@pytest.mark.parametrize("url", ["https://127.0.0.1/eci", "https://[::ffff:10.0.0.1]/eci", "http://example.org/x",
                                 "file:///etc/passwd"])
def test_addresses_that_may_not_be_reached_are_refused(client, writer, campaign, url):
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/sources", headers=writer,
                         json={"kind": "eci_online", "url": url})
    assert answer.status_code == 422 and "url" in answer.get_json()["errors"]


def test_refusals_are_translated(client, writer, campaign):
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/sources", headers={**writer, "Accept-Language": "fr"},
                         json={"kind": "json", "url": "https://127.0.0.1/x.json", "options": {"path": "t"}})
    assert answer.status_code == 422 and answer.headers["Content-Language"] == "fr"
    assert answer.get_json()["errors"]["country"] != ["This kind of source needs a country."]


def test_credentials_are_never_answered(client, writer, campaign, systems, db_session):
    systems.documents["/petition"] = petition(5)
    body = connect(client, writer, campaign, kind="action_network", url=systems.url("/petition"), country="IE",
                   credentials={"api_key": "very-secret-osdi-key"})
    answers = [body, client.get(f"/api/v1/sources/{body['id']}", headers=writer).get_json(),
               client.get(f"/api/v1/campaigns/{campaign.slug}/sources", headers=writer).get_json(),
               client.patch(f"/api/v1/sources/{body['id']}", headers=writer,
                            json={"credentials": {"api_key": "another-secret-key"}}).get_json(),
               client.get(f"/api/v1/sources/{body['id']}/runs", headers=writer).get_json()]
    for answer in answers:
        assert "-secret-" not in str(answer) and "api_key" not in str(answer)
    assert systems.requests_to("/petition")[-1].headers["osdi-api-token"] == "another-secret-key"
    stored = db_session.get(CounterSource, body["id"])
    assert "another-secret-key" not in stored.credentials_ciphertext


def test_a_member_cannot_see_poll_or_change_another_organizations_source(
        client, writer, campaign, systems, auth_headers):
    systems.documents["/eci/report/map"] = eci_map({"fr": 1})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    other = factories.make_organization()
    stranger = auth_headers(other, "signatures:write")
    assert client.get(f"/api/v1/sources/{source_id}", headers=stranger).status_code == 404
    assert client.patch(f"/api/v1/sources/{source_id}", headers=stranger, json={"interval": 600}).status_code == 404
    assert client.post(f"/api/v1/sources/{source_id}/poll", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/sources/{source_id}/runs", headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/sources/{source_id}", headers=stranger).status_code == 404
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/sources", headers=stranger).get_json()
    assert listed["total"] == 0
    peeking = client.get(f"/api/v1/campaigns/{campaign.slug}/sources?organization=org-1", headers=stranger)
    assert peeking.status_code == 403
    refused = client.post(f"/api/v1/campaigns/{campaign.slug}/sources", headers=stranger, json={
        "kind": "eci_online", "url": systems.url("/eci"), "organization": "someone-else"})
    assert refused.status_code == 403


def test_a_coordinator_connects_and_sees_any_organizations_sources(
        client, writer, member, campaign, systems, auth_headers, coordinator):
    systems.documents["/eci/report/map"] = eci_map({"fr": 1})
    own = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))
    lead = auth_headers(coordinator, "signatures:write")
    theirs = connect(client, lead, campaign, kind="eci_online", url=systems.url("/eci"), organization=member.slug)
    assert theirs["organization"] == member.slug
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/sources?organization={member.slug}",
                        headers=lead).get_json()
    assert {item["id"] for item in listed["items"]} == {own["id"], theirs["id"]}
    assert client.get(f"/api/v1/sources/{own['id']}", headers=lead).status_code == 200
    assert client.post(f"/api/v1/sources/{own['id']}/poll", headers=lead).status_code == 202


def test_the_scope_is_required(client, auth_headers, member, campaign):
    reader = auth_headers(member, "campaigns:read")
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/sources", headers=reader).status_code == 403


def test_poll_now_pause_resume_and_delete(client, writer, campaign, systems):
    systems.documents["/eci/report/map"] = eci_map({"fr": 1})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"), interval=600)["id"]
    queued = client.post(f"/api/v1/sources/{source_id}/poll", headers=writer)
    assert queued.status_code == 202 and queued.get_json() == {"id": source_id, "status": "queued"}
    assert len(systems.requests_to("/eci/report/map")) == 2
    paused = client.patch(f"/api/v1/sources/{source_id}", headers=writer, json={"status": "paused"}).get_json()
    assert paused["status"] == "paused" and paused["interval"] == 600
    assert client.post(f"/api/v1/sources/{source_id}/poll", headers=writer).status_code == 409
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/sources?status=paused", headers=writer).get_json()
    assert [item["id"] for item in listed["items"]] == [source_id]
    resumed = client.patch(f"/api/v1/sources/{source_id}", headers=writer, json={"status": "active"}).get_json()
    assert resumed["status"] == "active" and len(systems.requests_to("/eci/report/map")) == 3
    assert client.delete(f"/api/v1/sources/{source_id}", headers=writer).status_code == 204
    assert client.get(f"/api/v1/sources/{source_id}", headers=writer).status_code == 404


def test_a_changed_country_or_url_starts_afresh(client, writer, member, campaign, systems):
    systems.documents["/doc.json"] = {"total": 40}
    source_id = connect(client, writer, campaign, kind="json", url=systems.url("/doc.json"), country="DE",
                        options={"path": "total"})["id"]
    changed = client.patch(f"/api/v1/sources/{source_id}", headers=writer, json={"country": "AT"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["last_values"] == {"AT": 40}
    refused = client.patch(f"/api/v1/sources/{source_id}", headers=writer, json={"country": None})
    assert refused.status_code == 422 and "country" in refused.get_json()["errors"]


def test_an_unknown_campaign_or_source(client, writer):
    assert client.get("/api/v1/campaigns/nope/sources", headers=writer).status_code == 404
    assert client.get("/api/v1/sources/00000000-0000-4000-8000-000000000000", headers=writer).status_code == 404
    assert client.get("/api/v1/sources/not-a-uuid", headers=writer).status_code == 404
