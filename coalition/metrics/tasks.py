"""Background jobs of exports: build a file; find the builds that were lost or abandoned."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

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


def expected_key(export_id: str) -> str:
    return f"coalition:exports:{export_id}:expected"


def rows_so_far(job: ExportJob) -> int:
    """Rows written: counted in the cache while the job runs, stored on the job once it ends."""
    if job.status == ExportStatus.RUNNING:
        cached = cache.get(progress_key(job.id))
        return int(cached) if cached else 0
    return job.rows


def rows_expected(job: ExportJob) -> int | None:
    """The rows the file will hold, once counted; a finished file was checked to hold them all."""
    if job.status == ExportStatus.FINISHED:
        return job.rows
    if job.status == ExportStatus.RUNNING:
        cached = cache.get(expected_key(job.id))
        return int(cached) if cached else None
    return None


class IncompleteExport(Exception):
    """The file holds another number of rows than the dataset had when the export began."""


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


# RQ statuses of a job that is still on its way: waiting, running, or waiting for a retry.
IN_FLIGHT = frozenset({"queued", "started", "scheduled", "deferred"})
# An export queued this long without its RQ job never reached Redis.
LOST_AFTER = timedelta(minutes=1)


def build_export(export_id: str) -> None:
    """Write an export's file under the instance folder and mark the job finished (or failed).

    A job still `running` is built again from the start: RQ hands it over only to retry an
    attempt that died (its worker killed, its database connection terminated).
    """
    job = db.session.get(ExportJob, export_id, populate_existing=True)
    if job is None or job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return
    job.status = ExportStatus.RUNNING
    job.started_date = utcnow()
    db.commit()
    _read_one_snapshot()
    export_format = FORMATS[job.format]
    path = operations.exports_folder() / f"{job.id}.{export_format.extension}"
    partial = path.with_name(path.name + ".partial")
    counter = _Counter(job.id)
    try:
        dataset = get_dataset(job.dataset)
        scope = ExportScope(organization_id=None if job.all_organizations else job.organization_id)
        expected = None if dataset.count is None else dataset.count(job.campaign, scope)
        if expected is not None:
            cache.set(expected_key(job.id), str(expected).encode(), 24 * 3600)
        dialect = operations.csv_dialect("excel" if job.excel_locale else None, job.excel_locale or "en")
        content = operations.export_content(dataset, job.campaign, scope, job.labels, dialect)
        lines = content.csv_lines
        content = replace(content, rows=counter.count_rows(content.rows), csv_lines=None if lines is None
                          else lambda dialect: counter.count_rows(lines(dialect)))
        with open(partial, "wb") as handle:
            for chunk in export_format.write(content):
                handle.write(chunk)
        if expected is not None and counter.count != expected:
            raise IncompleteExport(f"{counter.count} rows written of {expected}")
        os.replace(partial, path)
    except Exception as error:
        db.rollback()
        partial.unlink(missing_ok=True)
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            raise  # the database went away, not the data: RQ runs the job again
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
    cache.delete(expected_key(export_id))


def _read_one_snapshot() -> None:
    """Let the export's transaction read one snapshot (PostgreSQL: repeatable read; SQLite's
    transactions always do), so its row count and its rows cannot disagree. A session bound to a
    connection already in a transaction (as in the tests) reads in that transaction."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql" or (isinstance(bind, Connection) and bind.in_transaction()):
        return
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _finish(job: ExportJob, status: ExportStatus, rows: int) -> None:
    job.status = status
    job.rows = rows
    job.finished_date = utcnow()
    job.expires_at = operations.expiry_after(job.finished_date)
    announce_export(job)


def recover_exports(job_status: Callable[[str], str | None]) -> dict[str, int]:
    """Queue again the exports whose job never reached Redis; fail those whose job is gone.

    `job_status` answers RQ's status of a job id (the export's id), None when Redis has none.
    A job that died with its worker comes back here once RQ has used up its retries.
    """
    recovered = {"queued_again": 0, "failed": 0}
    unfinished = db.session.scalars(select(ExportJob).where(
        ExportJob.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]),
        ExportJob.created_date < utcnow() - LOST_AFTER)).all()
    for job in unfinished:
        status = job_status(job.id)
        if status in IN_FLIGHT:
            continue
        if status is None and job.status == ExportStatus.QUEUED:
            from coalition.jobs import enqueue

            enqueue(build_export, job.id, job_id=job.id)
            recovered["queued_again"] += 1
            continue
        for partial in operations.exports_folder().glob(f"{job.id}.*.partial"):
            partial.unlink(missing_ok=True)
        job.error = "abandoned: its worker stopped before finishing, and retries did not help"
        _finish(job, ExportStatus.FAILED, 0)
        recovered["failed"] += 1
    db.session.flush()
    if any(recovered.values()):
        log.warning("exports recovered: %s", recovered)
    return recovered
