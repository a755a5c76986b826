"""Reading a campaign's actions: filters, sorting, pages, and the summary's arithmetic."""

from datetime import date

import pytest

from tests import factories

READ = "actions:read"


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


@pytest.fixture
def logged(campaign, member):
    """Actions of two organizations; 2026-03-01 is a Sunday (ISO week 9), 03-02 a Monday (week 10)."""
    other = factories.make_organization(slug="other-org", country="FR")
    material = factories.make_material(campaign).id
    make = factories.make_action
    return {
        "member": member, "other": other, "material": material, "actions": [
            make(campaign, member, kind="street_stall", action_date=date(2026, 2, 23), country="DE", reach=100,
                 signatures_collected=20, tags=["mitte"]),
            make(campaign, member, kind="street_stall", action_date=date(2026, 3, 1), country="DE", reach=50,
                 signatures_collected=5, materials=[material]),
            make(campaign, member, kind="street_stall", action_date=date(2026, 3, 2), country="DE", reach=7),
            make(campaign, member, kind="event", action_date=date(2026, 3, 4), country="AT", reach=300,
                 tags=["mitte", "uni"]),
            make(campaign, other, kind="street_stall", action_date=date(2026, 3, 3), country="DE", reach=11,
                 signatures_collected=3),
            make(campaign, other, kind="press", action_date=date(2026, 3, 8), country="FR", reach=9000,
                 materials=[material]),
        ]}


def listed(client, campaign, headers, query=""):
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/actions{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_members_read_every_organizations_actions_newest_first(client, campaign, logged, auth_headers):
    response = listed(client, campaign, auth_headers(logged["member"], READ))
    body = response.get_json()
    assert body["total"] == 6
    assert [a["action_date"] for a in body["items"]] == [
        "2026-03-08", "2026-03-04", "2026-03-03", "2026-03-02", "2026-03-01", "2026-02-23"]
    assert {a["organization"] for a in body["items"]} == {logged["member"].slug, "other-org"}


@pytest.mark.parametrize("query, reaches", [
    ("?organization=other-org", [9000, 11]),
    ("?kind=street_stall&sort=reach", [7, 11, 50, 100]),
    ("?country=de&sort=-reach", [100, 50, 11, 7]),
    ("?since=2026-03-02&until=2026-03-04&sort=action_date", [7, 11, 300]),
    ("?tag=MITTE&sort=reach", [100, 300]),
    ("?material={material}&sort=reach", [50, 9000]),
    ("?organization=nobody", []),
    ("?tag=nothing", []),
])
def test_filters_and_sorting(client, campaign, logged, auth_headers, query, reaches):
    query = query.format(material=logged["material"])
    body = listed(client, campaign, auth_headers(logged["member"], READ), query).get_json()
    assert [a["reach"] for a in body["items"]] == reaches
    assert body["total"] == len(reaches)


@pytest.mark.parametrize("query, field", [
    ("?kind=flashmob", "kind"), ("?country=XX", "country"), ("?since=yesterday", "since"),
    ("?since=2026-03-05&until=2026-03-01", "until"), ("?material=nope", "material"),
    ("?sort=notes", "sort"), ("?per_page=101", "per_page"),
])
def test_bad_filters_are_422(client, campaign, logged, auth_headers, query, field):
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/actions{query}",
                          headers=auth_headers(logged["member"], READ))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_pages_follow_the_link_header_without_repeats(client, campaign, logged, auth_headers):
    headers = auth_headers(logged["member"], READ)
    seen, url = [], f"/api/v1/campaigns/{campaign.slug}/actions?per_page=4&sort=created_date"
    first = client.get(url, headers=headers)
    assert 'rel="last"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    assert first.get_json()["per_page"] == 4
    response = first
    while True:
        seen += [a["id"] for a in response.get_json()["items"]]
        links = dict((rel.split('"')[1], target.strip("<> ")) for target, rel in
                     (part.split(";") for part in response.headers["Link"].split(",")))
        if "next" not in links:
            break
        assert "sort=created_date" in links["next"]
        response = client.get(links["next"], headers=headers)
    assert len(seen) == len(set(seen)) == 6
    assert 'rel="prev"' in response.headers["Link"]


def test_other_campaigns_actions_are_not_listed(client, campaign, logged, auth_headers):
    other = factories.make_campaign()
    body = listed(client, other, auth_headers(logged["member"], READ)).get_json()
    assert body == {"items": [], "total": 0, "page": 1, "per_page": 50}


def summary(client, campaign, headers, query=""):
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/actions/summary{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_summary_sums_per_kind_country_and_iso_week(client, campaign, logged, auth_headers):
    body = summary(client, campaign, auth_headers(logged["member"], READ))
    assert body["campaign"] == campaign.slug
    assert body["totals"] == {"actions": 6, "reach": 9468, "signatures_collected": 28}
    cells = {(g["week"], g["country"], g["kind"]): (g["actions"], g["reach"], g["signatures_collected"])
             for g in body["groups"]}
    assert cells == {
        ("2026-W09", "DE", "street_stall"): (2, 150, 25),
        ("2026-W10", "AT", "event"): (1, 300, 0),
        ("2026-W10", "DE", "street_stall"): (2, 18, 3),
        ("2026-W10", "FR", "press"): (1, 9000, 0),
    }
    assert [g["week_starts_on"] for g in body["groups"]] == ["2026-02-23", "2026-03-02", "2026-03-02", "2026-03-02"]


def test_summary_takes_the_list_filters(client, campaign, logged, auth_headers):
    headers = auth_headers(logged["member"], READ)
    body = summary(client, campaign, headers, "?organization=other-org&since=2026-03-02")
    assert body["totals"] == {"actions": 2, "reach": 9011, "signatures_collected": 3}
    assert summary(client, campaign, headers, "?tag=uni")["groups"] == [{
        "kind": "event", "country": "AT", "week": "2026-W10", "week_starts_on": "2026-03-02",
        "actions": 1, "reach": 300, "signatures_collected": 0}]


def test_summary_of_a_campaign_without_actions_is_zero(client, campaign, member, auth_headers):
    assert summary(client, campaign, auth_headers(member, READ)) == {
        "campaign": campaign.slug, "totals": {"actions": 0, "reach": 0, "signatures_collected": 0},
        "groups": []}


def test_summary_weeks_follow_iso_years(client, campaign, member, auth_headers):
    factories.make_action(campaign, member, action_date=date(2027, 1, 1), reach=5)
    factories.make_action(campaign, member, action_date=date(2026, 12, 28), reach=6)
    groups = summary(client, campaign, auth_headers(member, READ))["groups"]
    assert [(g["week"], g["reach"]) for g in groups] == [("2026-W53", 11)]
