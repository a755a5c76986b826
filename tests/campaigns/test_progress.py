"""ECI thresholds, progress per member state, verifications, the public counter, milestones."""

import time
from datetime import date

import pytest
from sqlalchemy import select

from coalition.campaigns import eci
from coalition.outbox import OutboxEvent
from tests import factories
from tests.campaigns.conftest import report


@pytest.mark.parametrize("registered, size, germany, malta", [
    (date(2019, 5, 1), 751, 96 * 751, 6 * 751),
    (date(2020, 1, 31), 751, 72_096, 4_506),
    (date(2020, 2, 1), 705, 67_680, 4_230),
    (date(2024, 7, 15), 705, 67_680, 4_230),
    (date(2024, 7, 16), 720, 69_120, 4_320),
    (date(2026, 1, 1), 720, 69_120, 4_320),
])
def test_thresholds_follow_the_parliament_on_the_registration_date(registered, size, germany, malta):
    assert eci.parliament_size(registered) == size
    minimums = eci.thresholds(registered)
    assert minimums["DE"] == germany and minimums["MT"] == malta
    assert len(minimums) == 27 and "GB" not in minimums and "GR" in minimums


def test_success_needs_a_million_and_seven_states():
    minimums = eci.thresholds(date(2025, 1, 1))
    seven = dict(sorted(minimums.items())[:7])
    assert eci.is_successful(1_000_000, seven, minimums)
    assert not eci.is_successful(999_999, seven, minimums)
    six = dict(sorted(minimums.items())[:6])
    assert not eci.is_successful(2_000_000, six, minimums)
    almost = {**seven, "AT": seven["AT"] - 1}
    assert not eci.is_successful(1_000_000, almost, minimums)


def test_progress_lists_every_member_state_with_thresholds(client, db_session, member_headers, member):
    campaign = factories.make_campaign(eci_registered_on=date(2021, 6, 1))
    db_session.commit()
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=member_headers, json={"reports": [
        report(country="DE", count=67_680), report(country="FR", count=1000, channel="paper")]})
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/progress", headers=member_headers).get_json()
    assert set(body) == {"campaign", "total", "countries_over_threshold", "countries", "organizations", "eci"}
    assert [c["country"] for c in body["countries"]] == list(eci.member_states())
    germany = next(c for c in body["countries"] if c["country"] == "DE")
    assert germany == {"country": "DE", "count": 67_680, "verified": None, "projected_valid": 57_528,
                       "threshold": 67_680, "ratio": 1.0, "met": True}
    malta = next(c for c in body["countries"] if c["country"] == "MT")
    assert malta["count"] == 0 and malta["met"] is False and malta["threshold"] == 4_230
    assert body["total"] == 68_680 and body["countries_over_threshold"] == 1
    assert body["organizations"] == [{"organization": member.slug, "count": 68_680}]
    assert body["eci"] == {"required_total": 1_000_000, "required_states": 7,
                           "met_reported": False, "met_projected": False}


def test_verified_numbers_replace_the_projection(client, campaign, coordinator_headers, member_headers):
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=member_headers,
                json=report(country="AT", count=1000))
    verification = {"submitted": 1000, "valid": 912, "submitted_on": "2026-05-01", "verified_on": "2026-06-01"}
    response = client.put(f"/api/v1/campaigns/{campaign.slug}/verifications/at", json=verification,
                          headers=coordinator_headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["country"] == "AT"
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/progress", headers=member_headers).get_json()
    austria = next(c for c in body["countries"] if c["country"] == "AT")
    assert (austria["count"], austria["verified"], austria["projected_valid"]) == (1000, 912, 912)
    listing = client.get(f"/api/v1/campaigns/{campaign.slug}/verifications", headers=member_headers).get_json()
    assert [v["valid"] for v in listing["items"]] == [912]


@pytest.mark.parametrize("country, change, field", [
    ("AT", {"valid": 1001}, "valid"),
    ("US", {}, "country"),
    ("ZZ", {}, "country"),
    ("AT", {"verified_on": "2026-04-01"}, "verified_on"),
    ("AT", {"submitted": "1000"}, "submitted"),
])
def test_invalid_verifications_are_refused(client, campaign, coordinator_headers, country, change, field):
    verification = {"submitted": 1000, "valid": 900, "submitted_on": "2026-05-01", "verified_on": "2026-06-01"}
    response = client.put(f"/api/v1/campaigns/{campaign.slug}/verifications/{country}",
                          json={**verification, **change}, headers=coordinator_headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_recording_verifications_needs_admin(client, campaign, member_headers):
    verification = {"submitted": 1000, "valid": 900, "submitted_on": "2026-05-01", "verified_on": "2026-06-01"}
    response = client.put(f"/api/v1/campaigns/{campaign.slug}/verifications/AT", json=verification,
                          headers=member_headers)
    assert response.status_code == 403


def test_eci_success_on_reported_and_projected_figures(client, db_session, coordinator_headers):
    campaign = factories.make_campaign()
    db_session.commit()
    minimums = eci.thresholds(campaign.eci_registered_on)
    states = ["DE", "FR", "IT", "ES", "PL", "AT", "BE"]
    reports = [report(country=c, count=minimums[c], mode="total") for c in states]
    reports.append(report(country="NL", count=1_000_000 - sum(minimums[c] for c in states)))
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", json={"reports": reports},
                           headers=coordinator_headers)
    assert response.status_code == 201
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/progress", headers=coordinator_headers).get_json()
    assert body["total"] == 1_000_000
    assert body["countries_over_threshold"] == 8
    assert body["eci"]["met_reported"] is True
    assert body["eci"]["met_projected"] is False


def test_public_counter_without_auth_with_cors_etag_and_cache(client, campaign, member_headers, app):
    counter_url = f"/api/v1/campaigns/{campaign.slug}/counter"
    first = client.get(counter_url)
    assert first.status_code == 200
    assert first.get_json() == {"campaign": campaign.slug, "total": 0, "goal": 1_000_000,
                                "countries_over_threshold": 0, "updated_at": first.get_json()["updated_at"]}
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Cache-Control"] == f"public, max-age={app.extensions['coalition.config'].counter_max_age}"
    etag = first.headers["ETag"]
    again = client.get(counter_url)  # answered from the process's copy, before Flask routing
    assert again.get_data() == first.get_data() and again.mimetype == "application/json"
    for header in ("ETag", "Cache-Control", "Access-Control-Allow-Origin"):
        assert again.headers[header] == first.headers[header]
    not_modified = client.get(counter_url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == etag
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=member_headers,
                json=report(country="DE", count=69_120))
    deadline = time.monotonic() + 2
    while True:
        after = client.get(counter_url, headers={"If-None-Match": etag})
        if after.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert after.status_code == 200
    assert after.get_json()["total"] == 69_120
    assert after.get_json()["countries_over_threshold"] == 1
    assert after.headers["ETag"] != etag


def test_counter_of_an_unknown_or_draft_campaign_is_a_404_problem(client, db_session):
    draft = factories.make_campaign(status="draft")
    db_session.commit()
    for slug in ("nothing-here", draft.slug):
        response = client.get(f"/api/v1/campaigns/{slug}/counter")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_milestones_fire_once_as_outbox_events(client, db_session, member_headers):
    campaign = factories.make_campaign(signature_goal=100_000)
    db_session.commit()
    signatures = f"/api/v1/campaigns/{campaign.slug}/signatures"
    client.post(signatures, headers=member_headers, json=report(country="MT", count=4_000))
    client.post(signatures, headers=member_headers, json=report(country="MT", count=400))
    client.post(signatures, headers=member_headers, json=report(country="MT", count=400))
    client.post(signatures, headers=member_headers, json=report(country="DE", count=100_000))
    events = db_session.scalars(select(OutboxEvent).order_by(OutboxEvent.created_date)).all()
    kinds = [(e.kind, e.payload.get("country")) for e in events]
    assert kinds.count(("campaign.threshold_reached", "MT")) == 1
    assert kinds.count(("campaign.threshold_reached", "DE")) == 1
    assert kinds.count(("campaign.goal_reached", None)) == 1
    malta = next(e.payload for e in events if e.payload.get("country") == "MT")
    assert malta == {"campaign": campaign.slug, "country": "MT", "count": 4_400, "threshold": 4_320}


def test_a_batch_reaches_a_threshold_with_the_figures_of_other_organizations(
        client, db_session, member_headers, auth_headers):
    campaign = factories.make_campaign()
    other_headers = auth_headers(factories.make_organization(), "signatures:write")
    db_session.commit()
    signatures = f"/api/v1/campaigns/{campaign.slug}/signatures"
    # Every report also announces its figures (signatures.reported); milestones are the others.
    milestones = select(OutboxEvent).where(OutboxEvent.kind != "signatures.reported")
    client.post(signatures, headers=member_headers, json=report(country="MT", count=3_000))
    first = client.post(signatures, headers=other_headers, json={"reports": [
        report(country="MT", mode="total", count=1_000), report(country="DE", count=10)]})
    assert first.status_code == 201
    assert db_session.scalars(milestones).all() == []
    second = client.post(signatures, headers=other_headers, json={"reports": [
        report(country="MT", count=400, as_of="2026-03-02T12:00:00Z"), report(country="FR", count=5)]})
    assert second.status_code == 201
    events = db_session.scalars(milestones).all()
    assert [(e.kind, e.payload) for e in events] == [("campaign.threshold_reached", {
        "campaign": campaign.slug, "country": "MT", "count": 4_400, "threshold": 4_320})]


def test_petition_progress_uses_its_targets_and_has_no_eci_block(client, db_session, member_headers):
    petition = factories.make_campaign(kind="petition", eci_registered_on=None, country_targets={"DE": 500, "CH": 50})
    db_session.commit()
    client.post(f"/api/v1/campaigns/{petition.slug}/signatures", headers=member_headers, json={"reports": [
        report(country="DE", count=600), report(country="US", count=7)]})
    body = client.get(f"/api/v1/campaigns/{petition.slug}/progress", headers=member_headers).get_json()
    countries = {c["country"]: c for c in body["countries"]}
    assert set(countries) == {"CH", "DE", "US"}
    assert (countries["DE"]["threshold"], countries["DE"]["met"], countries["DE"]["ratio"]) == (500, True, 1.2)
    assert (countries["US"]["threshold"], countries["US"]["met"], countries["US"]["ratio"]) == (None, None, None)
    assert body["countries_over_threshold"] == 1 and body["eci"] is None
