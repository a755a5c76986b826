"""Concurrent edits of one material take turns: every edit gets its own revision, none fails."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from coalition.extensions import db
from tests import factories
from tests.conftest import obtain_token


@pytest.mark.postgres_only
def test_concurrent_edits_and_translations_never_collide(app, committed_db):
    organization = factories.make_organization(role="coordinator")
    editor, editor_secret = factories.make_client(organization, "materials:read materials:write")
    writer, writer_secret = factories.make_client(organization, "materials:read translations:write")
    campaign = factories.make_campaign()
    db.session.commit()
    client = app.test_client()
    editor_headers = {"Authorization": f"Bearer {obtain_token(client, editor.client_id, editor_secret)}"}
    writer_headers = {"Authorization": f"Bearer {obtain_token(client, writer.client_id, writer_secret)}"}
    material = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor_headers,
                           json={"slug": "m", "kind": "other", "title": "Start"}).get_json()

    def edit(number):
        with app.app_context():
            return app.test_client().patch(f"/api/v1/materials/{material['id']}", headers=editor_headers,
                                           json={"title": f"Edit {number}"}).status_code

    def translate(number):
        with app.app_context():
            return app.test_client().put(f"/api/v1/materials/{material['id']}/translations/de",
                                         headers=writer_headers, json={"title": f"Titel {number}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(edit, range(8))) + list(pool.map(translate, range(8)))
    assert statuses == [200] * 16
    revisions = client.get(f"/api/v1/materials/{material['id']}/revisions", headers=editor_headers).get_json()
    assert [r["number"] for r in revisions["items"]] == list(range(1, 10))
    history = client.get(f"/api/v1/materials/{material['id']}/translations/de", headers=writer_headers)
    assert len(history.get_json()["history"]) == 8
