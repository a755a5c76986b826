"""The operations announce their changes in the outbox, in the same transaction; the catalogue."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition.outbox import OutboxEvent
from coalition.webhooks.catalogue import README, replace_catalogue
from coalition.webhooks.events import EVENT_TYPES
from tests import factories

pytestmark = pytest.mark.usefixtures("db_session")


def events(kind: str) -> list[dict]:
    from coalition.extensions import db

    return [e.payload for e in db.session.scalars(select(OutboxEvent).filter_by(kind=kind)
                                                  .order_by(OutboxEvent.created_date))]


def test_the_readme_catalogue_is_generated_from_the_code():
    text = README.read_text()
    assert replace_catalogue(text) == text, "run scripts/event_catalogue.py"
    for kind in EVENT_TYPES:
        assert f"#### `{kind}`" in text


def test_every_event_the_code_records_is_in_the_catalogue():
    root = Path(__file__).resolve().parent.parent.parent / "coalition"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(re.findall(r'record_event\(\s*"([a-z_.]+)"', path.read_text()))
        recorded |= set(re.findall(r'"([a-z]+\.[a-z_]+)" if ', path.read_text()))
        recorded |= set(re.findall(r'announce_material\(\s*"([a-z_.]+)"', path.read_text()))
    assert {"campaign.goal_reached", "export.finished", "material.revised", "webhook.ping"} <= recorded
    assert recorded <= set(EVENT_TYPES)


def test_a_report_announces_the_changed_figures_per_organization(client, auth_headers, coordinator, member):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "signatures:write")
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={"reports": [
        {"country": "DE", "channel": "paper", "mode": "total", "count": 10, "as_of": "2026-03-01T12:00:00Z"},
        {"organization": member.slug, "country": "FR", "channel": "online", "mode": "delta", "count": 3,
         "as_of": "2026-03-01T12:00:00Z"}]})
    assert answer.status_code == 201
    announced = sorted(events("signatures.reported"), key=lambda payload: payload["organization"] != coordinator.slug)
    assert announced == [
        {"campaign": campaign.slug, "organization": coordinator.slug,
         "figures": [{"country": "DE", "channel": "paper", "count": 10}]},
        {"campaign": campaign.slug, "organization": member.slug,
         "figures": [{"country": "FR", "channel": "online", "count": 3}]},
    ]


def test_a_refused_report_announces_nothing(client, auth_headers, member):
    campaign = factories.make_campaign()
    headers = auth_headers(member, "signatures:write")
    answer = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
        "country": "DE", "channel": "paper", "mode": "total", "count": 10, "as_of": "2030-03-01T12:00:00Z"})
    assert answer.status_code == 422
    assert events("signatures.reported") == []


def test_a_status_change_is_announced(client, auth_headers, coordinator):
    campaign = factories.make_campaign(status="draft")
    headers = auth_headers(coordinator, "admin")
    assert client.patch(f"/api/v1/campaigns/{campaign.slug}", headers=headers,
                        json={"status": "live"}).status_code == 200
    assert events("campaign.status_changed") == [
        {"campaign": campaign.slug, "status": "live", "previous_status": "draft"}]


def test_materials_and_translations_announce_their_changes(client, auth_headers, coordinator, member):
    campaign = factories.make_campaign(locales=["en", "de"])
    editor = auth_headers(coordinator, "materials:read materials:write")
    translator = auth_headers(member, "materials:read translations:write", locales=["de"])
    reviewer = auth_headers(factories.make_organization(), "materials:read translations:write translations:review")
    material = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor, json={
        "slug": "leaflet", "kind": "leaflet", "title": "Ban biometric mass surveillance"}).get_json()
    base = {"campaign": campaign.slug, "material": material["id"], "slug": "leaflet"}
    assert events("material.created") == [{**base, "kind": "leaflet", "revision": 1}]
    saved = client.put(f"/api/v1/materials/{material['id']}/translations/de", headers=translator,
                       json={"title": "Biometrische Massenüberwachung verbieten", "status": "needs_review"})
    assert saved.status_code in (200, 201), saved.get_json()
    assert events("translation.submitted") == [{**base, "locale": "de", "status": "needs_review",
                                                "based_on_revision": 1}]
    approved = client.post(f"/api/v1/materials/{material['id']}/translations/de/approve", headers=reviewer)
    assert approved.status_code == 200, approved.get_json()
    assert events("translation.approved") == [{**base, "locale": "de", "status": "approved",
                                               "based_on_revision": 1}]
    revised = client.patch(f"/api/v1/materials/{material['id']}", headers=editor,
                           json={"title": "Ban biometric mass surveillance now"})
    assert revised.status_code == 200
    assert events("material.revised") == [{**base, "kind": "leaflet", "revision": 2}]
    assert events("translation.outdated") == [{**base, "revision": 2, "locales": ["de"]}]


def test_a_finished_export_is_announced_to_its_organization(app, client, auth_headers, coordinator, monkeypatch):
    config = app.extensions["coalition.config"]
    monkeypatch.setitem(app.extensions, "coalition.config", dataclasses.replace(config, jobs_inline=True))
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    answer = client.post("/api/v1/exports", headers=headers,
                         json={"campaign": campaign.slug, "dataset": "organizations", "format": "csv"})
    assert answer.status_code == 202
    [payload] = events("export.finished")
    assert payload == {"export": answer.get_json()["id"], "campaign": campaign.slug,
                       "organization": coordinator.slug, "dataset": "organizations", "format": "csv",
                       "rows": payload["rows"]}
    assert payload["rows"] >= 1
