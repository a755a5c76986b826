"""The pages' layout through the test client: languages, security headers, errors as pages."""

from __future__ import annotations

import pytest

from coalition.config import SUPPORTED_LOCALES

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_start_page_is_served_in_every_language(client, locale):
    answer = client.get("/", headers={"Accept-Language": locale})
    assert answer.status_code == 200
    assert f'<html lang="{locale}">' in answer.text
    assert answer.headers["Content-Language"] == locale
    assert "Skip to content" not in answer.text or locale == "en"


def test_pages_forbid_framing_and_foreign_scripts(client):
    answer = client.get("/")
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/v1/openapi.json").headers.get("Content-Security-Policy") is None


def test_the_stylesheet_is_served_from_the_package(client):
    answer = client.get("/static/coalition.css")
    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert "@media print" in answer.text


def test_a_browser_gets_an_error_page_and_an_api_client_a_problem(client):
    page = client.get("/nowhere", headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "it"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert '<html lang="it">' in page.text and "Torna alla pagina iniziale" in page.text
    problem = client.get("/nowhere", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    api = client.get("/api/v1/nowhere", headers={"Accept": BROWSER_ACCEPT})
    assert api.mimetype == "application/problem+json"


def test_a_wrong_method_on_a_page_is_a_page_that_keeps_allow(client):
    answer = client.post("/", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 405 and answer.mimetype == "text/html"
    assert "GET" in answer.headers["Allow"]
