"""Members report signature counts; the figures follow the ledger semantics."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from coalition.campaigns.models import IdempotencyRecord
from coalition.db import utcnow
from tests import factories
from tests.campaigns.conftest import report
from tests.conftest import table_counts


def url(campaign, suffix="signatures"):
    return f"/api/v1/campaigns/{campaign.slug}/{suffix}"


def figure(client, campaign, headers, country="DE"):
    progress = client.get(url(campaign, "progress"), headers=headers).get_json()
    return next(c["count"] for c in progress["countries"] if c["country"] == country)


def post(client, campaign, headers, body, **kwargs):
    return client.post(url(campaign), json=body, headers={**headers, **kwargs.pop("extra_headers", {})}, **kwargs)


def test_a_delta_report_answers_the_report_and_the_new_figure(client, campaign, member, member_headers):
    response = post(client, campaign, member_headers, report(count=120))
    assert response.status_code == 201
    body = response.get_json()
    assert body["reports"][0]["organization"] == member.slug
    assert body["reports"][0]["figure"] == 120
    assert body["figures"] == [{"organization": member.slug, "country": "DE", "channel": "online", "count": 120}]
    assert post(client, campaign, member_headers, report(count=30)).get_json()["figures"][0]["count"] == 150


def test_a_late_older_total_never_lowers_the_figure(client, campaign, member_headers):
    assert post(client, campaign, member_headers, report(mode="total", count=500,
                                                        as_of="2026-03-02T00:00:00Z")).status_code == 201
    late = post(client, campaign, member_headers, report(mode="total", count=300, as_of="2026-03-01T00:00:00Z"))
    assert late.status_code == 201
    assert late.get_json()["reports"][0]["figure"] == 500
    assert figure(client, campaign, member_headers) == 500
    ledger = client.get(url(campaign), headers=member_headers).get_json()
    assert [r["count"] for r in ledger["items"]] == [300, 500]


def test_deltas_at_or_before_a_total_are_absorbed(client, campaign, member_headers):
    reports = [
        report(count=100, as_of="2026-03-01T10:00:00Z"),
        report(mode="total", count=1000, as_of="2026-03-02T00:00:00Z"),
        report(count=50, as_of="2026-03-01T20:00:00Z"),   # before the total: already counted
        report(count=5, as_of="2026-03-02T00:00:00Z"),    # at the total: already counted
        report(count=20, as_of="2026-03-03T00:00:00Z"),
    ]
    for item in reports:
        assert post(client, campaign, member_headers, item).status_code == 201
    assert figure(client, campaign, member_headers) == 1020
    # A newer total between the last two keeps the delta reported after it.
    newer = post(client, campaign, member_headers, report(mode="total", count=1100, as_of="2026-03-02T12:00:00Z"))
    assert newer.get_json()["figures"][0]["count"] == 1120


def test_a_batch_applies_in_order_with_the_same_semantics(client, campaign, member_headers):
    body = {"reports": [
        report(count=10, as_of="2026-03-03T00:00:00Z"),
        report(mode="total", count=200, as_of="2026-03-02T00:00:00Z"),
        report(count=7, as_of="2026-03-01T00:00:00Z"),
        report(country="FR", channel="paper", count=40),
    ]}
    response = post(client, campaign, member_headers, body)
    assert response.status_code == 201, response.get_json()
    figures = {(f["country"], f["channel"]): f["count"] for f in response.get_json()["figures"]}
    assert figures == {("DE", "online"): 210, ("FR", "paper"): 40}
    assert len(response.get_json()["reports"]) == 4


def test_lowering_a_figure_needs_a_reason(client, campaign, member_headers):
    post(client, campaign, member_headers, report(count=900))
    lower = report(mode="total", count=800, as_of="2026-03-05T00:00:00Z")
    response = post(client, campaign, member_headers, lower)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "reason" in response.get_json()["errors"]
    assert figure(client, campaign, member_headers) == 900
    fixed = post(client, campaign, member_headers, {**lower, "reason": "duplicates removed"})
    assert fixed.status_code == 201
    assert figure(client, campaign, member_headers) == 800


def test_one_bad_item_writes_nothing_and_names_the_item(client, campaign, member_headers, db_session):
    body = {"reports": [report(count=5), report(count=6), report(count=7), report(count=-1), report(count="8")]}
    response = post(client, campaign, member_headers, body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["reports"]
    assert set(errors) == {"3", "4"}
    assert "count" in errors["3"] and "count" in errors["4"]
    assert table_counts("signature_reports", "signature_tallies") == {"signature_reports": 0, "signature_tallies": 0}


def test_a_rule_broken_late_in_a_batch_writes_nothing(client, campaign, member_headers):
    body = {"reports": [
        report(country="AT", count=500),
        report(country="AT", mode="total", count=100, as_of="2026-03-02T00:00:00Z"),
    ]}
    response = post(client, campaign, member_headers, body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["reports"]) == ["1"]
    assert table_counts("signature_reports", "signature_tallies") == {"signature_reports": 0, "signature_tallies": 0}


def future(minutes):
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("change, field", [
    ({"count": 10_000_001}, "count"),
    ({"count": -1}, "count"),
    ({"count": 2.5}, "count"),
    ({"count": "12"}, "count"),
    ({"count": True}, "count"),
    ({"count": None}, "count"),
    ({"country": "XX"}, "country"),
    ({"country": "US"}, "country"),
    ({"country": "GB"}, "country"),
    ({"channel": "fax"}, "channel"),
    ({"mode": "guess"}, "mode"),
    ({"as_of": "2026-03-01T12:00:00"}, "as_of"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"as_of": "2025-12-31T23:00:00Z"}, "as_of"),
    ({"as_of": "2027-01-01T00:00:00Z"}, "as_of"),
    ({"name": "Jane Doe"}, "name"),
    ({"reason": ""}, "reason"),
])
def test_invalid_reports_are_refused_with_field_errors(client, db_session, member_headers, change, field):
    campaign = factories.make_campaign(ends_on=datetime.now(UTC).date() + timedelta(days=30))
    db_session.commit()
    if change.get("as_of") == "2027-01-01T00:00:00Z":
        campaign.ends_on = datetime(2026, 12, 31).date()
        db_session.commit()
    response = post(client, campaign, member_headers, {**report(), **change})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert table_counts("signature_reports")["signature_reports"] == 0


def test_as_of_more_than_five_minutes_ahead_is_refused(client, db_session, member_headers):
    campaign = factories.make_campaign(starts_on=datetime(2026, 1, 1).date(), ends_on=datetime(2099, 1, 1).date())
    db_session.commit()
    assert post(client, campaign, member_headers, report(as_of=future(10))).status_code == 422
    assert post(client, campaign, member_headers, report(as_of=future(2))).status_code == 201


def test_greece_may_be_written_el(client, campaign, member_headers):
    response = post(client, campaign, member_headers, report(country="EL"))
    assert response.get_json()["reports"][0]["country"] == "GR"


@pytest.mark.parametrize("body, status", [
    ({"reports": []}, 422),
    ({"reports": [report()] * 1001}, 422),
    ([report()], 422),
    ({"reports": "many"}, 422),
])
def test_malformed_bodies_are_problems(client, campaign, member_headers, body, status):
    response = post(client, campaign, member_headers, body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_a_body_that_is_not_json_is_a_400(client, campaign, member_headers):
    response = client.post(url(campaign), data="{nope", headers={**member_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_reporting_needs_the_signatures_scope(client, campaign, auth_headers, member):
    response = post(client, campaign, auth_headers(member, "campaigns:read"), report())
    assert response.status_code == 403
    assert post(client, campaign, {}, report()).status_code == 401


def test_members_report_for_themselves_only(client, campaign, member_headers, db_session):
    other = factories.make_organization()
    db_session.commit()
    response = post(client, campaign, member_headers, report(organization=other.slug))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert table_counts("signature_reports")["signature_reports"] == 0


def test_coordinators_report_for_another_organization(client, campaign, coordinator_headers, db_session):
    other = factories.make_organization()
    db_session.commit()
    response = post(client, campaign, coordinator_headers, report(organization=other.slug))
    assert response.status_code == 201
    assert response.get_json()["figures"][0]["organization"] == other.slug
    unknown = post(client, campaign, coordinator_headers, report(organization="nobody"))
    assert unknown.status_code == 422
    assert "organization" in unknown.get_json()["errors"]


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_campaigns_not_live_refuse_member_reports(client, db_session, member_headers, status):
    campaign = factories.make_campaign(status=status)
    db_session.commit()
    response = post(client, campaign, member_headers, report())
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_coordinators_correct_a_closed_campaign_with_a_reason(client, campaign, member_headers, coordinator_headers, member):
    post(client, campaign, member_headers, report(count=100))
    client.patch(f"/api/v1/campaigns/{campaign.slug}", json={"status": "closed"}, headers=coordinator_headers)
    frozen = client.get(url(campaign, "counter")).get_json()
    correction = report(count=40, organization=member.slug, as_of="2026-03-04T00:00:00Z")
    assert post(client, campaign, coordinator_headers, correction).status_code == 422
    response = post(client, campaign, coordinator_headers, {**correction, "reason": "late paper forms"})
    assert response.status_code == 201
    assert figure(client, campaign, coordinator_headers) == 140
    assert client.get(url(campaign, "counter")).get_json() == frozen


def test_same_idempotency_key_and_body_replays_the_first_answer(client, campaign, member_headers):
    headers = {"Idempotency-Key": "batch-2026-03-01"}
    first = post(client, campaign, member_headers, report(count=70), extra_headers=headers)
    again = post(client, campaign, member_headers, report(count=70), extra_headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_data() == again.get_data()
    assert table_counts("signature_reports")["signature_reports"] == 1
    assert figure(client, campaign, member_headers) == 70
    other = post(client, campaign, member_headers, report(count=71), extra_headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert figure(client, campaign, member_headers) == 70


def test_idempotency_keys_are_scoped_to_the_organization(client, campaign, member_headers, auth_headers):
    headers = {"Idempotency-Key": "k1"}
    other_headers = auth_headers(factories.make_organization(), "signatures:write campaigns:read")
    assert post(client, campaign, member_headers, report(count=1), extra_headers=headers).status_code == 201
    assert post(client, campaign, other_headers, report(count=2), extra_headers=headers).status_code == 201
    assert figure(client, campaign, member_headers) == 3


def test_a_refused_request_does_not_use_up_its_key(client, db_session, member_headers, coordinator_headers):
    campaign = factories.make_campaign(status="draft")
    db_session.commit()
    headers = {"Idempotency-Key": "early"}
    assert post(client, campaign, member_headers, report(), extra_headers=headers).status_code == 409
    client.patch(f"/api/v1/campaigns/{campaign.slug}", json={"status": "live"}, headers=coordinator_headers)
    assert post(client, campaign, member_headers, report(), extra_headers=headers).status_code == 201


def test_members_list_their_own_reports_coordinators_all(client, campaign, member_headers, coordinator_headers, auth_headers):
    other_headers = auth_headers(factories.make_organization(), "signatures:write campaigns:read")
    post(client, campaign, member_headers, report(count=1))
    post(client, campaign, other_headers, report(count=2))
    mine = client.get(url(campaign), headers=member_headers).get_json()
    assert [r["count"] for r in mine["items"]] == [1]
    everything = client.get(url(campaign) + "?per_page=1", headers=coordinator_headers)
    assert everything.get_json()["total"] == 2
    assert 'rel="next"' in everything.headers["Link"]
    assert client.get(url(campaign) + "?organization=org-x", headers=member_headers).status_code == 403


def test_series_gives_figures_and_increments_per_period(client, campaign, member, member_headers):
    post(client, campaign, member_headers, {"reports": [
        report(count=100, as_of="2026-03-02T10:00:00Z"),
        report(country="FR", count=10, as_of="2026-03-02T11:00:00Z"),
        report(mode="total", count=150, as_of="2026-03-04T09:00:00Z"),
        report(count=20, as_of="2026-03-03T09:00:00Z"),  # absorbed by the total of the 4th
    ]})
    response = client.get(url(campaign, "signatures/series?granularity=day&group_by=country"), headers=member_headers)
    series = {s["group"]: s["points"] for s in response.get_json()["series"]}
    assert [(p["period_start"], p["figure"], p["increment"]) for p in series["DE"]] == [
        ("2026-03-02", 100, 100), ("2026-03-03", 120, 20), ("2026-03-04", 150, 30)]
    assert [p["figure"] for p in series["FR"]] == [10, 10, 10]
    weekly = client.get(url(campaign, "signatures/series?granularity=week&group_by=channel"), headers=member_headers)
    assert weekly.get_json()["series"] == [{"group": "online", "points": [
        {"period_start": "2026-03-02", "figure": 160, "increment": 160}]}]
    by_organization = client.get(url(campaign, "signatures/series?granularity=week&group_by=organization"),
                                 headers=member_headers).get_json()["series"]
    assert [(s["group"], [p["figure"] for p in s["points"]]) for s in by_organization] == [(member.slug, [160])]
    assert client.get(url(campaign, "signatures/series?granularity=hour"), headers=member_headers).status_code == 422


def test_an_overlong_idempotency_key_is_refused(client, campaign, member_headers):
    response = post(client, campaign, member_headers, report(), extra_headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert table_counts("signature_reports")["signature_reports"] == 0


def test_an_idempotency_key_older_than_a_day_may_be_used_again(client, campaign, member_headers, db_session):
    headers = {"Idempotency-Key": "daily"}
    assert post(client, campaign, member_headers, report(count=1), extra_headers=headers).status_code == 201
    db_session.execute(update(IdempotencyRecord).values(created_date=utcnow() - timedelta(hours=25)))
    db_session.commit()
    assert post(client, campaign, member_headers, report(count=2), extra_headers=headers).status_code == 201
    assert figure(client, campaign, member_headers) == 3


def test_housekeeping_forgets_idempotency_keys_after_a_day(client, member_headers, campaign, db_session):
    from coalition.campaigns.idempotency import remove_expired_keys

    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    headers = {**member_headers, "Idempotency-Key": "nightly-1"}
    assert client.post(url, json=report(), headers=headers).status_code == 201
    assert remove_expired_keys() == 0
    assert remove_expired_keys(now=utcnow() + timedelta(hours=25)) == 1
    assert table_counts("idempotency_records") == {"idempotency_records": 0}
