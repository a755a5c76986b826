"""Signing in and out in a real browser: the login form, the name in the layout, axe-core."""

from __future__ import annotations

import pytest

from coalition.extensions import db
from tests import factories
from tests.browser.conftest import PHONE, fits_width, serious_violations, sign_in_page


@pytest.fixture(scope="module")
def person(live_server):
    with live_server.app.app_context():
        organization = factories.make_organization()
        found = factories.person(organization, display_name="Mira Nowak", email="mira@example.org")
        db.commit()
        return found.email


def test_a_person_signs_in_and_out_in_the_browser(live_server, new_page, person):
    page = new_page(locale="en")
    sign_in_page(page, live_server.url, person, factories.DEFAULT_PASSWORD, next_page="/account")
    assert page.url == live_server.url + "/account"
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert page.get_by_role("link", name="Mira Nowak").count() == 1
    assert serious_violations(page) == []
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/logout")
    assert page.get_by_role("status").inner_text() == "You are signed out."
    page.goto(live_server.url + "/account")
    assert page.url.startswith(live_server.url + "/login")


def test_the_login_page_is_translated_accessible_and_fits_a_phone(live_server, new_page, person):
    page = new_page(locale="de", viewport=PHONE)
    page.goto(live_server.url + "/login")
    assert page.title() == "Anmelden · Coalition"
    assert fits_width(page)
    assert serious_violations(page) == []
    page.get_by_label("E-Mail-Adresse").fill(person)
    page.get_by_label("Passwort").fill("not the password at all")
    page.get_by_label("Passwort").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 1
    assert serious_violations(page) == []


def test_an_invitation_becomes_a_password_then_a_sign_in(live_server, new_page):
    from urllib.parse import urlsplit

    from coalition.people.operations import add_person, create_invitation

    with live_server.app.app_context():
        organization = factories.make_organization()
        invited = add_person(organization, email="olga@example.org", display_name="Olga Berg", role="translator")
        _invitation, url = create_invitation(invited)
        db.commit()
    page = new_page(locale="sv", viewport=PHONE)
    page.goto(live_server.url + urlsplit(url).path)
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Olga Berg"
    assert serious_violations(page) == [] and fits_width(page)
    page.get_by_label("Nytt lösenord").fill("short")
    page.get_by_label("Samma lösenord igen").fill("short")
    page.get_by_role("button", name="Ange lösenord och logga in").click()
    page.wait_for_load_state()
    assert page.locator("#password-error").count() == 1 and serious_violations(page) == []
    page.get_by_label("Nytt lösenord").fill("midsummer by the lake")
    page.get_by_label("Samma lösenord igen").fill("midsummer by the lake")
    page.get_by_role("button", name="Ange lösenord och logga in").click()
    page.wait_for_url("**/account?welcome=1")
    assert page.get_by_role("status").count() == 1 and serious_violations(page) == []
    page.get_by_role("button", name="Logga ut").first.click()
    page.wait_for_url("**/logout")
    sign_in_page(page, live_server.url, "olga@example.org", "midsummer by the lake")
    assert page.get_by_role("link", name="Olga Berg").count() == 1


def test_the_account_and_two_step_pages_pass_axe(live_server, new_page, person):
    page = new_page(locale="fr")
    sign_in_page(page, live_server.url, person, factories.DEFAULT_PASSWORD, next_page="/account")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Configurer la connexion en deux étapes").click()
    page.wait_for_load_state()
    assert page.get_by_label("Code de votre application").count() == 1
    assert serious_violations(page) == []


def test_the_consent_page_names_the_portal_and_passes_axe(live_server, new_page):
    with live_server.app.app_context():
        organization = factories.make_organization()
        portal, _secret = factories.make_client(organization, "materials:read translations:write")
        portal.redirect_uris = ["https://portal.example.org/callback"]
        factories.person(organization, role="translator", email="kai@example.org")
        db.commit()
        client_id, organization_name = portal.client_id, organization.name
    path = (f"/oauth/authorize?response_type=code&client_id={client_id}&state=xyz"
            "&redirect_uri=https://portal.example.org/callback&code_challenge_method=S256"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    page = new_page(locale="de", viewport=PHONE)
    page.goto(live_server.url + path)
    assert "/login?next=" in page.url
    page.fill("#email", "kai@example.org")
    page.fill("#password", factories.DEFAULT_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/oauth/authorize?**")
    assert organization_name in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Erlauben").count() == 1
    assert serious_violations(page) == [] and fits_width(page)
