"""The outreach and translation datasets, exported over HTTP and read back with the csv module."""

import csv
import io
import json
from datetime import date

from coalition.auth.scopes import HUB_ONLY, SCOPES
from tests import factories


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_actions_export_holds_own_rows_for_members_and_all_for_coordinators(client, auth_headers, db_session):
    campaign = factories.make_campaign()
    coordinator = factories.make_organization(role="coordinator")
    member, other = factories.make_organization(), factories.make_organization()
    factories.make_action(campaign, member, reach=120, tags=["market", "spring"], country="FR")
    factories.make_action(campaign, member, reach=30, action_date=date(2026, 3, 9))
    factories.make_action(campaign, other, reach=999)
    url = f"/api/v1/campaigns/{campaign.slug}/exports/actions.csv"

    mine = read_csv(client.get(url, headers=auth_headers(member, ["campaigns:read"])))
    everything = read_csv(client.get(url, headers=auth_headers(coordinator, sorted(set(SCOPES) - HUB_ONLY))))

    assert [row["reach"] for row in mine] == ["120", "30"]
    assert {row["organization"] for row in mine} == {member.slug}
    assert mine[0]["tags"] == "market;spring" and mine[0]["country"] == "FR"
    assert mine[0]["action_date"] == "2026-03-02"
    assert sum(int(row["reach"]) for row in everything) == 120 + 30 + 999


def test_actions_tags_are_a_list_in_json_lines_as_in_the_api(client, auth_headers, db_session):
    campaign = factories.make_campaign()
    member = factories.make_organization()
    factories.make_action(campaign, member, tags=["market", "spring"])
    headers = auth_headers(member, ["campaigns:read", "actions:read"])
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/actions.jsonl", headers=headers)
    [row] = [json.loads(line) for line in response.data.decode().splitlines()]
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/actions", headers=headers).get_json()
    assert row["tags"] == ["market", "spring"] == listed["items"][0]["tags"]


def test_translations_export_matches_the_locales_endpoint(client, auth_headers, db_session):
    campaign = factories.make_campaign(locales=["en", "de", "fr"])
    writer = factories.make_organization()
    headers = auth_headers(writer, ["materials:read", "materials:write", "translations:write", "campaigns:read"])
    created = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=headers,
                          json={"kind": "leaflet", "slug": "flyer", "title": "Stop it", "body": "Now."})
    assert created.status_code == 201, created.get_json()
    saved = client.put(f"/api/v1/materials/{created.get_json()['id']}/translations/de", headers=headers,
                       json={"title": "Stoppt es", "status": "draft"})
    assert saved.status_code in (200, 201), saved.get_json()

    exported = read_csv(client.get(f"/api/v1/campaigns/{campaign.slug}/exports/translations.csv",
                                   headers=headers))
    progress = client.get(f"/api/v1/campaigns/{campaign.slug}/locales", headers=headers).get_json()
    by_locale = {row["locale"]: row for row in exported}
    for entry in progress["locales"]:
        row = by_locale[entry["locale"]]
        for field in ("fields", "untranslated", "draft", "needs_review", "approved", "outdated"):
            assert int(row[field]) == entry[field], (entry["locale"], field)
    assert by_locale["de"]["draft"] == "1" and by_locale["de"]["untranslated"] == "1"
