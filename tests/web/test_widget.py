"""The partner widget through the test client: the counter's figures, cache and ETag, any framer."""

from __future__ import annotations

import time

import pytest

from tests import factories
from tests.campaigns.conftest import report


@pytest.fixture
def campaign(db_session):
    campaign = factories.make_campaign(title="Reclaim Your Face")
    db_session.commit()
    return campaign


def widget(client, campaign, query="", **headers):
    return client.get(f"/embed/{campaign.slug}/counter{query}", headers=headers)


def test_the_widget_shows_the_counter_in_the_asked_language_and_any_site_may_frame_it(client, campaign):
    answer = widget(client, campaign, "?locale=de")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert '<html lang="de">' in answer.text and answer.headers["Content-Language"] == "de"
    assert "Reclaim Your Face" in answer.text and "1.000.000" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "default-src 'none'" in policy
    assert "X-Frame-Options" not in answer.headers and "Set-Cookie" not in answer.headers
    assert answer.headers["Vary"] == "Accept-Language"
    # No other address is named: the widget loads nothing, not even from its own site.
    assert "http" not in answer.text and "<script" not in answer.text and "<link" not in answer.text
    assert len(answer.data) < 4096


def test_the_widget_carries_the_counters_etag_and_cache_control(client, campaign):
    counter = client.get(f"/api/v1/campaigns/{campaign.slug}/counter")
    french = widget(client, campaign, **{"Accept-Language": "fr-BE,fr;q=0.9"})
    assert french.headers["Content-Language"] == "fr"
    assert french.headers["Cache-Control"] == counter.headers["Cache-Control"]
    assert french.headers["ETag"].startswith(counter.headers["ETag"][:-1] + ".fr.")
    again = widget(client, campaign, **{"Accept-Language": "fr", "If-None-Match": french.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert widget(client, campaign, "?locale=fr").data == french.data


def test_a_report_moves_the_widget_within_the_counters_two_seconds(client, campaign, auth_headers):
    headers = auth_headers(factories.make_organization(), "signatures:write")
    etag = widget(client, campaign, "?locale=en").headers["ETag"]
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json=report(count=69_120))
    deadline = time.monotonic() + 3
    while (after := widget(client, campaign, "?locale=en", **{"If-None-Match": etag})).status_code == 304:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "69,120" in after.text and "1 member state at or above its threshold" in after.text


def test_the_widget_of_an_unknown_or_draft_campaign_is_a_404(client, db_session):
    draft = factories.make_campaign(status="draft")
    db_session.commit()
    for slug in ("nothing-here", draft.slug):
        assert client.get(f"/embed/{slug}/counter").status_code == 404
        assert client.get(f"/embed/{slug}/counter.js").status_code == 404


def test_the_script_writes_an_iframe_titled_in_the_language_of_the_partners_page(client, campaign):
    script = client.get(f"/embed/{campaign.slug}/counter.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "iframe" in script.text and '"pl": "Licznik podpis' in script.text
    assert script.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in script.headers
    assert client.get(f"/embed/{campaign.slug}/counter.js",
                      headers={"If-None-Match": script.headers["ETag"]}).status_code == 304


def test_a_new_title_shows_in_the_widget_once_its_copy_expires(client, campaign, db_session):
    before = widget(client, campaign, "?locale=en")
    assert "Reclaim Your Face" in before.text
    campaign.title = "Ban Biometric Mass Surveillance"
    db_session.commit()
    deadline = time.monotonic() + 3
    while "Ban Biometric" not in (after := widget(client, campaign, "?locale=en")).text:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "Reclaim Your Face" not in after.text and after.headers["ETag"] != before.headers["ETag"]


def member_state_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row.split("</th>", 1)[0].rsplit(">", 1)[1] for row in body.split('<th scope="row"')[1:]]


def test_the_widget_lists_the_member_states_against_their_thresholds_when_asked(client, campaign, auth_headers):
    headers = auth_headers(factories.make_organization(), "signatures:write")
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers,
                json={"reports": [report(country="MT", count=4_320), report(country="DE", count=30_000)]})
    plain = widget(client, campaign, "?locale=de")
    assert "<table" not in plain.text
    listed = widget(client, campaign, "?locale=de&countries=1")
    assert listed.status_code == 200 and "Mitgliedstaat" in listed.text
    rows = member_state_rows(listed.text)
    # Every member state, furthest along first: Malta at its 4,320, then Germany's 30,000 of 69,120.
    assert len(rows) == 27 and rows[:2] == ["Malta", "Deutschland"]
    assert '<tr class="met"><th scope="row">Malta</th><td>4.320</td><td>4.320' in listed.text
    assert "30.000</td><td>69.120</td>" in listed.text and listed.text.count('class="met"') == 1
    assert listed.headers["ETag"] != plain.headers["ETag"] and ".de.countries." in listed.headers["ETag"]
    assert widget(client, campaign, "?countries=1&locale=de", **{"If-None-Match": listed.headers["ETag"]}).status_code == 304
    assert "http" not in listed.text and "<script" not in listed.text and len(listed.data) < 8192
    # No organization is named: the list is the coalition's, per country.
    assert "organization" not in listed.text.lower()


def test_a_closed_campaigns_widget_lists_the_figures_it_closed_with(client, campaign, auth_headers, db_session):
    member = factories.make_organization()
    coordinator = auth_headers(factories.make_organization(role="coordinator"), ["signatures:write", "admin"])
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=auth_headers(member, "signatures:write"),
                json=report(country="FR", count=500))
    assert client.patch(f"/api/v1/campaigns/{campaign.slug}", headers=coordinator,
                        json={"status": "closed"}).status_code == 200
    correction = report(country="FR", count=9_000, organization=member.slug, reason="late paper forms")
    assert client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=coordinator,
                       json=correction).status_code == 201
    time.sleep(2.1)  # past every cached copy
    listed = widget(client, campaign, "?locale=fr&countries=yes")
    assert member_state_rows(listed.text)[0] == "France" and "<td>500</td>" in listed.text
    assert "9\u202f500" not in listed.text and "9 500" not in listed.text
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/counter").get_json()["total"] == 500
    assert set(client.get(f"/api/v1/campaigns/{campaign.slug}/counter").get_json()) == {
        "campaign", "total", "goal", "countries_over_threshold", "updated_at"}
