"""Figures have a range: up to 1,000,000,000 per organization, country and channel; sums are 64-bit."""

from __future__ import annotations

from coalition.campaigns.models import MAX_FIGURE
from tests.campaigns.conftest import report

TEN_MILLION = 10_000_000


def url(campaign, path="signatures"):
    return f"/api/v1/campaigns/{campaign.slug}/{path}"


def batch(count: int, **fields) -> dict:
    return {"reports": [report(count=TEN_MILLION, as_of="2026-03-01T12:00:00Z", **fields) for _ in range(count)]}


def ledger_figures(client, campaign, headers) -> list[int]:
    return [item["figure"] for item in client.get(url(campaign) + "?per_page=100", headers=headers).get_json()["items"]]


def test_a_figure_reaches_the_limit_and_no_further(client, campaign, member_headers):
    assert MAX_FIGURE == 100 * TEN_MILLION
    reached = client.post(url(campaign), json=batch(100), headers=member_headers)
    assert reached.status_code == 201
    assert reached.get_json()["figures"][0]["count"] == MAX_FIGURE

    single = client.post(url(campaign), json=report(count=1, as_of="2026-03-02T12:00:00Z"), headers=member_headers)
    assert single.status_code == 422
    assert "1000000001" in single.get_json()["errors"]["count"][0]
    late = client.post(url(campaign), json=report(count=1, as_of="2026-02-01T12:00:00Z"), headers=member_headers)
    assert late.status_code == 422 and "count" in late.get_json()["errors"]
    assert client.get(url(campaign, "progress"), headers=member_headers).get_json()["total"] == MAX_FIGURE
    assert max(ledger_figures(client, campaign, member_headers)) == MAX_FIGURE


def test_a_batch_past_32_bits_is_refused_whole_instead_of_wrapping(client, campaign, member_headers):
    response = client.post(url(campaign), json=batch(215), headers=member_headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["reports"]) == {str(index) for index in range(100, 215)}
    assert client.get(url(campaign), headers=member_headers).get_json()["items"] == []
    assert client.get(url(campaign, "progress"), headers=member_headers).get_json()["total"] == 0


def test_campaign_and_country_sums_go_past_32_bits(client, campaign, member_headers):
    for country, channel in (("DE", "online"), ("DE", "paper"), ("FR", "online")):
        assert client.post(url(campaign), json=batch(100, country=country, channel=channel),
                           headers=member_headers).status_code == 201
    progress = client.get(url(campaign, "progress"), headers=member_headers).get_json()
    assert progress["total"] == 3 * MAX_FIGURE
    countries = {row["country"]: row["count"] for row in progress["countries"]}
    assert countries["DE"] == 2 * MAX_FIGURE and countries["FR"] == MAX_FIGURE
    counter = client.get(url(campaign, "counter")).get_json()
    assert counter["total"] == 3 * MAX_FIGURE
    series = client.get(url(campaign, "signatures/series?granularity=day&group_by=channel"),
                        headers=member_headers).get_json()["series"]
    assert {s["group"]: s["points"][-1]["figure"] for s in series} == {"online": 2 * MAX_FIGURE, "paper": MAX_FIGURE}
