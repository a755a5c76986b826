"""Polls against local fake systems: figures land per country, unchanged polls write nothing,
lower figures wait for a coordinator."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from coalition.campaigns.models import SignatureReport
from coalition.extensions import db
from coalition.outbox import OutboxEvent
from coalition.sources.models import CounterSource, SourceRun
from coalition.sources.polling import poll
from tests.conftest import table_counts
from tests.sources.conftest import connect, eci_map, figures_of, petition, proca_stats

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.fixture
def writer(auth_headers, member):
    return auth_headers(member, "signatures:write campaigns:read")


def test_the_commissions_map_lands_per_member_state_with_greece_from_el(client, writer, member, campaign, systems):
    systems.documents["/eci/report/map"] = eci_map({"fr": 1234, "el": 56, "de": 0})
    body = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))
    assert figures_of(campaign, member) == {"FR": 1234, "GR": 56}
    shown = client.get(f"/api/v1/sources/{body['id']}", headers=writer).get_json()
    assert shown["status"] == "active" and shown["last_values"] == {"FR": 1234, "GR": 56, "DE": 0}
    assert shown["last_success"] is not None and shown["last_error"] is None
    ledger = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=writer).get_json()["items"]
    assert {(r["country"], r["mode"], r["count"], r["channel"], r["source"]) for r in ledger} == {
        ("FR", "total", 1234, "online", body["id"]), ("GR", "total", 56, "online", body["id"])}


def test_an_unchanged_poll_writes_nothing(client, writer, campaign, systems, app, backend):
    systems.documents["/eci/report/map"] = eci_map({"fr": 1234, "el": 56})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    before = table_counts("signature_reports", "signature_tallies", "counter_source_runs", "outbox_events")
    statements = []

    def remember(_connection, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert poll(source_id) == 300
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(systems.requests_to("/eci/report/map")) == 2
    assert table_counts("signature_reports", "signature_tallies", "counter_source_runs", "outbox_events") == before
    writes = [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "COPY")]
    if app.extensions["coalition.redis"] is not None:
        assert writes == []  # the poll is remembered in Redis only
    else:
        assert writes == ["UPDATE"]  # the embedded default keeps last_polled in the row
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["last_polled"] >= shown["created_date"]


def test_a_higher_figure_is_a_new_total_and_announced(client, writer, member, campaign, systems):
    systems.documents["/eci/report/map"] = eci_map({"fr": 100})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    systems.documents["/eci/report/map"] = eci_map({"fr": 150})
    poll(source_id)
    assert figures_of(campaign, member) == {"FR": 150}
    reported = db.session.scalars(select(OutboxEvent).filter_by(kind="signatures.reported")
                                  .order_by(OutboxEvent.created_date)).all()
    assert [e.payload["figures"] for e in reported] == [[{"country": "FR", "channel": "online", "count": count}]
                                                         for count in (100, 150)]
    runs = client.get(f"/api/v1/sources/{source_id}/runs", headers=writer).get_json()["items"]
    assert [(run["outcome"], run["written"]) for run in runs] == [("changed", 1), ("changed", 1)]


def test_a_lower_figure_is_held_until_a_coordinator_accepts_it(client, writer, member, campaign, systems,
                                                               auth_headers, coordinator):
    systems.documents["/eci/report/map"] = eci_map({"fr": 100, "de": 40})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    systems.documents["/eci/report/map"] = eci_map({"fr": 90, "de": 45})
    poll(source_id)
    poll(source_id)  # held again at the same figure: nothing new
    assert figures_of(campaign, member) == {"FR": 100, "DE": 45}
    [held] = db.session.scalars(select(OutboxEvent).filter_by(kind="source.held")).all()
    assert held.payload == {"campaign": campaign.slug, "organization": member.slug, "source": source_id,
                            "country": "FR", "channel": "online", "count": 90, "current": 100}
    shown = client.get(f"/api/v1/sources/{source_id}", headers=writer).get_json()
    assert shown["held"]["FR"]["count"] == 90 and shown["held"]["FR"]["current"] == 100
    refused = client.post(f"/api/v1/sources/{source_id}/accept", headers=writer, json={"reason": "recount"})
    assert refused.status_code == 403
    lead = auth_headers(coordinator, "signatures:write")
    assert client.post(f"/api/v1/sources/{source_id}/accept", headers=lead, json={}).status_code == 422
    accepted = client.post(f"/api/v1/sources/{source_id}/accept", headers=lead,
                           json={"reason": "The Commission removed duplicates"})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["held"] is None
    assert figures_of(campaign, member) == {"FR": 90, "DE": 45}
    [report] = db.session.scalars(select(SignatureReport).filter_by(count=90)).all()
    assert report.reason == "The Commission removed duplicates" and report.source_id == source_id
    again = client.post(f"/api/v1/sources/{source_id}/accept", headers=lead, json={"reason": "again"})
    assert again.status_code == 409


def test_a_figure_back_up_before_acceptance_ends_the_hold(client, writer, member, campaign, systems):
    systems.documents["/eci/report/map"] = eci_map({"fr": 100})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    systems.documents["/eci/report/map"] = eci_map({"fr": 80})
    poll(source_id)
    systems.documents["/eci/report/map"] = eci_map({"fr": 120})
    poll(source_id)
    assert figures_of(campaign, member) == {"FR": 120}
    assert db.session.get(CounterSource, source_id).held is None


def test_proca_is_asked_by_graphql_get_for_the_whole_page_or_one_organization(
        client, writer, member, campaign, systems):
    systems.documents["/graphql"] = proca_stats(5000, {"digital-rights": 1200, "other": 3800})
    connect(client, writer, campaign, kind="proca", url=systems.url("/graphql"), country="DE",
            options={"action_page": 42})
    [request] = systems.requests_to("/graphql")
    query = systems.query(request)
    assert "supporterCount" in query["query"] and query["variables"] == '{"id": 42}'
    assert figures_of(campaign, member) == {"DE": 5000}
    connect(client, writer, campaign, kind="proca", url=systems.url("/graphql"), country="AT",
            options={"action_page": 42, "org_name": "digital-rights"})
    assert figures_of(campaign, member) == {"DE": 5000, "AT": 1200}


def test_action_network_sends_the_key_and_reads_total_signatures(client, writer, member, campaign, systems):
    systems.documents["/api/v2/petitions/1efc3644"] = petition(777)
    body = connect(client, writer, campaign, kind="action_network", url=systems.url("/api/v2/petitions/1efc3644"),
                   country="IE", credentials={"api_key": "an-secret-key-123"})
    [request] = systems.requests_to("/api/v2/petitions/1efc3644")
    assert request.headers["osdi-api-token"] == "an-secret-key-123"
    assert figures_of(campaign, member) == {"IE": 777}
    assert body["has_credentials"] is True and "an-secret-key-123" not in str(body)
    stored = db.session.get(CounterSource, body["id"])
    assert "an-secret-key-123" not in stored.credentials_ciphertext


def test_plain_json_with_subtractions(client, writer, member, campaign, systems):
    systems.documents["/stats.json"] = {"data": {"counts": [{"signatures": 900}]}}
    systems.documents["/partner.json"] = {"total": 150}
    connect(client, writer, campaign, kind="json", url=systems.url("/stats.json"), country="FR",
            options={"path": "data.counts.0.signatures",
                     "subtract": [{"url": systems.url("/partner.json"), "path": "total"}]})
    assert figures_of(campaign, member) == {"FR": 750}


def test_polls_of_a_campaign_that_is_not_live_fetch_nothing(client, writer, campaign, systems, db_session):
    systems.documents["/eci/report/map"] = eci_map({"fr": 10})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    campaign.status = "closed"
    db_session.commit()
    assert poll(source_id) == 300
    assert len(systems.requests_to("/eci/report/map")) == 1


def test_runs_are_purged_after_the_retention_period(client, writer, campaign, systems, app):
    from datetime import timedelta

    from coalition.db import utcnow
    from coalition.housekeeping import run_housekeeping

    systems.documents["/eci/report/map"] = eci_map({"fr": 10})
    source_id = connect(client, writer, campaign, kind="eci_online", url=systems.url("/eci"))["id"]
    db.session.add(SourceRun(source_id=source_id, started_date=utcnow() - timedelta(days=31), outcome="changed"))
    db.session.commit()
    assert run_housekeeping()["source_runs"] == 1
    assert db.session.scalars(select(SourceRun).filter_by(source_id=source_id)).one().outcome == "changed"
