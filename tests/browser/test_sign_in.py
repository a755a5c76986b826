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
