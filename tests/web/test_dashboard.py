"""The dashboard through the test client: the API's figures, charts with their tables, exports."""

from __future__ import annotations

import re

import pytest

from coalition.config import SUPPORTED_LOCALES
from tests import factories
from tests.conftest import form_token


@pytest.fixture
def reported(campaign, member, auth_headers, client):
    headers = auth_headers(member, "signatures:write")
    for country, count in (("DE", 80_000), ("MT", 1_000)):
        answer = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
            "country": country, "channel": "paper", "mode": "total", "count": count, "as_of": "2026-03-01T12:00:00Z"})
        assert answer.status_code == 201
    return campaign


@pytest.mark.parametrize(("locale", "figure", "heading"), [("de", "81.000", "Mitgliedstaaten und ihre Schwellenwerte"),
                                                          ("sv", "81\xa0000", None)])
def test_the_coordinator_reads_the_campaign_in_their_language(signed_in, coordinator, reported, locale, figure,
                                                              heading, app):
    client, _person = signed_in(coordinator, "coordinator", locale=locale)
    page = client.get(f"/campaigns/{reported.slug}")
    assert page.status_code == 200 and f'<html lang="{locale}">' in page.text
    assert figure in page.text
    # Two charts, each an image with a title and a description, and a table of its figures.
    assert page.text.count('<svg class="chart"') == 2 and page.text.count("<table>") >= 4
    assert re.search(r'<svg class="chart" id="states-chart"[^>]*role="img" aria-labelledby="states-chart-title', page.text)
    if heading:
        assert heading in page.text
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="number">', page.text)
    germany, malta = {"de": ("Deutschland", "Malta"), "sv": ("Tyskland", "Malta")}[locale]
    assert rows.index(germany) < rows.index(malta)  # 116 % of its threshold before 23 %


def test_an_export_asked_on_the_dashboard_is_built_and_downloaded(signed_in, coordinator, reported, configure):
    configure(jobs_inline=True)
    client, _person = signed_in(coordinator, "coordinator", locale="de")
    page = client.get(f"/campaigns/{reported.slug}")
    answer = client.post(f"/campaigns/{reported.slug}/exports",
                         data={"csrf_token": form_token(page.text), "dataset": "progress", "format": "csv"})
    assert answer.status_code == 303
    job = client.get(answer.headers["Location"])
    assert job.status_code == 200 and "Status: bereit" in job.text
    download = client.get(answer.headers["Location"] + "/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    # Labels in the page's language, and the spreadsheet's conventions of that language.
    assert download.text.splitlines()[0].startswith("\ufeffLand;Gemeldet")
    refused = client.post(f"/campaigns/{reported.slug}/exports",
                          data={"csrf_token": form_token(page.text), "dataset": "nothing", "format": "csv"})
    assert refused.status_code == 422 and "organizations, progress" in refused.text


def test_every_page_with_its_stylesheet_and_scripts_weighs_under_100_kb(signed_in, coordinator, member, reported):
    coordinating, _coordinator = signed_in(coordinator, "coordinator")
    reporting, _member = signed_in(member, "member")
    translating, _translator = signed_in(factories.make_organization(), "reviewer", locales=["de"])
    for client, path in ((coordinating, f"/campaigns/{reported.slug}"), (reporting, f"/campaigns/{reported.slug}/report"),
                         (reporting, f"/campaigns/{reported.slug}/actions"),
                         (translating, f"/campaigns/{reported.slug}/translate/de"),
                         (client_without_cookies(coordinating), f"/embed/{reported.slug}/counter")):
        page = client.get(path)
        assert page.status_code == 200, path
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
        size = len(page.data) + sum(len(client.get(asset).data) for asset in assets)
        assert size < 100 * 1024, (path, size)


def client_without_cookies(client):
    return client.application.test_client()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_page_speaks_each_language_with_no_message_left_in_english(signed_in, coordinator, reported, locale):
    client, _coordinator = signed_in(coordinator, "coordinator", locale=locale)
    for path in (f"/campaigns/{reported.slug}", f"/campaigns/{reported.slug}/report",
                 f"/campaigns/{reported.slug}/actions", f"/campaigns/{reported.slug}/translate/de", "/",
                 f"/embed/{reported.slug}/counter?locale={locale}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'<html lang="{locale}">' in page.text
        # Content-Language lists every catalog a message came from: English would show.
        assert page.headers["Content-Language"] == locale, (path, page.headers["Content-Language"])


def test_the_dashboard_shows_counter_sources_with_their_failure_in_the_persons_language(
        signed_in, coordinator, member, reported):
    factories.make_source(reported, member, status="failing", last_error={"code": "not_json", "params": {}},
                          held={"DE": {"count": 10, "current": 80_000, "as_of": "2026-03-02T00:00:00Z"}})
    client, _person = signed_in(coordinator, "coordinator", locale="fr")
    page = client.get(f"/campaigns/{reported.slug}")
    section = page.text[page.text.index('id="sources"'):page.text.index('id="exports"')]
    assert "Sources de compteurs" in section and "En échec" in section and "Jamais" in section
    assert "La réponse n&#39;est pas du JSON." in section
    assert member.slug in section and "https://93.184.215.14/api" in section
    assert "Système de collecte en ligne (ICE)" in section and "eci_online" not in section
    assert re.search(r'<td class="number">1</td></tr>', section)  # one country's lower figure waits
    other_member = factories.make_organization()
    their_client, _ = signed_in(other_member, "member")
    theirs = their_client.get(f"/campaigns/{reported.slug}").text
    assert "93.184.215.14" not in theirs and "No counter sources yet." in theirs  # another's sources stay hidden
