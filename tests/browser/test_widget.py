"""The partner widget in a real browser, on a page of another origin, as partners embed it."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from coalition.extensions import db
from tests import factories
from tests.browser.conftest import PHONE, fits_width, serious_violations


@pytest.fixture(scope="module")
def campaign(live_server):
    with live_server.app.app_context():
        campaign = factories.make_campaign(title="Reclaim Your Face")
        slug = campaign.slug
        db.commit()
    return slug


@pytest.fixture(scope="module")
def partner_site(tmp_path_factory, live_server, campaign):
    """A partner's page on another origin (another port) with the one script tag it needs."""
    folder = tmp_path_factory.mktemp("partner")
    (folder / "index.html").write_text(
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Partner</title></head>'
        f'<body><main><h1>Unterschreiben Sie!</h1><script src="{live_server.url}/embed/{campaign}/counter.js" '
        'data-locale="de"></script></main></body></html>')
    (folder / "states.html").write_text(
        '<!doctype html><html lang="pt"><head><meta charset="utf-8"><title>Parceiro</title></head>'
        f'<body><main><h1>Assine!</h1><script src="{live_server.url}/embed/{campaign}/counter.js" '
        'data-countries></script></main></body></html>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_the_widget_shows_inside_a_page_of_another_origin_without_cookies_or_third_parties(
        live_server, partner_site, new_page):
    page = new_page(locale="fr", viewport=PHONE)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(partner_site + "/index.html")
    frame = page.frame_locator("iframe")
    assert frame.locator("h1").inner_text() == "Reclaim Your Face"
    assert frame.locator("html").get_attribute("lang") == "de"
    assert frame.locator(".total").inner_text() == "0"
    assert "1.000.000" in frame.locator("main").inner_text()
    assert page.locator("iframe").get_attribute("title") == "Unterschriftenzähler"
    assert all(url.startswith((partner_site, live_server.url)) for url in requested), requested
    assert any(url.startswith(live_server.url) and url.endswith("/counter?locale=de") for url in requested)
    assert page.context.cookies() == []
    assert fits_width(page)
    assert serious_violations(page) == []


def test_the_widget_alone_speaks_the_browser_language_and_passes_axe(live_server, campaign, new_page):
    page = new_page(locale="it-IT", viewport=PHONE)
    page.goto(f"{live_server.url}/embed/{campaign}/counter")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.locator("progress").get_attribute("aria-label")
    assert fits_width(page)
    assert serious_violations(page) == []


def test_a_partner_lists_the_member_states_with_one_attribute_readable_on_a_phone(
        live_server, partner_site, campaign, new_page):
    page = new_page(locale="en", viewport=PHONE)
    page.goto(partner_site + "/states.html")
    assert page.locator("iframe").get_attribute("src").endswith("/counter?locale=pt&countries=1")
    frame = page.frame_locator("iframe")
    assert frame.locator("caption").inner_text() == "Os Estados-Membros face aos seus limiares"
    assert frame.locator("tbody th").count() == 27
    alone = new_page(locale="pt", viewport=PHONE)
    alone.goto(f"{live_server.url}/embed/{campaign}/counter?countries=1")
    assert fits_width(alone)
    assert serious_violations(alone) == []
