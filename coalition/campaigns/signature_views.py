"""Signature reports: report, list the ledger, time series."""

from __future__ import annotations

import orjson
from flask import current_app, request
from flask_smorest import Blueprint
from sqlalchemy import func, select

from coalition.audit.recording import audited_by_its_own_records
from coalition.auth.guard import current_principal, require_scope
from coalition.auth.visibility import sees_every_organization, visible_rows
from coalition.campaigns import idempotency
from coalition.campaigns.models import SignatureReport, SignatureTally
from coalition.campaigns.operations import get_campaign_or_404
from coalition.campaigns.progress import signature_series
from coalition.campaigns.schemas import (
    MAX_BATCH,
    LedgerEntrySchema,
    SeriesArgsSchema,
    SeriesSchema,
    SignatureBatchInputSchema,
    SignatureListArgsSchema,
    SignatureReportInputSchema,
    SignatureResultSchema,
    load_each,
)
from coalition.campaigns.signatures import item_errors, record_reports_to
from coalition.errors import BadRequest, Forbidden, ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.operations import get_organization_or_404
from coalition.pagination import keyset_paginate
from coalition.schemas import page_response, page_schema

blp = Blueprint("signatures", __name__, url_prefix="/campaigns", description="Signature reports.")

_report_schema = SignatureReportInputSchema()

REPORT_BODY = {
    "required": True,
    "description": "One report, or `{\"reports\": [...]}` with up to 1000; a batch is taken whole or not at all.",
    "content": {"application/json": {"schema": {"oneOf": [SignatureReportInputSchema, SignatureBatchInputSchema]}}},
}
REPORT_HEADERS = [{
    "in": "header", "name": idempotency.HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A retry with the same key and body gets the first answer and changes nothing (kept 24 hours).",
}]


def _request_json():
    """The JSON body, parsed by orjson (a batch parses in half the time); what orjson refuses
    but the standard parser takes (integers beyond 64 bits, NaN) is left to the standard parser,
    so such bodies meet the same validation as before. None when the body is not JSON."""
    if not request.is_json:
        return None
    try:
        return orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError:
        return request.get_json(silent=True)


def _load_reports(payload) -> tuple[list[dict], bool]:
    """One report, or `{"reports": [...]}`; messages under `reports.<index>` for a batch."""
    if isinstance(payload, dict) and "reports" in payload:
        raw, single = payload["reports"], False
        unknown = {name: [_("Unknown field.")] for name in payload if name != "reports"}
        if not isinstance(raw, list):
            raise ValidationFailed(errors={"reports": [_("Not a valid list.")], **unknown})
        if not 1 <= len(raw) <= MAX_BATCH:
            raise ValidationFailed(errors={
                "reports": [_("Length must be between %(min)s and %(max)s.", min=1, max=MAX_BATCH)], **unknown})
        if unknown:
            raise ValidationFailed(errors=unknown)
    elif isinstance(payload, dict):
        raw, single = [payload], True
    else:
        raise ValidationFailed(_("Send one report, or an object with a list of reports under \"reports\"."))
    items, errors = load_each(_report_schema, raw)
    if errors:
        raise item_errors(errors, single)
    return items, single


def _answer_body(outcome: dict) -> bytes:
    """The answer built directly with orjson: a batch answers 1000 reports, and a schema dump
    (or the standard json module) would cost more than recording them."""
    return orjson.dumps(outcome, option=orjson.OPT_UTC_Z)


@blp.post("/<slug>/signatures")
@audited_by_its_own_records
@require_scope("signatures:write")
@blp.doc(requestBody=REPORT_BODY, parameters=REPORT_HEADERS)
@blp.response(201, SignatureResultSchema)
def post_signatures(slug):
    """Report signatures collected (totals or deltas), for one or up to 1000 figures at once."""
    principal = current_principal()
    payload = _request_json()
    if payload is None:
        raise BadRequest(_("The request body is not valid JSON."))
    key = request.headers.get(idempotency.HEADER)
    try:
        if key is not None:
            fingerprint = idempotency.request_fingerprint("POST", request.path, payload)
            earlier = idempotency.claim_key(principal.organization_id, key, fingerprint)
            if earlier is not None:
                db.rollback()
                return current_app.response_class(
                    earlier.response_body, status=earlier.status_code, mimetype="application/json")
        items, single = _load_reports(payload)
        outcome = record_reports_to(slug, principal, items, single=single)
        body = _answer_body(outcome)
        if key is not None:
            idempotency.store_answer(principal.organization_id, key, 201, body)
    except ProblemError:
        # Nothing half-written: the claimed key and any tally created for the request go too.
        db.rollback()
        raise
    db.commit()
    return current_app.response_class(body, status=201, mimetype="application/json")


def _report_view(report: SignatureReport) -> dict:
    return {**{c: getattr(report, c) for c in (
        "id", "country", "channel", "mode", "count", "as_of", "reason", "figure", "client_id", "created_date")},
        "organization": report.organization.slug, "source": report.source_id}


@blp.get("/<slug>/signatures")
@require_scope("campaigns:read")
@blp.arguments(SignatureListArgsSchema, location="query")
@blp.response(200, page_schema(LedgerEntrySchema))
def list_signatures(args, slug):
    """The ledger of reports, newest first: members see their organization's, coordinators all.

    Follow `Link: rel="next"` to page through it at the same cost however deep."""
    principal = current_principal()
    campaign = get_campaign_or_404(slug)
    filters = {"campaign_id": campaign.id}
    if not sees_every_organization(principal):
        if args.get("organization") not in (None, principal.organization_slug):
            raise Forbidden(_("Members see their own organization's reports only."))
        filters["organization_id"] = principal.organization_id
    elif args.get("organization"):
        filters["organization_id"] = get_organization_or_404(args["organization"]).id
    for name in ("country", "channel"):
        if args.get(name):
            filters[name] = args[name]
    # Every filter names part of a tally's key, and each tally counts its key's reports.
    total = db.session.scalar(select(func.coalesce(func.sum(SignatureTally.report_count), 0)).filter_by(**filters))
    page = keyset_paginate(select(SignatureReport).filter_by(**filters), [(SignatureReport.id, True)], args,
                           int(total))
    page["items"] = [_report_view(report) for report in page["items"]]
    return page_response(page, LedgerEntrySchema)


@blp.get("/<slug>/signatures/series")
@require_scope("campaigns:read")
@blp.arguments(SeriesArgsSchema, location="query")
@blp.response(200, SeriesSchema)
def get_series(args, slug):
    """Figures over time per country, organization or channel: the figure at each period's end and its increment."""
    series = signature_series(get_campaign_or_404(slug), args["granularity"], args["group_by"])
    if args["group_by"] != "organization":
        return series
    return {**series, "series": visible_rows(current_principal(), series["series"], "group")}
