from __future__ import annotations

import marshmallow as ma
from flask import url_for

from coalition.i18n import _
from coalition.metrics import sources  # noqa: F401  (registers the domains' datasets)
from coalition.metrics.datasets import dataset_names
from coalition.metrics.formats import FORMATS
from coalition.metrics.models import ExportStatus
from coalition.validation import UTCDateTime


class ExportQuerySchema(ma.Schema):
    labels = ma.fields.String(
        load_default=None,
        metadata={"description": "A locale (e.g. de): column headers carry translated labels "
                                 "instead of machine names."},
    )
    dialect = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(["excel"]),
        metadata={"description": "excel: CSV with a UTF-8 byte order mark, and cells separated by "
                                 "`;` with decimal commas where the locale (labels, else the "
                                 "request's language) writes decimals with a comma."},
    )


class ExportRequestSchema(ma.Schema):
    campaign = ma.fields.String(required=True, metadata={"description": "The campaign's slug."})
    # Checked against the registered datasets and formats by the operation (a 422 naming them);
    # the document lists them.
    dataset = ma.fields.String(
        required=True,
        metadata={"description": "signatures, progress, organizations, actions or translations.",
                  "enum": dataset_names()},
    )
    format = ma.fields.String(required=True, metadata={"description": "csv, jsonl, xlsx or zip (data package).",
                                                       "enum": list(FORMATS)})
    labels = ma.fields.String(load_default=None, metadata={"description": "A locale for translated column labels."})
    dialect = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["excel"]),
                               metadata={"description": "excel: CSV as Excel opens it in the locale "
                                                        "(labels, else the request's language)."})


class ExportJobSchema(ma.Schema):
    id = ma.fields.String()
    campaign = ma.fields.Function(lambda job: job.campaign.slug, metadata={"type": "string"})
    dataset = ma.fields.String()
    format = ma.fields.String()
    labels = ma.fields.String(allow_none=True)
    dialect = ma.fields.Function(lambda job: "excel" if job.excel_locale else None, allow_none=True,
                                 metadata={"type": "string", "enum": ["excel", None]})
    status = ma.fields.Enum(ExportStatus, by_value=True)
    rows = ma.fields.Method("_rows", metadata={"type": "integer", "description": "Rows written so far."})
    expected_rows = ma.fields.Method("_expected_rows", allow_none=True, metadata={
        "type": "integer",
        "description": "Rows the file will hold, once counted (null before); a finished file holds all of them."})
    size = ma.fields.Integer(allow_none=True, metadata={"description": "The file's size in bytes."})
    error = ma.fields.Method("_error", allow_none=True, metadata={"type": "string"})
    created_date = UTCDateTime()
    finished_date = UTCDateTime(allow_none=True)
    expires_at = UTCDateTime(allow_none=True)
    expired = ma.fields.Method("_expired", metadata={"type": "boolean"})
    links = ma.fields.Method("_links", metadata={"type": "object", "properties": {
        "self": {"type": "string"}, "download": {"type": "string"}}})

    def _rows(self, job) -> int:
        from coalition.metrics.tasks import rows_so_far

        return rows_so_far(job)

    def _expected_rows(self, job) -> int | None:
        from coalition.metrics.tasks import rows_expected

        return rows_expected(job)

    def _error(self, job):
        # The stored error is for the operators' logs; callers get a plain explanation.
        return _("The export could not be built.") if job.error else None

    def _expired(self, job) -> bool:
        return job.is_expired()

    def _links(self, job) -> dict:
        return {
            "self": url_for("exports.get_export", export_id=job.id),
            "download": url_for("exports.download_export", export_id=job.id),
        }


class PaceFields:
    """Recent pace, shared by the campaign, each country and each organization."""

    last_7_days = ma.fields.Integer(metadata={"description": "Signatures added in the last 7 days."})
    last_30_days = ma.fields.Integer(metadata={"description": "Signatures added in the last 30 days."})
    daily_rate = ma.fields.Float(metadata={"description": "Average signatures per day over the last 14 days."})


class CountryMetricsSchema(PaceFields, ma.Schema):
    country = ma.fields.String()
    count = ma.fields.Integer()
    threshold = ma.fields.Integer(allow_none=True)
    met = ma.fields.Boolean(allow_none=True)
    projected_threshold_date = ma.fields.Date(
        allow_none=True, metadata={"description": "When the threshold is reached at the current pace; "
                                                  "null if reached already or never at this pace."})


class OrganizationMetricsSchema(PaceFields, ma.Schema):
    organization = ma.fields.String()
    count = ma.fields.Integer()


class PublicTotalsSchema(ma.Schema):
    total = ma.fields.Integer()
    countries_over_threshold = ma.fields.Integer()


class OutreachTotalsSchema(ma.Schema):
    actions = ma.fields.Integer()
    reach = ma.fields.Integer()
    signatures_collected = ma.fields.Integer()
    actions_last_30_days = ma.fields.Integer()


class LocaleCoverageSchema(ma.Schema):
    locale = ma.fields.String()
    percent_approved = ma.fields.Float()


class CampaignMetricsSchema(PaceFields, ma.Schema):
    campaign = ma.fields.String()
    scope = ma.fields.String(metadata={"description": "coalition (coordinators) or organization (own figures)."})
    organization = ma.fields.String(allow_none=True)
    generated_date = UTCDateTime()
    goal = ma.fields.Integer()
    days_left = ma.fields.Integer()
    public = ma.fields.Nested(PublicTotalsSchema)
    total = ma.fields.Integer()
    projected_goal_date = ma.fields.Date(allow_none=True)
    countries = ma.fields.List(ma.fields.Nested(CountryMetricsSchema))
    organizations = ma.fields.List(ma.fields.Nested(OrganizationMetricsSchema))
    outreach = ma.fields.Nested(OutreachTotalsSchema)
    translations = ma.fields.List(ma.fields.Nested(LocaleCoverageSchema))
