"""Serve the demo coalition on a temporary SQLite database and photograph the pages as people see them.

Writes docs/screenshots/dashboard.png (a coordinator), workspace.png (a translator into German),
report-phone.png (a member on a 390 px phone), people.png (a coordinator's people page),
widget.png (the counter on a partner's page) and widget-countries.png (with the member states).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "demo screenshots password"
PEOPLE = {"coordinator": ("edri", "coordinator", None, "Clara Coordinator"),
          "member": ("digitalcourage", "member", None, "Mo Member"),
          "translator": ("digitalcourage", "reviewer", ["de"], "Tina Translator")}


def serve_demo(folder: Path):
    from werkzeug.serving import make_server

    from coalition import create_app
    from coalition.config import Config
    from coalition.db import Base
    from coalition.demo import load_demo
    from coalition.extensions import db
    from coalition.organizations.operations import get_organization
    from coalition.people.operations import add_person, set_password

    app = create_app(Config.from_env(environ={}, database_url=f"sqlite:///{folder / 'demo.db'}",
                                     instance_path=folder, ratelimit_enabled=False, jobs_inline=True))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_demo()
        for name, (organization, role, locales, display_name) in PEOPLE.items():
            person = add_person(get_organization(organization), email=f"{name}@example.org",
                                display_name=display_name, role=role, locales=locales)
            set_password(person, PASSWORD)
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def partner_page(folder: Path, base: str) -> str:
    """A partner's site on another origin with the script tags the README shows: index.html with
    the counter, countries.html with the member states too."""
    site = folder / "partner"
    site.mkdir()
    for name, attributes in (("index.html", ""), ("countries.html", " data-countries")):
        (site / name).write_text(
            '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Partner</title></head>'
            '<body style="font-family: Georgia, serif; margin: 1rem; max-width: 30rem">'
            "<h1>Unterschreiben Sie die Initiative!</h1>"
            f'<script src="{base}/embed/reclaim-your-face/counter.js"{attributes}></script></body></html>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def sign_in(page, base: str, name: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.fill("#email", f"{name}@example.org")
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}{path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        server, base = serve_demo(folder)
        partner = partner_page(folder, base)
        shots = [
            ("dashboard.png", "coordinator", "/campaigns/reclaim-your-face", "en", {"width": 1100, "height": 1350}),
            ("workspace.png", "translator", "/campaigns/reclaim-your-face/translate/de?state=all", "de",
             {"width": 1100, "height": 1000}),
            ("report-phone.png", "member", "/campaigns/reclaim-your-face/report", "fr", {"width": 390, "height": 844}),
            ("people.png", "coordinator", "/organizations/digitalcourage/people", "en", {"width": 1100, "height": 1100}),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                 args=["--no-sandbox"])
            for file_name, person, path, locale, viewport in shots:
                context = browser.new_context(locale=locale, viewport=viewport)
                page = context.new_page()
                sign_in(page, base, person, path)
                page.screenshot(path=str(args.out / file_name))
                context.close()
            for file_name, partner_path, height in (("widget.png", "/index.html", 300),
                                                    ("widget-countries.png", "/countries.html", 1060)):
                context = browser.new_context(locale="de", viewport={"width": 520, "height": height})
                page = context.new_page()
                page.goto(partner + partner_path)
                page.frame_locator("iframe").locator(".total").wait_for()
                page.screenshot(path=str(args.out / file_name))
                context.close()
            browser.close()
        server.shutdown()
    for picture in sorted(args.out.glob("*.png")):
        print(f"{picture.relative_to(ROOT)}  {picture.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
