"""Upstream: a hub's snapshot is applied as its organization's totals, or refused whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coalition.campaigns.models import SignatureReport
from coalition.extensions import db
from tests import factories

URL = "/api/v1/campaigns/{}/federation/snapshot"


def snapshot(sequence=1, figures=None, **fields):
    body = {"instance": "https://at.coalition.test", "sequence": sequence, "as_of": "2026-03-01T12:00:00Z",
            "figures": figures if figures is not None else [
                {"country": "AT", "channel": "paper", "count": 1200},
                {"country": "AT", "channel": "online", "count": 300}],
            "organizations": [{"name": "Epicenter.works", "country": "AT", "count": 1500}],
            "origin": ["https://at.coalition.test"]}
    body.update(fields)
    return body


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


@pytest.fixture
def hub(db_session):
    return factories.make_organization("hub-at", kind="hub", country="AT")


@pytest.fixture
def hub_headers(auth_headers, hub):
    return auth_headers(hub, "federation:push campaigns:read")


@pytest.fixture
def coordinator_headers(auth_headers, coordinator):
    return auth_headers(coordinator, "admin metrics:read campaigns:read")


def progress(client, campaign, headers):
    answer = client.get(f"/api/v1/campaigns/{campaign.slug}/progress", headers=headers).get_json()
    countries = {row["country"]: row["count"] for row in answer["countries"]}
    return answer["total"], countries, {row["organization"]: row["count"] for row in answer["organizations"]}


def test_a_snapshot_becomes_the_hubs_figures_in_progress_and_federation(
        client, campaign, hub_headers, coordinator_headers):
    answer = client.put(URL.format(campaign.slug), json=snapshot(), headers=hub_headers)

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["applied"] is True
    assert answer.get_json()["sequence"] == 1
    total, countries, organizations = progress(client, campaign, coordinator_headers)
    assert (total, countries["AT"], organizations["hub-at"]) == (1500, 1500, 1500)
    federation = client.get(f"/api/v1/campaigns/{campaign.slug}/federation", headers=coordinator_headers).get_json()
    [shown] = federation["hubs"]
    assert shown["organization"] == "hub-at"
    assert shown["instance"] == "https://at.coalition.test"
    assert (shown["sequence"], shown["total"], shown["origin"]) == (1, 1500, [])
    assert shown["organizations"] == [{"name": "Epicenter.works", "country": "AT", "count": 1500}]


def test_a_later_snapshot_replaces_the_figures_and_what_it_leaves_out_is_zero(
        client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), json=snapshot(1), headers=hub_headers)
    later = snapshot(2, figures=[{"country": "AT", "channel": "paper", "count": 1100},
                                 {"country": "DE", "channel": "online", "count": 40}],
                     as_of="2026-03-02T12:00:00Z")

    answer = client.put(URL.format(campaign.slug), json=later, headers=hub_headers)

    assert answer.status_code == 200, answer.get_json()
    total, countries, _organizations = progress(client, campaign, coordinator_headers)
    assert (total, countries["AT"], countries["DE"]) == (1140, 1100, 40)
    changed = {(f["country"], f["channel"]): f["count"] for f in answer.get_json()["figures"]}
    assert changed == {("AT", "paper"): 1100, ("AT", "online"): 0, ("DE", "online"): 40}


def test_a_stale_sequence_changes_nothing(client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), json=snapshot(10), headers=hub_headers)
    reports = db.session.scalar(select(func.count()).select_from(SignatureReport))

    for stale in (10, 9, 0):
        answer = client.put(URL.format(campaign.slug), headers=hub_headers, json=snapshot(
            stale, figures=[{"country": "AT", "channel": "paper", "count": 5}], as_of="2026-03-05T00:00:00Z"))
        assert answer.status_code == 200
        assert (answer.get_json()["applied"], answer.get_json()["sequence"]) == (False, 10)

    assert progress(client, campaign, coordinator_headers)[0] == 1500
    assert db.session.scalar(select(func.count()).select_from(SignatureReport)) == reports


def test_a_newer_sequence_with_an_older_as_of_does_not_lower_the_figures(
        client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), json=snapshot(1, as_of="2026-03-05T00:00:00Z"), headers=hub_headers)

    client.put(URL.format(campaign.slug), headers=hub_headers, json=snapshot(
        2, figures=[{"country": "AT", "channel": "paper", "count": 5}], as_of="2026-03-01T00:00:00Z"))

    assert progress(client, campaign, coordinator_headers)[0] == 1500


def test_a_snapshot_through_this_very_instance_is_a_loop(client, campaign, hub_headers, configure):
    configure(public_url="https://eu.coalition.test", public_url_configured=True)

    answer = client.put(URL.format(campaign.slug), headers=hub_headers, json=snapshot(
        origin=["https://eu.coalition.test/", "https://at.coalition.test"]))

    assert answer.status_code == 409
    assert "loop" in answer.get_json()["detail"]
    assert client.put(URL.format(campaign.slug), headers=hub_headers, json=snapshot()).status_code == 200


def test_an_instance_counted_through_another_hub_is_refused(client, campaign, hub_headers, auth_headers,
                                                             coordinator_headers):
    national = auth_headers(factories.make_organization("hub-de", kind="hub"), "federation:push")
    regional = snapshot(figures=[{"country": "DE", "channel": "paper", "count": 70}],
                        instance="https://bayern.coalition.test", origin=["https://bayern.coalition.test"])
    # The national hub of Germany already carries Bavaria's figures.
    assert client.put(URL.format(campaign.slug), headers=national, json=snapshot(
        instance="https://de.coalition.test", figures=[{"country": "DE", "channel": "paper", "count": 900}],
        origin=["https://bayern.coalition.test", "https://de.coalition.test"])).status_code == 200

    direct = client.put(URL.format(campaign.slug), headers=hub_headers, json=regional)

    assert direct.status_code == 409
    assert "https://bayern.coalition.test" in direct.get_json()["detail"]
    assert "twice" in direct.get_json()["detail"]
    assert progress(client, campaign, coordinator_headers)[0] == 900


def _future():
    return (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


BAD = {
    "unknown country": (dict(figures=[{"country": "XX", "channel": "paper", "count": 1}]), "figures"),
    "not a member state": (dict(figures=[{"country": "US", "channel": "paper", "count": 1}]), "figures"),
    "negative count": (dict(figures=[{"country": "AT", "channel": "paper", "count": -1}]), "figures"),
    "fractional count": (dict(figures=[{"country": "AT", "channel": "paper", "count": 2.5}]), "figures"),
    "count as text": (dict(figures=[{"country": "AT", "channel": "paper", "count": "12"}]), "figures"),
    "count above the limit": (dict(figures=[{"country": "AT", "channel": "paper", "count": 10**9 + 1}]), "figures"),
    "twice the same pair": (dict(figures=[{"country": "AT", "channel": "paper", "count": 1},
                                          {"country": "at", "channel": "paper", "count": 2}]), "figures"),
    "as_of in the future": (dict(as_of=_future()), "as_of"),
    "sequence as text": (dict(sequence="7"), "sequence"),
    "fractional sequence": (dict(sequence=7.5), "sequence"),
    "negative sequence": (dict(sequence=-1), "sequence"),
    "no instance": (dict(instance="not a url"), "instance"),
    "unknown field": (dict(extra=1), "extra"),
}


@pytest.mark.parametrize("change", BAD.values(), ids=BAD.keys())
def test_a_bad_snapshot_is_refused_whole(client, campaign, hub_headers, change):
    fields, field = change

    answer = client.put(URL.format(campaign.slug), json=snapshot(**fields), headers=hub_headers)

    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(SignatureReport)) == 0


def test_a_snapshot_over_the_json_limit_is_413(client, campaign, hub_headers, configure):
    configure(max_json_length=2000)

    answer = client.put(URL.format(campaign.slug), headers=hub_headers,
                        json=snapshot(organizations=[{"name": "x" * 100, "count": 1}] * 50))

    assert answer.status_code == 413


def test_only_hub_clients_with_federation_push_may_push(client, campaign, auth_headers, member, hub):
    refused = auth_headers(member, "signatures:write campaigns:read")
    hub_reader = auth_headers(hub, "campaigns:read")

    assert client.put(URL.format(campaign.slug), json=snapshot(), headers=refused).status_code == 403
    assert client.put(URL.format(campaign.slug), json=snapshot(), headers=hub_reader).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SignatureReport)) == 0


def test_federation_push_is_for_hub_organizations_only(client, everything, member, hub):
    refused = client.post(f"/api/v1/organizations/{member.slug}/clients", headers=everything,
                          json={"name": "portal", "scopes": ["federation:push"]})
    granted = client.post(f"/api/v1/organizations/{hub.slug}/clients", headers=everything,
                          json={"name": "national hub", "scopes": ["federation:push"]})

    assert refused.status_code == 422
    assert refused.get_json()["errors"]["scopes"] == ["Only hub organizations may hold the scope federation:push."]
    assert granted.status_code == 201


def test_a_hub_turned_back_into_an_organization_loses_federation_push(client, campaign, everything, hub,
                                                                      hub_headers):
    changed = client.patch(f"/api/v1/organizations/{hub.slug}", headers=everything, json={"kind": "organization"})

    assert changed.status_code == 200
    assert changed.get_json()["kind"] == "organization"
    assert client.put(URL.format(campaign.slug), json=snapshot(), headers=hub_headers).status_code == 403


def test_hub_organizations_are_created_and_listed_by_kind(client, everything):
    created = client.post("/api/v1/organizations", headers=everything,
                          json={"slug": "hub-fr", "name": "Coalition France", "kind": "hub", "country": "FR"})
    hubs = client.get("/api/v1/organizations?kind=hub", headers=everything).get_json()

    assert created.status_code == 201
    assert created.get_json()["kind"] == "hub"
    assert "hub-fr" in [row["slug"] for row in hubs["items"]]
    assert all(row["kind"] == "hub" for row in hubs["items"])


def test_members_do_not_see_the_federation(client, campaign, auth_headers, member):
    headers = auth_headers(member, "campaigns:read")

    assert client.get(f"/api/v1/campaigns/{campaign.slug}/federation", headers=headers).status_code == 403


def test_a_received_snapshot_is_an_event(client, campaign, hub_headers):
    from coalition.outbox import OutboxEvent

    client.put(URL.format(campaign.slug), json=snapshot(3), headers=hub_headers)

    [event] = db.session.scalars(select(OutboxEvent).filter_by(kind="federation.snapshot_received"))
    assert event.payload == {"campaign": campaign.slug, "organization": "hub-at",
                             "instance": "https://at.coalition.test", "sequence": 3, "total": 1500}


def test_the_hub_is_in_the_exports_like_any_organization(client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), json=snapshot(), headers=hub_headers)

    answer = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.csv", headers=coordinator_headers)

    assert answer.status_code == 200
    [row] = [line.split(",") for line in answer.data.decode().splitlines() if line.startswith("hub-at,")]
    assert row[-3:] == ["1200", "300", "1500"]


def test_a_snapshot_is_in_the_audit_log(client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), json=snapshot(), headers=hub_headers)

    entries = client.get("/api/v1/audit", headers=coordinator_headers).get_json()["items"]
    assert [(e["organization"], e["object_type"], e["object_id"]) for e in entries if e["method"] == "PUT"] == [
        ("hub-at", "snapshot", campaign.slug)]


def test_the_chain_behind_a_hub_is_kept_once_each_whatever_the_order_given(
        client, campaign, hub_headers, coordinator_headers):
    client.put(URL.format(campaign.slug), headers=hub_headers, json=snapshot(origin=[
        "https://AT.coalition.test/", "https://tirol.coalition.test", "https://tirol.coalition.test/"]))

    [hub] = client.get(f"/api/v1/campaigns/{campaign.slug}/federation", headers=coordinator_headers).get_json()["hubs"]
    assert (hub["instance"], hub["origin"]) == ("https://at.coalition.test", ["https://tirol.coalition.test"])
