"""Logging many actions at once: all or nothing, with errors keyed by the item's position."""

import pytest

from tests import factories
from tests.conftest import table_counts

WRITE = "actions:read actions:write"


def item(number: int, **fields) -> dict:
    return {"kind": "canvassing", "action_date": "2026-04-06", "country": "FR", "reach": number,
            "origin_system": "portal", "external_id": f"x-{number}", **fields}


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


def test_a_batch_is_created_in_order(client, member, campaign, auth_headers):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions",
                           json={"actions": [item(n) for n in range(5)]}, headers=auth_headers(member, WRITE))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["created"], body["updated"]) == (5, 0)
    assert [a["reach"] for a in body["actions"]] == [0, 1, 2, 3, 4]
    assert table_counts("outreach_actions") == {"outreach_actions": 5}


def test_one_bad_item_writes_nothing_and_names_the_item(client, member, campaign, auth_headers):
    items = [item(n) for n in range(6)]
    items[3]["country"] = "XX"
    items[5]["notes"] = "Contact Anna: anna@example.org"
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", json={"actions": items},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    errors = response.get_json()["errors"]["actions"]
    assert set(errors) == {"3", "5"}
    assert "country" in errors["3"]
    assert "e-mail" in errors["5"]["notes"][0]
    assert table_counts("outreach_actions") == {"outreach_actions": 0}


def test_a_rule_error_in_one_item_writes_nothing(client, member, campaign, auth_headers):
    items = [item(n) for n in range(3)] + [item(0)]
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", json={"actions": items},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"actions": {"3": {
        "external_id": ["This external id appears twice in the request."]}}}
    assert table_counts("outreach_actions") == {"outreach_actions": 0}


def test_resending_a_batch_updates_and_adds(client, member, campaign, auth_headers):
    headers = auth_headers(member, WRITE)
    url = f"/api/v1/campaigns/{campaign.slug}/actions"
    client.post(url, json={"actions": [item(n) for n in range(3)]}, headers=headers)
    again = client.post(url, json={"actions": [item(n, reach=10 + n) for n in range(4)]}, headers=headers)
    assert again.status_code == 201
    assert (again.get_json()["created"], again.get_json()["updated"]) == (1, 3)
    repeat = client.post(url, json={"actions": [item(n, reach=10 + n) for n in range(4)]}, headers=headers)
    assert repeat.status_code == 200
    assert (repeat.get_json()["created"], repeat.get_json()["updated"]) == (0, 4)
    assert table_counts("outreach_actions") == {"outreach_actions": 4}


def test_external_id_of_another_campaign_is_refused(client, member, campaign, auth_headers):
    other = factories.make_campaign()
    factories.make_action(other, member, origin_system="portal", external_id="x-1")
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", json={"actions": [item(0), item(1)]},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["actions"]) == ["1"]


@pytest.mark.parametrize("actions", [[], [item(n) for n in range(1001)], "nope"])
def test_empty_oversized_or_malformed_batches_are_refused(client, member, campaign, auth_headers, actions):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", json={"actions": actions},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    assert "actions" in response.get_json()["errors"]
    assert table_counts("outreach_actions") == {"outreach_actions": 0}


def test_a_full_batch_of_1000_is_accepted(client, member, campaign, auth_headers):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions",
                           json={"actions": [item(n) for n in range(1000)]}, headers=auth_headers(member, WRITE))
    assert response.status_code == 201
    assert table_counts("outreach_actions") == {"outreach_actions": 1000}


def test_organization_in_a_batch_item_is_refused(client, member, campaign, auth_headers):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/actions",
                           json={"actions": [item(0), item(1, organization="someone-else")]},
                           headers=auth_headers(member, WRITE))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["actions"]["1"]) == ["organization"]
