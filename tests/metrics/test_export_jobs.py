"""Background exports: ask, watch, download; expiry, purge, failures and who may see a job."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition.db import utcnow
from coalition.extensions import db
from coalition.metrics.models import ExportJob, ExportStatus
from tests import factories
from tests.conftest import table_counts


@pytest.fixture
def inline_jobs(app, monkeypatch):
    """Jobs run right after the request commits, on every backend."""
    config = app.extensions["coalition.config"]
    monkeypatch.setitem(app.extensions, "coalition.config", dataclasses.replace(config, jobs_inline=True))


@pytest.fixture
def queued_jobs(app, monkeypatch):
    """Jobs wait in the queue: nothing builds them during the test."""
    monkeypatch.setattr("coalition.jobs.enqueue", lambda func, *args, **kwargs: None)


def _export_file(app, job_id: str) -> Path:
    job = db.session.get(ExportJob, job_id, populate_existing=True)
    return Path(app.instance_path) / "exports" / job.file_name


def test_inline_export_end_to_end(app, client, coordinator, member, auth_headers, inline_jobs):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    response = client.post("/api/v1/exports", headers=headers,
                           json={"campaign": campaign.slug, "dataset": "organizations", "format": "csv"})
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) >= {"id", "status", "links"}
    assert response.headers["Location"] == body["links"]["self"] == f"/api/v1/exports/{body['id']}"
    assert body["links"]["download"] == f"/api/v1/exports/{body['id']}/download"

    status = client.get(body["links"]["self"], headers=headers).get_json()
    assert status["status"] == "finished"
    assert status["rows"] == 2 and status["size"] > 0
    assert status["campaign"] == campaign.slug and status["dataset"] == "organizations"
    assert status["expired"] is False and status["error"] is None
    assert status["expires_at"].endswith("Z")

    download = client.get(body["links"]["download"], headers=headers)
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.data.decode())))
    assert rows[0][0] == "slug"
    assert sorted(row[0] for row in rows[1:]) == sorted([coordinator.slug, member.slug])
    assert len(download.data) == status["size"]


def test_member_background_export_holds_only_its_rows(client, coordinator, member, auth_headers, inline_jobs):
    campaign = factories.make_campaign()
    headers = auth_headers(member, "campaigns:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "jsonl", "labels": "de"}).get_json()
    download = client.get(body["links"]["download"], headers=headers)
    assert [json.loads(line)["slug"] for line in download.data.decode().splitlines()] == [member.slug]
    assert download.headers["Content-Language"] == "de"


def test_export_job_is_visible_to_its_organization_and_coordinators_only(
        client, coordinator, member, auth_headers, inline_jobs):
    campaign = factories.make_campaign()
    body = client.post("/api/v1/exports", headers=auth_headers(member, "campaigns:read"), json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "csv"}).get_json()
    stranger = auth_headers(factories.make_organization(), "campaigns:read")
    assert client.get(body["links"]["self"], headers=stranger).status_code == 404
    assert client.get(body["links"]["download"], headers=stranger).status_code == 404
    assert client.get(body["links"]["self"], headers=auth_headers(coordinator, "metrics:read")).status_code == 200
    assert client.get(body["links"]["self"]).status_code == 401
    assert client.get(body["links"]["self"], headers=auth_headers(member, "materials:read")).status_code == 403
    assert client.get("/api/v1/exports/no-such-export", headers=auth_headers(coordinator, "metrics:read")
                      ).status_code == 404


def test_invalid_export_request_is_422_and_writes_nothing(client, coordinator, auth_headers, inline_jobs):
    headers = auth_headers(coordinator, "metrics:read")
    response = client.post("/api/v1/exports", headers=headers, json={
        "campaign": "no-such-campaign", "dataset": "donors", "format": "pdf", "labels": "tlh"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"campaign", "dataset", "format", "labels"}
    assert client.post("/api/v1/exports", headers=headers, json={}).status_code == 422
    assert table_counts("export_jobs") == {"export_jobs": 0}


def test_export_request_needs_a_read_scope(client, member, auth_headers):
    campaign = factories.make_campaign()
    response = client.post("/api/v1/exports", headers=auth_headers(member, "signatures:write"),
                           json={"campaign": campaign.slug, "dataset": "organizations", "format": "csv"})
    assert response.status_code == 403
    assert table_counts("export_jobs") == {"export_jobs": 0}


def test_download_before_the_export_is_finished_is_409(client, coordinator, auth_headers, queued_jobs):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "xlsx"}).get_json()
    assert body["status"] == "queued"
    response = client.get(body["links"]["download"], headers=headers)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "not finished" in response.get_json()["detail"]


def test_failed_export_says_so_and_leaves_no_file(app, client, coordinator, auth_headers, inline_jobs,
                                                   sample_dataset, monkeypatch):
    from coalition.metrics import datasets

    def broken_rows(campaign, scope):
        yield ("first", 1, None, None, None, None)
        raise RuntimeError("database went away")

    dataset = datasets.REGISTRY["samples"]
    monkeypatch.setitem(datasets.REGISTRY, "samples", dataclasses.replace(dataset, rows=broken_rows))
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "samples", "format": "zip"}).get_json()
    status = client.get(body["links"]["self"], headers=headers).get_json()
    assert status["status"] == "failed"
    assert status["error"] == "The export could not be built."
    assert "database went away" not in json.dumps(status)
    assert client.get(body["links"]["download"], headers=headers).status_code == 409
    assert list((Path(app.instance_path) / "exports").glob(f"{body['id']}*")) == []


def test_progress_is_visible_while_the_export_runs(client, coordinator, auth_headers, inline_jobs,
                                                   sample_dataset, monkeypatch):
    from coalition.metrics import datasets
    from coalition.metrics.schemas import ExportJobSchema

    monkeypatch.setattr("coalition.metrics.tasks.PROGRESS_EVERY", 10)
    seen = []

    def rows(campaign, scope):
        for number in range(25):
            if number in (12, 24):
                job = db.session.scalars(select(ExportJob)).one()
                seen.append((job.status.value, ExportJobSchema().dump(job)["rows"]))
            yield (f"row {number}", number, None, None, None, None)

    dataset = datasets.REGISTRY["samples"]
    monkeypatch.setitem(datasets.REGISTRY, "samples", dataclasses.replace(dataset, rows=rows))
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "samples", "format": "csv"}).get_json()
    assert seen == [("running", 10), ("running", 20)]
    assert client.get(body["links"]["self"], headers=headers).get_json()["rows"] == 25


def test_expired_export_is_410_and_purge_removes_its_file(app, client, coordinator, auth_headers, inline_jobs):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "zip"}).get_json()
    path = _export_file(app, body["id"])
    assert path.exists()
    assert client.get(body["links"]["download"], headers=headers).status_code == 200

    job = db.session.get(ExportJob, body["id"])
    job.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(body["links"]["download"], headers=headers)
    assert response.status_code == 410
    assert response.mimetype == "application/problem+json"
    assert client.get(body["links"]["self"], headers=headers).get_json()["expired"] is True

    result = app.test_cli_runner().invoke(args=["exports", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output == "Removed 1 expired export file.\n"
    assert not path.exists()
    assert db.session.get(ExportJob, body["id"], populate_existing=True).file_name is None
    assert client.get(body["links"]["download"], headers=headers).status_code == 410


def test_purge_counts_in_the_language_of_its_environment(app, db_session, monkeypatch):
    polish = dataclasses.replace(app.extensions["coalition.config"], cli_locale="pl")
    monkeypatch.setitem(app.extensions, "coalition.config", polish)
    result = app.test_cli_runner().invoke(args=["exports", "purge"])
    assert result.output == "Usunięto 0 wygasłych plików eksportu.\n"


def test_purge_keeps_exports_that_have_not_expired(app, client, coordinator, auth_headers, inline_jobs):
    from coalition.metrics.operations import remove_expired_exports

    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "organizations", "format": "csv"}).get_json()
    job = db.session.get(ExportJob, body["id"])
    assert job.status == ExportStatus.FINISHED
    expiry = app.extensions["coalition.config"].export_expiry
    assert job.expires_at == job.finished_date + timedelta(seconds=expiry)
    assert remove_expired_exports() == 0
    assert _export_file(app, body["id"]).exists()
    assert remove_expired_exports(now=job.expires_at) == 1
    assert not (Path(app.instance_path) / "exports" / f"{body['id']}.csv").exists()


def test_an_export_whose_job_is_gone_for_good_is_failed_and_its_partial_file_removed(
        client, coordinator, auth_headers, db_session):
    from coalition.metrics.operations import exports_folder
    from coalition.metrics.tasks import recover_exports

    campaign = factories.make_campaign()
    stuck = ExportJob(organization_id=coordinator.id, client_id="c", campaign_id=campaign.id,
                      dataset="organizations", format="csv", status=ExportStatus.RUNNING,
                      created_date=utcnow() - timedelta(minutes=10), started_date=utcnow() - timedelta(minutes=9))
    db_session.add(stuck)
    db_session.flush()
    partial = exports_folder() / f"{stuck.id}.csv.partial"
    partial.write_text("slug\r\n")
    # RQ gave up on it: its worker died on every attempt.
    assert recover_exports(lambda job_id: "failed") == {"queued_again": 0, "failed": 1}
    assert not partial.exists()
    status = client.get(f"/api/v1/exports/{stuck.id}", headers=auth_headers(coordinator, "metrics:read"))
    assert status.get_json()["status"] == "failed"


def test_an_export_still_on_its_way_is_left_alone(coordinator, db_session):
    from coalition.metrics.tasks import recover_exports

    campaign = factories.make_campaign()
    waiting = ExportJob(organization_id=coordinator.id, client_id="c", campaign_id=campaign.id,
                        dataset="organizations", format="csv", created_date=utcnow() - timedelta(minutes=10))
    db_session.add(waiting)
    db_session.flush()
    for status in ("queued", "started", "scheduled"):
        assert recover_exports(lambda job_id, status=status: status) == {"queued_again": 0, "failed": 0}
    assert waiting.status == ExportStatus.QUEUED
def test_a_background_csv_export_for_excel_follows_the_asking_locale(client, coordinator, auth_headers,
                                                                     inline_jobs):
    campaign = factories.make_campaign()
    headers = {**auth_headers(coordinator, "metrics:read"), "Accept-Language": "fr"}
    body = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "translations", "format": "csv", "dialect": "excel"}).get_json()
    assert body["dialect"] == "excel"
    raw = client.get(body["links"]["download"], headers=headers).data
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[:2] == ["locale", "fields"]
    plain = client.post("/api/v1/exports", headers=headers, json={
        "campaign": campaign.slug, "dataset": "translations", "format": "csv"}).get_json()
    assert plain["dialect"] is None
    assert not client.get(plain["links"]["download"], headers=headers).data.startswith(b"\xef\xbb\xbf")
