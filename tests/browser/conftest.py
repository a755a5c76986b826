"""Pages in a real browser: Debian's chromium driven by Playwright, against a live server.

The app is served by a threaded server on a migrated SQLite file, so that the browser and the
test see the same committed data. `.ci/run` installs chromium and sets COALITION_REQUIRE_BROWSER,
so that CI fails rather than skips when the browser is missing; elsewhere these tests skip.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from coalition import create_app
from coalition.config import Config
from coalition.db import Base
from coalition.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 390, "height": 844}


def axe_script() -> Path | None:
    found = sorted(ROOT.glob(".venv/share/axe-core-*/axe.min.js"))
    return found[-1] if found else None


def _require_browser() -> None:
    missing = [what for what, there in (("chromium", CHROMIUM.exists()), ("axe-core", axe_script())) if not there]
    if missing:
        reason = f"browser tests need {' and '.join(missing)} (installed by .ci/run and scripts/setup --dev)"
        if os.environ.get("COALITION_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    _require_browser()
    folder = tmp_path_factory.mktemp("live")
    app = create_app(Config.for_tests(database_url=f"sqlite:///{folder / 'coalition.db'}",
                                      instance_path=folder / "instance"))
    with app.app_context():
        Base.metadata.create_all(db.engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    """One chromium per module: Playwright's event loop does not outlive the module's tests."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """`new_page(locale="de", viewport=PHONE)`: a page in a fresh context (no cookies shared)."""
    contexts = []

    def make(locale: str = "en", viewport: dict | None = None):
        # axe-core is injected as a script: the pages' own policy forbids inline scripts.
        context = browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 900},
                                      bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def serious_violations(page) -> list[tuple[str, str, list]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(found["id"], found["impact"], [node["target"] for node in found["nodes"]])
            for found in result["violations"] if found["impact"] in ("serious", "critical")]


def fits_width(page) -> bool:
    """Nothing on the page is wider than the window (no sideways scrolling on a phone)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def sign_in_page(page, base_url: str, email: str, password: str, next_page: str = "") -> None:
    """Sign a Playwright page in through the login form, as a person would."""
    page.goto(f"{base_url}/login" + (f"?next={next_page}" if next_page else ""))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
