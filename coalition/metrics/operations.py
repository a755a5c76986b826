"""Rules for exports: who sees which rows, what a file is called, export jobs and their expiry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import select

from coalition.auth.guard import Principal
from coalition.auth.visibility import visible_organization_id
from coalition.campaigns.models import Campaign
from coalition.campaigns.operations import get_campaign
from coalition.db import utcnow
from coalition.errors import Conflict, NotFound, ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, fallback_chain, select_locale, supported_locales
from coalition.metrics import sources  # noqa: F401  (registers the domains' datasets)
from coalition.metrics.cells import PLAIN_CSV, CsvDialect, excel_dialect
from coalition.metrics.database_csv import copies_as_csv, csv_lines
from coalition.metrics.datasets import Dataset, ExportScope, dataset_names, get_dataset
from coalition.metrics.formats import FORMATS, ExportContent, ExportFormat
from coalition.metrics.models import ExportJob, ExportStatus

log = logging.getLogger(__name__)

FULL_SCOPE = "metrics:read"
MEMBER_SCOPE = "campaigns:read"


def export_scope(principal: Principal) -> ExportScope:
    """Every organization's rows or the caller's own, by the one rule of `visible_organization_id`."""
    return ExportScope(organization_id=visible_organization_id(principal))


def resolve_export(dataset_name: str, format_name: str) -> tuple[Dataset, ExportFormat]:
    dataset = get_dataset(dataset_name)
    if dataset is None:
        raise NotFound(_("No dataset is called %(name)s.", name=dataset_name))
    export_format = FORMATS.get(format_name)
    if export_format is None:
        raise NotFound(_("Exports come as %(formats)s.", formats=", ".join(FORMATS)))
    return dataset, export_format


def labels_locale(labels: str | None) -> str | None:
    """The supported locale for `?labels=` (None: machine names), or a 422 problem."""
    if not labels:
        return None
    for candidate in fallback_chain(labels):
        if candidate in supported_locales():
            return candidate
    raise ValidationFailed(errors={"labels": [
        _("Labels exist in %(locales)s.", locales=", ".join(supported_locales()))
    ]})


def csv_dialect(dialect: str | None, locale: str) -> CsvDialect:
    """`?dialect=excel`: the CSV Excel opens in a spreadsheet of `locale`; else plain RFC 4180."""
    if dialect != "excel":
        return PLAIN_CSV
    from babel.numbers import get_decimal_symbol

    return excel_dialect(get_decimal_symbol(locale))


def _header(column, title: str | None) -> str:
    """A column's header; datetime columns say they are in UTC, named or labelled."""
    name = title if title is not None else column.name
    return _("%(column)s (UTC)", column=name) if column.type == "datetime" else name


def export_content(dataset: Dataset, campaign: Campaign, scope: ExportScope, labels: str | None,
                   dialect: CsvDialect = PLAIN_CSV) -> ExportContent:
    """Header, Table Schema and rows of one export."""
    with force_locale(labels or "en"):
        titles = [_header(column, str(column.label)) for column in dataset.columns]
        fields = [
            {"name": column.name, "title": title, "type": column.type, "description": str(column.description)}
            for column, title in zip(dataset.columns, titles)
        ]
        title = f"{campaign.title}: {dataset.title}"
        header = titles if labels else [_header(column, None) for column in dataset.columns]
    return ExportContent(
        name=f"{campaign.slug}-{dataset.name}",
        title=title,
        resource=dataset.name,
        columns=dataset.columns,
        header=header,
        fields=fields,
        rows=dataset.rows(campaign, scope),
        dialect=dialect,
        csv_lines=partial(csv_lines, dataset.statement(campaign, scope), dataset.columns)
        if dataset.statement is not None and copies_as_csv(dataset.columns) else None,
    )


def stream_limit(export_format: ExportFormat) -> int:
    config = current_app.extensions["coalition.config"]
    return config.export_stream_xlsx_rows if export_format.name == "xlsx" else config.export_stream_rows


def check_streamable(dataset: Dataset, campaign: Campaign, scope: ExportScope, export_format: ExportFormat) -> None:
    """Refuse, before the first byte, an export too large to stream within a request's time.

    A streamed file cut off by the server's timeout would look complete to whoever opens it.
    """
    if dataset.count is None:
        return
    limit = stream_limit(export_format)
    if dataset.count(campaign, scope, limit) > limit:
        raise ProblemError(_("This export holds more than %(limit)d rows, too many to download at once: ask for "
                             "it with POST /api/v1/exports and download the file when it is finished.",
                             limit=limit), status=413, headers={"Link": f'<{url_for("exports.create_export")}>; '
                                                                       'rel="alternate"'})


def download_name(campaign: Campaign, dataset_name: str, export_format: ExportFormat, when: datetime) -> str:
    return f"{campaign.slug}-{dataset_name}-{when:%Y%m%d}.{export_format.extension}"


def exports_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def request_export(principal: Principal, campaign: str, dataset: str, format: str,
                   labels: str | None = None, dialect: str | None = None) -> ExportJob:
    """Queue a background export; the job is built once the transaction has committed."""
    scope = export_scope(principal)
    errors: dict[str, list] = {}
    target = get_campaign(campaign)
    if target is None:
        errors["campaign"] = [_("No campaign has this slug.")]
    if get_dataset(dataset) is None:
        errors["dataset"] = [_("Must be one of: %(choices)s.", choices=", ".join(dataset_names()))]
    if format not in FORMATS:
        errors["format"] = [_("Must be one of: %(choices)s.", choices=", ".join(FORMATS))]
    try:
        locale = labels_locale(labels)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors=errors)
    job = ExportJob(
        organization_id=principal.organization_id, client_id=principal.client_id, campaign_id=target.id,
        dataset=dataset, format=format, labels=locale, all_organizations=scope.everything,
        excel_locale=(locale or select_locale()) if dialect == "excel" else None,
    )
    db.session.add(job)
    db.session.flush()
    from coalition.jobs import enqueue
    from coalition.metrics.tasks import build_export

    enqueue(build_export, job.id, job_id=job.id,
            timeout=current_app.extensions["coalition.config"].export_job_timeout)
    return job


def get_export_job_or_404(export_id: str, principal: Principal) -> ExportJob:
    """The job, if this caller may see it; another organization's job is answered as not found."""
    job = db.session.get(ExportJob, export_id)
    if job is None or not (export_scope(principal).everything or job.organization_id == principal.organization_id):
        raise NotFound(_("No export has this id."))
    return job


def export_file_or_problem(job: ExportJob) -> Path:
    """The finished file: 409 while it is being built or failed, 410 once it has expired."""
    if job.status == ExportStatus.FAILED:
        raise Conflict(_("The export failed; ask for a new one."))
    if job.status != ExportStatus.FINISHED:
        raise Conflict(_("The export is not finished yet; try again later."))
    path = exports_folder() / job.file_name if job.file_name else None
    if job.is_expired() or path is None or not path.exists():
        raise ProblemError(_("The export has expired; ask for a new one."), status=410)
    return path


def expiry_after(finished: datetime) -> datetime:
    return finished + timedelta(seconds=current_app.extensions["coalition.config"].export_expiry)


def remove_expired_exports(now: datetime | None = None) -> int:
    """Delete the files of expired exports and forget their names; answer how many were removed."""
    now = now or utcnow()
    folder = exports_folder()
    expired = db.session.scalars(
        select(ExportJob).where(ExportJob.expires_at <= now, ExportJob.file_name.is_not(None))
    ).all()
    for job in expired:
        (folder / job.file_name).unlink(missing_ok=True)
        job.file_name = None
    # Partial files of builds that died with their worker.
    cutoff = (now - timedelta(seconds=current_app.extensions["coalition.config"].export_expiry)).timestamp()
    for unfinished in folder.glob("*.partial"):
        if unfinished.stat().st_mtime < cutoff:
            unfinished.unlink(missing_ok=True)
    db.session.flush()
    log.info("removed %d expired exports", len(expired))
    return len(expired)
