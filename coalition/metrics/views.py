"""Campaign metrics, streamed downloads of a campaign's datasets, and background export jobs."""

from __future__ import annotations

from flask import Response, send_file, stream_with_context, url_for
from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.db import utcnow
from coalition.extensions import db
from coalition.i18n import select_locale
from coalition.metrics import operations
from coalition.metrics.commands import exports_cli
from coalition.metrics.datasets import dataset_names
from coalition.metrics.figures import campaign_metrics
from coalition.metrics.formats import FORMATS
from coalition.metrics.schemas import (
    CampaignMetricsSchema,
    ExportJobSchema,
    ExportQuerySchema,
    ExportRequestSchema,
)
from coalition.openapi import PROBLEM_CONTENT, file_content

blp = Blueprint("exports", __name__, cli_group=None)
blp.cli.add_command(exports_cli)

_FILE_RESPONSE = {
    "description": "The export as a file download.",
    "content": file_content(export_format.mimetype.split(";")[0] for export_format in FORMATS.values()),
}
# The route takes any name (unknown ones answer a 404 problem naming the right ones); the
# document lists the datasets and formats that exist.
_EXPORT_PARAMETERS = [
    {"in": "path", "name": "dataset", "required": True, "schema": {"type": "string", "enum": dataset_names()}},
    {"in": "path", "name": "format", "required": True, "schema": {"type": "string", "enum": list(FORMATS)}},
]


@blp.get("/campaigns/<slug>/metrics")
@require_scope(operations.FULL_SCOPE, operations.MEMBER_SCOPE)
@blp.response(200, CampaignMetricsSchema)
def get_campaign_metrics(slug: str):
    """Totals, recent pace and projections per country and organization, outreach, translations."""
    return campaign_metrics(get_campaign_or_404(slug), current_principal())


@blp.get("/campaigns/<slug>/exports/<dataset>.<format>")
@require_scope(operations.FULL_SCOPE, operations.MEMBER_SCOPE)
@blp.arguments(ExportQuerySchema, location="query")
@blp.doc(responses={"200": _FILE_RESPONSE, "413": {
    "description": "Too many rows to stream (see EXPORT_STREAM_ROWS): ask for a background export.",
    "content": PROBLEM_CONTENT}},
         parameters=_EXPORT_PARAMETERS)
def stream_export(args, slug: str, dataset: str, format: str):
    """Download a dataset of a campaign (csv, jsonl, xlsx, or zip data package)."""
    scope = operations.export_scope(current_principal())
    target, export_format = operations.resolve_export(dataset, format)
    campaign = get_campaign_or_404(slug)
    labels = operations.labels_locale(args["labels"])
    operations.check_streamable(target, campaign, scope, export_format)
    dialect = operations.csv_dialect(args["dialect"], labels or select_locale())
    content = operations.export_content(target, campaign, scope, labels, dialect)
    # content_type, not mimetype: werkzeug would append a second charset to text/csv.
    response = Response(stream_with_context(export_format.write(content)), content_type=export_format.mimetype)
    response.headers.set("Content-Disposition", "attachment",
                         filename=operations.download_name(campaign, target.name, export_format, utcnow()))
    if labels:
        response.headers["Content-Language"] = labels
    return response


@blp.post("/exports")
@require_scope(operations.FULL_SCOPE, operations.MEMBER_SCOPE)
@blp.arguments(ExportRequestSchema)
@blp.response(202, ExportJobSchema)
def create_export(data):
    """Ask for an export built in the background."""
    job = operations.request_export(current_principal(), **data)
    db.commit()
    return job, 202, {"Location": url_for("exports.get_export", export_id=job.id)}


@blp.get("/exports/<export_id>")
@require_scope(operations.FULL_SCOPE, operations.MEMBER_SCOPE)
@blp.response(200, ExportJobSchema)
def get_export(export_id: str):
    """The status of a background export."""
    return operations.get_export_job_or_404(export_id, current_principal())


@blp.get("/exports/<export_id>/download")
@require_scope(operations.FULL_SCOPE, operations.MEMBER_SCOPE)
@blp.doc(responses={"200": _FILE_RESPONSE})
def download_export(export_id: str):
    """Download a finished background export."""
    job = operations.get_export_job_or_404(export_id, current_principal())
    path = operations.export_file_or_problem(job)
    export_format = FORMATS[job.format]
    response = send_file(path, mimetype=export_format.mimetype, as_attachment=True,
                         download_name=operations.download_name(job.campaign, job.dataset, export_format,
                                                                job.finished_date))
    response.headers["Content-Type"] = export_format.mimetype  # one charset, whatever the type
    if job.labels:
        response.headers["Content-Language"] = job.labels
    return response
