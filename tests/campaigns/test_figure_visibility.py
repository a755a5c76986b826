"""One rule for per-organization figures: members see their own, coordinators (metrics:read or admin) all."""

import csv
import io

import pytest

from tests import factories
from tests.campaigns.conftest import report

READ = "campaigns:read signatures:write"


@pytest.fixture
def two_members(client, db_session, auth_headers):
    campaign = factories.make_campaign()
    first, second = factories.make_organization(), factories.make_organization()
    headers = {first.slug: auth_headers(first, READ), second.slug: auth_headers(second, READ)}
    for slug, count in ((first.slug, 100), (second.slug, 30)):
        response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures",
                               json=report(count=count), headers=headers[slug])
        assert response.status_code == 201
    return campaign, first, second, headers


def _organizations_everywhere(client, campaign, headers) -> dict:
    base = f"/api/v1/campaigns/{campaign.slug}"
    progress = client.get(f"{base}/progress", headers=headers).get_json()
    series = client.get(f"{base}/signatures/series?granularity=day&group_by=organization", headers=headers)
    metrics = client.get(f"{base}/metrics", headers=headers).get_json()
    export = client.get(f"{base}/exports/signatures.csv", headers=headers).get_data(as_text=True)
    ledger = client.get(f"{base}/signatures", headers=headers).get_json()
    return {
        "progress": {row["organization"]: row["count"] for row in progress["organizations"]},
        "series": {s["group"]: s["points"][-1]["figure"] for s in series.get_json()["series"]},
        "metrics": {row["organization"]: row["count"] for row in metrics["organizations"]},
        "export": {row["organization"] for row in csv.DictReader(io.StringIO(export))},
        "ledger": {row["organization"] for row in ledger["items"]},
        "total": progress["total"],
    }


def test_a_member_sees_only_its_own_organization_figures_everywhere(client, two_members):
    campaign, first, second, headers = two_members
    seen = _organizations_everywhere(client, campaign, headers[first.slug])
    assert seen == {"progress": {first.slug: 100}, "series": {first.slug: 100}, "metrics": {first.slug: 100},
                    "export": {first.slug}, "ledger": {first.slug}, "total": 130}


def test_a_coordinator_with_a_coordinator_scope_sees_every_organization(client, two_members, auth_headers, coordinator):
    campaign, first, second, _headers = two_members
    for scopes in ("metrics:read campaigns:read", "admin campaigns:read"):
        seen = _organizations_everywhere(client, campaign, auth_headers(coordinator, scopes))
        both = {first.slug: 100, second.slug: 30}
        assert seen == {"progress": both, "series": both, "metrics": both, "export": set(both),
                        "ledger": set(both), "total": 130}, scopes


def test_a_coordinator_portal_without_a_coordinator_scope_sees_its_own(client, two_members, auth_headers, coordinator):
    campaign, first, _second, _headers = two_members
    seen = _organizations_everywhere(client, campaign, auth_headers(coordinator, READ))
    assert seen == {"progress": {}, "series": {}, "metrics": {}, "export": set(), "ledger": set(), "total": 130}


def test_series_by_country_still_sums_the_coalition(client, two_members):
    campaign, first, _second, headers = two_members
    series = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures/series?granularity=day&group_by=country",
                        headers=headers[first.slug]).get_json()["series"]
    assert [(s["group"], s["points"][-1]["figure"]) for s in series] == [("DE", 130)]
