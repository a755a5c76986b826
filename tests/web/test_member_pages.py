"""A member's pages through the test client: reports and actions go through the API's rules."""

from __future__ import annotations

import re

from tests import factories
from tests.conftest import form_token


def report_form(client, campaign, **fields):
    page = client.get(f"/campaigns/{campaign.slug}/report")
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": form_token(page.text), "key": key, "country": "DE", "channel": "paper", "mode": "delta",
            "count": "120", "as_of": "2026-03-01T12:00", **fields}
    return client.post(f"/campaigns/{campaign.slug}/report", data=data)


def test_a_figure_reported_on_the_member_page_is_in_the_api_and_on_the_dashboard(
        signed_in, campaign, member, coordinator, auth_headers, app):
    client, _person = signed_in(member, "member")
    answer = report_form(client, campaign, count="69120")
    assert answer.status_code == 303
    assert "Die Meldung ist erfasst." in client.get(answer.headers["Location"],
                                                     headers={"Accept-Language": "de"}).text
    headers = auth_headers(member, "campaigns:read")
    progress = app.test_client().get(f"/api/v1/campaigns/{campaign.slug}/progress", headers=headers).get_json()
    assert next(row for row in progress["countries"] if row["country"] == "DE")["count"] == 69_120
    dashboard, _coordinator = signed_in(coordinator, "coordinator")
    page = dashboard.get(f"/campaigns/{campaign.slug}", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "69\u202f120" in page.text and member.slug in page.text and "Tableau de bord" in page.text


def test_a_form_sent_twice_records_one_report(signed_in, campaign, member, auth_headers, app):
    client, _person = signed_in(member, "member")
    page = client.get(f"/campaigns/{campaign.slug}/report")
    data = {"csrf_token": form_token(page.text), "key": "one-form", "country": "FR", "channel": "online",
            "mode": "delta", "count": "5", "as_of": "2026-03-01T12:00"}
    for _ in range(2):
        assert client.post(f"/campaigns/{campaign.slug}/report", data=data).status_code == 303
    headers = auth_headers(member, "campaigns:read")
    ledger = app.test_client().get(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers).get_json()
    assert ledger["total"] == 1


def test_a_refused_report_shows_the_apis_messages_in_the_persons_language(
        signed_in, campaign, member, auth_headers, app):
    client, _person = signed_in(member, "member", locale="de")
    page = report_form(client, campaign, count="-3", country="XX")
    assert page.status_code == 422 and '<html lang="de">' in page.text
    api = app.test_client().post(f"/api/v1/campaigns/{campaign.slug}/signatures", json={
        "country": "XX", "channel": "paper", "mode": "delta", "count": -3, "as_of": "2026-03-01T12:00:00Z"},
        headers={**auth_headers(member, "signatures:write"), "Accept-Language": "de"}).get_json()
    for field in ("count", "country"):
        for message in api["errors"][field]:
            assert message.replace("'", "&#39;") in page.text
    assert 'value="XX"' not in page.text and 'aria-invalid="true"' in page.text


def test_a_member_sees_only_their_organizations_figures_on_the_dashboard(signed_in, campaign, member, app,
                                                                         auth_headers):
    other = factories.make_organization(slug="other-org")
    other_headers = auth_headers(other, "signatures:write")
    app.test_client().post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=other_headers, json={
        "country": "AT", "channel": "paper", "mode": "delta", "count": 77, "as_of": "2026-03-01T12:00:00Z"})
    client, _person = signed_in(member, "member")
    page = client.get(f"/campaigns/{campaign.slug}")
    assert page.status_code == 200 and "other-org" not in page.text


def test_an_action_logged_on_the_page_is_in_the_api(signed_in, campaign, member, auth_headers, app):
    client, _person = signed_in(member, "member")
    page = client.get(f"/campaigns/{campaign.slug}/actions", headers={"Accept-Language": "pl"})
    assert '<html lang="pl">' in page.text and "Stoisko uliczne" in page.text
    answer = client.post(f"/campaigns/{campaign.slug}/actions", data={
        "csrf_token": form_token(page.text), "kind": "street_stall", "action_date": "2026-03-02", "country": "PL",
        "locality": "Kraków", "reach": "250"})
    assert answer.status_code == 303
    listed = app.test_client().get(f"/api/v1/campaigns/{campaign.slug}/actions",
                                   headers=auth_headers(member, "actions:read")).get_json()
    assert [(item["locality"], item["reach"]) for item in listed["items"]] == [("Kraków", 250)]
    refused = client.post(f"/campaigns/{campaign.slug}/actions", data={
        "csrf_token": form_token(page.text), "kind": "street_stall", "action_date": "2026-03-02", "country": "PL",
        "notes": "Call Jan at jan@example.org"})
    assert refused.status_code == 422 and "jan@example.org" in refused.text


def test_pages_ask_to_sign_in_and_refuse_a_role_without_the_scope(client, campaign, signed_in, member):
    answer = client.get(f"/campaigns/{campaign.slug}/report")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    translator, _person = signed_in(member, "translator", locales=["de"])
    forbidden = translator.get(f"/campaigns/{campaign.slug}/report", headers={"Accept": "text/html"})
    assert forbidden.status_code == 403 and forbidden.mimetype == "text/html"


def test_a_form_without_its_csrf_token_is_refused(signed_in, campaign, member):
    client, _person = signed_in(member, "member")
    answer = client.post(f"/campaigns/{campaign.slug}/report", data={"country": "DE", "count": "1"})
    assert answer.status_code == 400


def test_the_start_page_leads_a_signed_in_person_to_their_pages(signed_in, campaign, member, client):
    reporting, _member = signed_in(member, "member")
    page = reporting.get("/", headers={"Accept-Language": "de"})
    assert "Ihre Kampagnen" in page.text
    assert f'href="/campaigns/{campaign.slug}/report"' in page.text and f'href="/campaigns/{campaign.slug}"' in page.text
    translating, _translator = signed_in(member, "translator", locales=["de"])
    page = translating.get("/")
    assert f'href="/campaigns/{campaign.slug}/translate/de"' in page.text
    assert "/translate/fr" not in page.text and "/report" not in page.text
    assert "Your campaigns" not in client.get("/").text
