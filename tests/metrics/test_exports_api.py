"""Streamed exports over HTTP: who sees which rows, and the problems for wrong addresses."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from tests import factories


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline="")))


def test_coordinator_exports_every_organization(client, coordinator, member, auth_headers):
    campaign = factories.make_campaign()
    other = factories.make_organization(country="FR")
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.csv",
                          headers=auth_headers(coordinator, "metrics:read"))
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0] == ["slug", "name", "country", "role", "status", "created_date (UTC)", "paper", "online", "count"]
    slugs = sorted(row[0] for row in rows[1:])
    assert slugs == sorted([coordinator.slug, member.slug, other.slug])
    by_slug = {row[0]: row for row in rows[1:]}
    assert by_slug[other.slug][2:5] == ["FR", "member", "active"]
    assert by_slug[coordinator.slug][3] == "coordinator"
    assert datetime.fromisoformat(by_slug[other.slug][5]).tzinfo is None  # UTC, as the header says


def test_member_exports_only_its_own_rows(client, coordinator, member, auth_headers):
    campaign = factories.make_campaign()
    headers = auth_headers(member, "campaigns:read")
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.jsonl", headers=headers)
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.data.decode().splitlines()]
    assert [row["slug"] for row in rows] == [member.slug]


def test_coordinator_without_metrics_scope_sees_only_its_own_rows(client, coordinator, member, auth_headers):
    campaign = factories.make_campaign()
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.csv",
                          headers=auth_headers(coordinator, "campaigns:read"))
    assert [row[0] for row in _csv_rows(response)[1:]] == [coordinator.slug]


def test_member_rows_of_a_synthetic_dataset_are_filtered_by_the_dataset(
        client, coordinator, member, auth_headers, sample_dataset):
    from tests.metrics.conftest import SAMPLE_ROWS

    sample_dataset[member.id] = SAMPLE_ROWS[:1]
    sample_dataset[coordinator.id] = SAMPLE_ROWS[1:]
    campaign = factories.make_campaign()
    url = f"/api/v1/campaigns/{campaign.slug}/exports/samples.csv"
    assert len(_csv_rows(client.get(url, headers=auth_headers(member, "campaigns:read")))) == 2
    assert len(_csv_rows(client.get(url, headers=auth_headers(coordinator, "metrics:read")))) == 4


def test_export_without_token_is_401(client):
    campaign = factories.make_campaign()
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.csv")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_export_with_a_wrong_scope_is_403(client, member, auth_headers):
    campaign = factories.make_campaign()
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/organizations.csv",
                          headers=auth_headers(member, "materials:read"))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


def test_unknown_dataset_format_or_campaign_is_404(client, coordinator, auth_headers):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    for url in (
        f"/api/v1/campaigns/{campaign.slug}/exports/donors.csv",
        f"/api/v1/campaigns/{campaign.slug}/exports/organizations.pdf",
        "/api/v1/campaigns/no-such-campaign/exports/organizations.csv",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"]


def test_export_streams_rows_lazily(client, coordinator, auth_headers, sample_dataset, monkeypatch):
    """The response is a stream: rows are produced while the body is read, not all up front."""
    from coalition.metrics import datasets

    produced = []
    dataset = datasets.REGISTRY["samples"]

    def rows(campaign, scope):
        for number in range(20_000):
            produced.append(number)
            yield (f"row {number}", number, None, None, None, None)

    monkeypatch.setitem(datasets.REGISTRY, "samples", dataset.__class__(
        dataset.name, dataset.title, dataset.columns, rows))
    campaign = factories.make_campaign()
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/samples.csv",
                          headers=auth_headers(coordinator, "metrics:read"), buffered=False)
    assert response.status_code == 200
    assert len(produced) < 20_000
    body = b"".join(response.response)
    response.close()
    assert len(produced) == 20_000
    assert body.count(b"\r\n") == 20_001
