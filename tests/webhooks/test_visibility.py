"""Who hears of what: a campaign still in draft is announced to coordinators only."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.receivers import Receiver
from tests.webhooks.conftest import deliver, subscribe

pytestmark = pytest.mark.usefixtures("db_session")


def kinds(receiver: Receiver) -> list[str]:
    # Deliveries run concurrently: their order of arrival is not the order of the events.
    return sorted(json.loads(request.body)["type"] for request in receiver.received)


def test_members_hear_nothing_of_a_draft_campaign_until_it_goes_live(
        client, auth_headers, member, coordinator, local_receivers):
    campaign = factories.make_campaign(status="draft")
    with Receiver() as members, Receiver() as lead:
        subscribe(member, members.url())
        subscribe(coordinator, lead.url())
        headers = auth_headers(coordinator, "materials:read materials:write admin")
        created = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=headers,
                              json={"slug": "leaflet", "kind": "leaflet", "title": "Before the launch"})
        assert created.status_code == 201, created.get_json()
        deliver()
        assert (kinds(members), kinds(lead)) == ([], ["material.created"])
        launched = client.patch(f"/api/v1/campaigns/{campaign.slug}", headers=headers, json={"status": "live"})
        assert launched.status_code == 200, launched.get_json()
        client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=headers,
                    json={"slug": "poster", "kind": "other", "title": "After the launch"})
        deliver()
        assert kinds(members) == ["campaign.status_changed", "material.created"]
        assert {json.loads(r.body)["data"].get("slug") for r in members.received} == {None, "poster"}
        assert kinds(lead) == ["campaign.status_changed", "material.created", "material.created"]
