"""Other Coalition instances for federation tests: each a real app on its own SQLite file, served
over HTTP on a thread, so the instance under test reaches it through the outbound client."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
from werkzeug.serving import make_server

from coalition import create_app
from coalition.config import Config
from coalition.db import AppSession, Base
from coalition.extensions import db
from tests import factories

CAMPAIGN = dict(kind="eci", status="live", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                signature_goal=1_000_000, eci_registered_on=date(2025, 11, 1), source_locale="en", locales=["en"])


def _own_session() -> None:
    """A session of this thread on the current app's engine: the test's `db_session` binds every
    session the shared factory makes to the test's own connection."""
    db.session.registry.set(AppSession(expire_on_commit=False))


class Instance:
    """An instance of its own: `call(fn)` runs `fn` in its app context, on a thread of its own
    (sessions are per thread, and the test's thread holds the instance under test's)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.server = make_server("127.0.0.1", 0, self._serve, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = create_app(Config.for_tests(
            database_url=f"sqlite:///{directory / name}.db", instance_path=directory / name,
            public_url=self.url, outbound_allow_private=True, outbound_timeout=3.0))
        self.executor = ThreadPoolExecutor(1)
        self.call(lambda: Base.metadata.create_all(db.engine))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def _serve(self, environ, start_response):
        _own_session()
        return self.app(environ, start_response)

    def call(self, fn):
        def run():
            with self.app.app_context():
                _own_session()
                try:
                    return fn()
                finally:
                    db.session.remove()

        return self.executor.submit(run).result()

    def down(self) -> None:
        """Stop answering (connections are refused) until `up`."""
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        """Answer again, at the same address."""
        port = self.server.server_port
        self.server = make_server("127.0.0.1", port, self._serve, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.down()
        self.http.close()
        self.call(lambda: db.engine.dispose())
        self.executor.shutdown()

    def setup_campaign(self, slug: str) -> None:
        def create():
            factories.make_campaign(slug=slug, title=slug, **CAMPAIGN)
            db.commit()

        self.call(create)

    def credentials(self, organization_slug: str, scopes: str, role: str = "member", kind: str = "organization",
                    country: str = "DE") -> tuple[str, str]:
        """A new organization and a client of it: (client_id, secret)."""
        def create():
            organization = factories.make_organization(organization_slug, role=role, kind=kind, country=country)
            client, secret = factories.make_client(organization, scopes)
            db.commit()
            return client.client_id, secret

        return self.call(create)

    def token(self, client_id: str, secret: str) -> dict:
        answer = self.http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def progress(self, slug: str, headers: dict) -> dict:
        answer = self.http.get(f"/api/v1/campaigns/{slug}/progress", headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return {"total": body["total"], "countries": {row["country"]: row["count"] for row in body["countries"]},
                "organizations": {row["organization"]: row["count"] for row in body["organizations"]}}

    def hub_credentials(self, slug: str, country: str = "AT") -> tuple[str, str]:
        return self.credentials(slug, "federation:push campaigns:read", kind="hub", country=country)
