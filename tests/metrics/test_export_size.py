"""Exports never end as a silent truncation: too large to stream is refused before the first byte;
a background export counts its rows and fails rather than keep a file that misses some."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import pytest

from coalition.extensions import db
from coalition.metrics.datasets import REGISTRY
from coalition.metrics.models import ExportJob
from tests import factories


@pytest.fixture
def limits(app, monkeypatch):
    """Streaming limits of 5 rows (XLSX: 2), and jobs run right after their request commits."""
    config = app.extensions["coalition.config"]
    monkeypatch.setitem(app.extensions, "coalition.config", dataclasses.replace(
        config, export_stream_rows=5, export_stream_xlsx_rows=2, jobs_inline=True))


@pytest.fixture
def ledger(client, auth_headers, db_session):
    """A campaign whose ledger holds five reports, and a coordinator's headers."""
    campaign = factories.make_campaign(starts_on=date(2026, 1, 1))
    member = factories.make_organization()
    headers = auth_headers(member, "signatures:write")
    reports = [{"country": "DE", "channel": "paper", "mode": "delta", "count": count,
                "as_of": f"2026-03-0{count}T12:00:00Z"} for count in range(1, 6)]
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", json={"reports": reports},
                           headers=headers)
    assert response.status_code == 201
    coordinator = factories.make_organization(role="coordinator")
    return campaign, auth_headers(coordinator, "metrics:read campaigns:read"), headers


def test_an_export_within_the_limit_streams_whole(client, ledger, limits):
    campaign, headers, _member_headers = ledger
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/signatures.csv", headers=headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(int(row["count"]) for row in rows) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
def test_an_export_too_large_to_stream_is_refused_before_the_first_byte(client, ledger, limits, export_format):
    campaign, headers, member_headers = ledger
    if export_format == "csv":
        # One row more than the limit of 5.
        response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=member_headers,
                               json={"country": "FR", "channel": "online", "mode": "delta", "count": 6,
                                     "as_of": "2026-03-06T12:00:00Z"})
        assert response.status_code == 201
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/exports/signatures.{export_format}",
                          headers={**headers, "Accept-Language": "de"})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "POST /api/v1/exports" in response.get_json()["detail"]
    assert response.headers["Content-Language"] == "de"
    assert response.headers["Link"] == '</api/v1/exports>; rel="alternate"'


def test_a_background_export_holds_every_row_and_says_how_many(client, ledger, limits):
    campaign, headers, _member_headers = ledger
    response = client.post("/api/v1/exports", headers=headers,
                           json={"campaign": campaign.slug, "dataset": "signatures", "format": "xlsx"})
    assert response.status_code == 202
    job = client.get(response.get_json()["links"]["self"], headers=headers).get_json()
    assert (job["status"], job["rows"], job["expected_rows"]) == ("finished", 5, 5)
    assert client.get(job["links"]["download"], headers=headers).status_code == 200


def test_a_background_export_that_misses_rows_fails_instead_of_finishing(client, ledger, limits, monkeypatch):
    campaign, headers, _member_headers = ledger
    dataset = REGISTRY["signatures"]
    # The rows as the count saw them, one short: as if a row were lost between count and file
    # (the rows in Python, and the select that PostgreSQL writes as CSV text).
    monkeypatch.setitem(REGISTRY, "signatures", dataclasses.replace(
        dataset, rows=lambda c, s: list(dataset.rows(c, s))[1:],
        statement=lambda c, s: dataset.statement(c, s).offset(1)))
    response = client.post("/api/v1/exports", headers=headers,
                           json={"campaign": campaign.slug, "dataset": "signatures", "format": "csv"})
    job = client.get(response.get_json()["links"]["self"], headers=headers).get_json()
    assert (job["status"], job["rows"], job["expected_rows"]) == ("failed", 4, None)
    assert client.get(job["links"]["download"], headers=headers).status_code == 409
    assert db.session.get(ExportJob, job["id"]).error == "IncompleteExport: 4 rows written of 5"
