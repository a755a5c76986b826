"""Lists that grow (the ledger, outreach actions, the audit log) page by keyset: following
`Link: rel="next"` while rows are added neither repeats nor skips one."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import factories


def links(response) -> dict[str, str]:
    return dict((rel.split('"')[1], target.strip("<> ")) for target, rel in
                (part.split(";") for part in response.headers["Link"].split(",")))


def follow(client, url: str, headers: dict, between=lambda: None) -> list[str]:
    """Every item id of the list, page after page, calling `between` before each next page."""
    seen = []
    response = client.get(url, headers=headers)
    while True:
        assert response.status_code == 200, response.get_json()
        seen += [item["id"] for item in response.get_json()["items"]]
        following = links(response).get("next")
        if following is None:
            return seen
        query = parse_qs(urlsplit(following).query)
        assert "after" in query and "page" not in query
        between()
        response = client.get(following, headers=headers)


@pytest.fixture
def reporting(client, auth_headers, db_session):
    campaign = factories.make_campaign(starts_on=date(2026, 1, 1))
    member = factories.make_organization()
    headers = auth_headers(member, "campaigns:read signatures:write actions:read actions:write")
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"

    def report(count: int) -> str:
        response = client.post(url, headers=headers, json={
            "country": "DE", "channel": "paper", "mode": "delta", "count": count, "as_of": "2026-03-01T12:00:00Z"})
        assert response.status_code == 201
        return response.get_json()["reports"][0]["id"]

    return campaign, member, headers, report


def test_the_ledger_pages_without_repeats_while_reports_arrive(client, reporting):
    campaign, _member, headers, report = reporting
    before = [report(count) for count in range(1, 8)]
    added = []
    seen = follow(client, f"/api/v1/campaigns/{campaign.slug}/signatures?per_page=3", headers,
                  between=lambda: added.append(report(100)))
    assert seen == list(reversed(before))
    first = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures?per_page=3&country=DE", headers=headers)
    assert first.get_json()["total"] == len(before) + len(added) == 9
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/signatures?country=FR",
                      headers=headers).get_json()["total"] == 0


def test_actions_page_without_repeats_while_actions_are_logged(client, reporting):
    campaign, member, headers, _report = reporting
    before = [factories.make_action(campaign, member, reach=reach).id for reach in (5, 1, 5, 3, 5, 2, 4)]
    seen = follow(client, f"/api/v1/campaigns/{campaign.slug}/actions?per_page=2&sort=-reach", headers,
                  between=lambda: factories.make_action(campaign, member, reach=9))
    assert sorted(seen) == sorted(before) and len(seen) == len(set(seen))


def test_the_audit_log_pages_by_cursor(client, auth_headers, db_session):
    admin = auth_headers(factories.make_organization(role="coordinator"), "admin")
    for number in range(5):
        assert client.post("/api/v1/organizations", headers=admin,
                           json={"slug": f"keyset-{number}", "name": f"Keyset {number}"}).status_code == 201
    everything = [item["id"] for item in client.get("/api/v1/audit?per_page=100", headers=admin).get_json()["items"]]
    assert follow(client, "/api/v1/audit?per_page=2", admin) == everything


@pytest.mark.parametrize("cursor", ["nonsense", "WzIsWzFdXQ", "WzIsW3sidCI6IjIwMjYifV1d", "WzEsWyJ4Il1d"])
def test_a_forged_cursor_is_a_422(client, reporting, cursor):
    campaign, _member, headers, _report = reporting
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures?after={cursor}", headers=headers)
    assert response.status_code == 422
    assert "after" in response.get_json()["errors"]


def test_a_long_list_answers_an_estimate_beyond_the_exact_bound(client, reporting, backend, monkeypatch):
    campaign, member, headers, _report = reporting
    for reach in range(7):
        factories.make_action(campaign, member, reach=reach)
    monkeypatch.setattr("coalition.pagination.EXACT_TOTAL_UP_TO", 3)
    body = client.get(f"/api/v1/campaigns/{campaign.slug}/actions?per_page=2", headers=headers).get_json()
    if backend == "postgresql":
        assert body["total"] >= 4  # the planner's estimate, never below the exact bound
    else:
        assert body["total"] == 7
    monkeypatch.setattr("coalition.pagination.EXACT_TOTAL_UP_TO", 10)
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/actions", headers=headers).get_json()["total"] == 7
