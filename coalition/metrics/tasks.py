"""Background jobs of exports: build a file, and purge expired files every hour."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from coalition.db import utcnow
from coalition.extensions import cache, db
from coalition.metrics import operations
from coalition.metrics.datasets import ExportScope, get_dataset
from coalition.metrics.formats import FORMATS
from coalition.metrics.models import ExportJob, ExportStatus
from coalition.webhooks.events import announce_export

log = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000


def progress_key(export_id: str) -> str:
    return f"coalition:exports:{export_id}:rows"


def rows_so_far(job: ExportJob) -> int:
    """Rows written: counted in the cache while the job runs, stored on the job once it ends."""
    if job.status == ExportStatus.RUNNING:
        cached = cache.get(progress_key(job.id))
        return int(cached) if cached else 0
    return job.rows


class _Counter:
    """Counts rows as they stream by and publishes the count now and then (the job's row is not
    updated meanwhile: that would need a second connection, which SQLite's writer lock forbids)."""

    def __init__(self, export_id: str) -> None:
        self.export_id = export_id
        self.count = 0

    def count_rows(self, rows: Iterable[Sequence]) -> Iterator[Sequence]:
        for row in rows:
            self.count += 1
            if self.count % PROGRESS_EVERY == 0:
                cache.set(progress_key(self.export_id), str(self.count).encode(), 24 * 3600)
            yield row


def build_export(export_id: str) -> None:
    """Write an export's file under the instance folder and mark the job finished (or failed)."""
    job = db.session.get(ExportJob, export_id, populate_existing=True)
    if job is None or job.status != ExportStatus.QUEUED:
        return
    job.status = ExportStatus.RUNNING
    job.started_date = utcnow()
    db.commit()
    export_format = FORMATS[job.format]
    path = operations.exports_folder() / f"{job.id}.{export_format.extension}"
    partial = path.with_name(path.name + ".partial")
    counter = _Counter(job.id)
    try:
        dataset = get_dataset(job.dataset)
        scope = ExportScope(organization_id=None if job.all_organizations else job.organization_id)
        content = operations.export_content(dataset, job.campaign, scope, job.labels)
        content = replace(content, rows=counter.count_rows(content.rows))
        with open(partial, "wb") as handle:
            for chunk in export_format.write(content):
                handle.write(chunk)
        os.replace(partial, path)
    except Exception as error:
        db.rollback()
        partial.unlink(missing_ok=True)
        log.exception("export %s failed", export_id)
        job = db.session.get(ExportJob, export_id, populate_existing=True)
        _finish(job, ExportStatus.FAILED, counter.count)
        job.error = f"{error.__class__.__name__}: {error}"[:2000]
    else:
        job = db.session.get(ExportJob, export_id, populate_existing=True)
        _finish(job, ExportStatus.FINISHED, counter.count)
        job.file_name = path.name
        job.size = path.stat().st_size
    db.commit()
    cache.delete(progress_key(export_id))


def _finish(job: ExportJob, status: ExportStatus, rows: int) -> None:
    job.status = status
    job.rows = rows
    job.finished_date = utcnow()
    job.expires_at = operations.expiry_after(job.finished_date)
    announce_export(job)
