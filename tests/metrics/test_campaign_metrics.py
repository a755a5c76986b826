"""Campaign metrics and the signature datasets, from reports sent through the API."""

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories


def ago(days: int) -> str:
    moment = datetime.now(UTC) - timedelta(days=days)
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def reported(client, auth_headers, db_session):
    """Two members' reports at known ages: 40, 10 and 3 days ago."""
    campaign = factories.make_campaign(starts_on=date(2025, 1, 1), ends_on=date.today() + timedelta(days=100))
    coordinator = factories.make_organization(role="coordinator")
    first, second = factories.make_organization(), factories.make_organization()
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    first_headers = auth_headers(first, "campaigns:read signatures:write")
    for body, headers in (
        ({"country": "DE", "channel": "paper", "mode": "total", "count": 1000, "as_of": ago(40)}, first_headers),
        ({"country": "DE", "channel": "paper", "mode": "delta", "count": 140, "as_of": ago(10)}, first_headers),
        ({"country": "FR", "channel": "online", "mode": "delta", "count": 70, "as_of": ago(3)},
         auth_headers(second, "campaigns:read signatures:write")),
    ):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
    factories.make_action(campaign, first, reach=250, action_date=date.today() - timedelta(days=2))
    return {
        "campaign": campaign, "first": first, "second": second, "first_headers": first_headers,
        "coordinator_headers": auth_headers(coordinator, "metrics:read campaigns:read"),
    }


def test_coordinator_metrics_give_pace_and_projection(client, reported):
    campaign = reported["campaign"]
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/metrics", headers=reported["coordinator_headers"])
    assert response.status_code == 200, response.get_json()
    metrics = response.get_json()
    assert metrics["scope"] == "coalition"
    assert (metrics["total"], metrics["last_7_days"], metrics["last_30_days"]) == (1210, 70, 210)
    assert metrics["daily_rate"] == 15.0  # 210 added in the last 14 days
    expected = date.today() + timedelta(days=math.ceil((1_000_000 - 1210) / 15))
    assert metrics["projected_goal_date"] == expected.isoformat()
    assert metrics["days_left"] == 100
    countries = {row["country"]: row for row in metrics["countries"]}
    assert countries["DE"]["count"] == 1140 and countries["DE"]["last_30_days"] == 140
    assert countries["DE"]["threshold"] == 69_120 and countries["DE"]["met"] is False
    assert countries["FR"]["last_7_days"] == 70
    assert countries["MT"]["count"] == 0 and countries["MT"]["projected_threshold_date"] is None
    organizations = {row["organization"]: row["count"] for row in metrics["organizations"]}
    assert organizations == {reported["first"].slug: 1140, reported["second"].slug: 70}
    assert metrics["outreach"]["actions"] == 1 and metrics["outreach"]["reach"] == 250


def test_member_metrics_hold_its_own_figures_beside_the_public_totals(client, reported):
    campaign = reported["campaign"]
    metrics = client.get(f"/api/v1/campaigns/{campaign.slug}/metrics", headers=reported["first_headers"]).get_json()
    assert metrics["scope"] == "organization" and metrics["organization"] == reported["first"].slug
    assert metrics["total"] == 1140 and metrics["last_7_days"] == 0
    assert metrics["public"]["total"] == 1210
    assert [row["organization"] for row in metrics["organizations"]] == [reported["first"].slug]


def test_metrics_need_a_token(client, reported):
    response = client.get(f"/api/v1/campaigns/{reported['campaign'].slug}/metrics")
    assert response.status_code == 401


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_progress_export_sums_equal_the_progress_endpoint(client, reported):
    slug = reported["campaign"].slug
    headers = reported["coordinator_headers"]
    exported = read_csv(client.get(f"/api/v1/campaigns/{slug}/exports/progress.csv", headers=headers))
    progress = client.get(f"/api/v1/campaigns/{slug}/progress", headers=headers).get_json()
    assert {row["country"]: int(row["count"]) for row in exported} == {
        row["country"]: row["count"] for row in progress["countries"]}
    assert sum(int(row["count"]) for row in exported) == progress["total"] == 1210
    organizations = read_csv(client.get(f"/api/v1/campaigns/{slug}/exports/organizations.csv", headers=headers))
    assert sum(int(row["count"]) for row in organizations) == progress["total"]
    by_slug = {row["slug"]: row for row in organizations}
    assert (by_slug[reported["first"].slug]["paper"], by_slug[reported["second"].slug]["online"]) == ("1140", "70")


def test_signature_ledger_export_is_the_ledger_and_members_get_their_own(client, reported):
    slug = reported["campaign"].slug
    everything = read_csv(client.get(f"/api/v1/campaigns/{slug}/exports/signatures.csv",
                                     headers=reported["coordinator_headers"]))
    assert [(row["mode"], row["count"], row["figure"]) for row in everything] == [
        ("total", "1000", "1000"), ("delta", "140", "1140"), ("delta", "70", "70")]
    own = read_csv(client.get(f"/api/v1/campaigns/{slug}/exports/signatures.csv",
                              headers=reported["first_headers"]))
    assert {row["organization"] for row in own} == {reported["first"].slug} and len(own) == 2
    own_progress = read_csv(client.get(f"/api/v1/campaigns/{slug}/exports/progress.csv",
                                       headers=reported["first_headers"]))
    assert sum(int(row["count"]) for row in own_progress) == 1140
