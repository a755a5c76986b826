"""The layout every page shares, in a real browser: language, keyboard, phone width, axe-core."""

from __future__ import annotations

from tests.browser.conftest import PHONE, fits_width, serious_violations


def test_the_start_page_speaks_the_browser_language_and_passes_axe(live_server, new_page):
    page = new_page(locale="de-AT")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.title() == "Willkommen · Coalition"
    assert page.get_by_role("link", name="Zum Inhalt springen").count() == 1
    assert serious_violations(page) == []


def test_the_language_menu_works_from_the_keyboard(live_server, new_page):
    page = new_page(locale="en")
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.get_by_label("Language").focus()
    page.get_by_label("Language").select_option("pl")
    page.get_by_role("button", name="Change").press("Enter")
    page.wait_for_url("**locale=pl")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.get_by_role("heading", level=1).inner_text() == "Coalition"
    assert page.locator("footer").inner_text() == "Coalition przechowuje liczby, nigdy dane osobowe sygnatariuszy."


def test_an_unknown_address_is_a_page_in_the_visitors_language(live_server, new_page):
    page = new_page(locale="fr", viewport=PHONE)
    response = page.goto(live_server.url + "/nulle-part")
    assert response.status == 404
    assert page.get_by_role("link", name="Retour à la page d'accueil").count() == 1
    assert fits_width(page)
    assert serious_violations(page) == []
