"""The pages in a real browser, each for the person who uses it: two languages, axe-core, a phone."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from coalition.extensions import db
from coalition.materials.models import Material, Translation
from tests import factories
from tests.browser.conftest import PHONE, fits_width, serious_violations, sign_in_page


@dataclass
class Coalition:
    slug: str
    coordinator: str
    member: str
    translator: str


@pytest.fixture(scope="module")
def coalition(live_server):
    from coalition.auth.guard import Principal
    from coalition.materials.operations import create_material

    with live_server.app.app_context():
        campaign = factories.make_campaign(title="Reclaim Your Face", locales=["en", "de", "fr"])
        author = Principal(client_id="editor", organization_id="", organization_slug="", role="coordinator",
                           scopes=frozenset(), locales=None, expires_at=0)
        create_material(campaign, author, slug="leaflet", kind="leaflet", title="Ban biometric mass surveillance",
                        summary="Sign with {organization} today.")
        lead = factories.make_organization(slug="lead", role="coordinator")
        member = factories.make_organization(slug="digitalcourage")
        people = [factories.person(lead, "coordinator", email="coordinator@example.org"),
                  factories.person(member, "member", email="member@example.org"),
                  factories.person(member, "translator", locales=["de"], email="translator@example.org")]
        db.commit()
        return Coalition(campaign.slug, *(person.email for person in people))


def signed_in(new_page, live_server, email, path, locale, viewport=None):
    page = new_page(locale=locale, viewport=viewport)
    sign_in_page(page, live_server.url, email, factories.DEFAULT_PASSWORD, next_page=path)
    assert page.url == live_server.url + path
    return page


def check(page, locale):
    assert page.locator("html").get_attribute("lang") == locale
    assert serious_violations(page) == []


@pytest.mark.parametrize("locale", ["de", "fr"])
def test_a_member_reports_on_the_phone_and_the_figure_reaches_the_dashboard_and_the_api(
        live_server, new_page, coalition, locale):
    page = signed_in(new_page, live_server, coalition.member, f"/campaigns/{coalition.slug}/report", locale, PHONE)
    check(page, locale)
    assert fits_width(page)
    page.locator("#country").select_option("AT")
    page.locator("#count").fill("7000" if locale == "de" else "500")
    page.locator("form[action$='/report'] button[type=submit]").click()
    page.wait_for_url("**/report?saved=1")
    assert page.get_by_role("status").count() == 1
    check(page, locale)
    dashboard = signed_in(new_page, live_server, coalition.coordinator, f"/campaigns/{coalition.slug}", locale)
    check(dashboard, locale)
    assert dashboard.locator("#states-chart title").text_content() == {
        "de": "Mitgliedstaaten und ihre Schwellenwerte", "fr": "Les États membres face à leur seuil"}[locale]
    assert dashboard.get_by_role("cell", name="digitalcourage").count() + dashboard.get_by_role(
        "rowheader", name="digitalcourage").count() >= 1
    with live_server.app.app_context():
        from coalition.campaigns.operations import get_campaign
        from coalition.campaigns.progress import campaign_progress

        progress = campaign_progress(get_campaign(coalition.slug))
        db.session.remove()
    austria = next(row for row in progress["countries"] if row["country"] == "AT")["count"]
    assert austria in (7000, 7500)
    shown = {"de": f"{austria:,}".replace(",", "."), "fr": f"{austria:,}".replace(",", "\u202f")}[locale]
    assert shown in dashboard.locator("#states-chart-caption ~ details table").text_content()


@pytest.mark.parametrize("locale", ["de", "pl"])
def test_the_dashboard_is_keyboard_usable_and_printable(live_server, new_page, coalition, locale):
    page = signed_in(new_page, live_server, coalition.coordinator, f"/campaigns/{coalition.slug}", locale)
    check(page, locale)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    summary = page.locator("figure.chart summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("figure.chart details").first.get_attribute("open") is not None
    page.emulate_media(media="print")
    assert page.locator("form.language").is_hidden() and page.locator("svg.chart").first.is_visible()
    page.emulate_media(media="screen")
    # An export asked for on the dashboard: its job page, built inline on the embedded default.
    page.locator("#exports ~ form button[type=submit]").click()
    page.wait_for_url("**/exports/**")
    check(page, locale)
    assert page.locator("a.button[href*='download']").count() == 1


@pytest.mark.parametrize("locale", ["de", "fr"])
def test_outreach_is_logged_on_its_page(live_server, new_page, coalition, locale):
    page = signed_in(new_page, live_server, coalition.member, f"/campaigns/{coalition.slug}/actions", locale, PHONE)
    check(page, locale)
    assert fits_width(page)
    page.locator("#country").select_option("DE")
    page.locator("#locality").fill(f"Leipzig {locale}")
    page.locator("#reach").fill("300")
    page.locator("form[action$='/actions'] button[type=submit]").click()
    page.wait_for_url("**/actions?saved=1")
    assert page.get_by_role("cell", name=f"Leipzig {locale}").count() == 1
    check(page, locale)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_translator_sees_qa_messages_as_they_type_and_saves_what_the_api_serves(
        live_server, new_page, coalition, locale):
    page = signed_in(new_page, live_server, coalition.translator, f"/campaigns/{coalition.slug}/translate/de", locale)
    check(page, locale)
    summary = page.locator("textarea[name=summary]")
    summary.fill("Unterschreibe heute.")
    qa = page.locator(".qa")
    qa.locator("p.error").wait_for()
    assert "{organization}" in qa.inner_text()
    summary.fill("Unterschreibe heute mit {organization}.")
    qa.locator("p.error").wait_for(state="detached")
    page.locator("textarea[name=title]").fill(f"Biometrische Massenüberwachung verbieten ({locale})")
    page.locator("form.translate button[value=draft]").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").first.is_visible()
    check(page, locale)
    with live_server.app.app_context():
        translation = db.session.scalars(select(Translation).join(Material).where(
            Material.slug == "leaflet", Translation.locale == "de")).one()
        assert translation.title == f"Biometrische Massenüberwachung verbieten ({locale})"
        assert translation.summary == "Unterschreibe heute mit {organization}."
        db.session.remove()


def test_the_translator_may_not_write_a_language_not_theirs(live_server, new_page, coalition):
    page = signed_in(new_page, live_server, coalition.translator, f"/campaigns/{coalition.slug}/translate/fr", "en",
                     PHONE)
    check(page, "en")
    assert fits_width(page)
    assert page.get_by_role("alert").inner_text() == "You may read this language but not write in it."
    assert page.get_by_role("button", name="Save draft").count() == 0
    assert page.locator("textarea[name=title]").get_attribute("readonly") is not None


@pytest.mark.parametrize("locale", ["it", "pl"])
def test_a_coordinator_invites_a_translator_from_the_people_page_who_then_signs_in(
        live_server, new_page, coalition, locale):
    page = signed_in(new_page, live_server, coalition.coordinator, "/organizations/digitalcourage/people", locale,
                     PHONE)
    check(page, locale)
    assert fits_width(page)
    page.fill("#display_name", f"Lena {locale}")
    page.fill("#email", f"lena-{locale}@example.org")
    page.select_option("#role", "translator")
    page.fill("#locales", "de")
    page.locator("form[method=post][action$='/people'] button[type=submit]").click()
    page.wait_for_load_state()
    # The link names the configured public address; here the live server stands in for it.
    link = live_server.url + urlsplit(page.locator("#invitation-url").input_value()).path
    assert "/invitations/" in link
    check(page, locale)
    assert page.locator("tbody").get_by_text(f"Lena {locale}").count() == 1
    invitee = new_page(locale="de")
    invitee.goto(link)
    invitee.fill("#password", "correct horse battery staple")
    invitee.fill("#confirmation", "correct horse battery staple")
    invitee.locator("form button[type=submit]").last.click()
    invitee.wait_for_url("**/account?welcome=1")
    invitee.goto(f"{live_server.url}/campaigns/{coalition.slug}/translate/de")
    assert invitee.locator("html").get_attribute("lang") == "de"
    assert invitee.url.endswith("/translate/de")
    page.goto(f"{live_server.url}/organizations/digitalcourage/people")
    page.get_by_role("link", name=f"Lena {locale}").click()
    page.wait_for_load_state()
    check(page, locale)
    page.locator("a[href$='/remove']").click()
    page.wait_for_load_state()
    check(page, locale)
    page.locator("form[action$='/remove'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("tbody").get_by_text(f"Lena {locale}").count() == 0
    assert page.get_by_role("status").count() == 1
    invitee.goto(f"{live_server.url}/account")
    assert "/login" in invitee.url  # removed: the invitee's session ended with them
