"""A member's pages: `/campaigns/{slug}/report` (signature figures) and `/actions` (outreach).

Each form goes through the API's schema and operation, so a page refuses what the API refuses
with the same translated messages; a report carries an idempotency key, so a form sent twice
(a double click, a reload) records one report.
"""

from __future__ import annotations

import re
import uuid

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from coalition.campaigns import idempotency
from coalition.campaigns.operations import get_campaign_or_404
from coalition.campaigns.schemas import SignatureReportInputSchema, load_each
from coalition.campaigns.signatures import item_errors, record_reports_to
from coalition.db import utcnow
from coalition.errors import ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.organizations.models import Organization
from coalition.outreach import operations as outreach
from coalition.outreach import queries
from coalition.outreach.models import KINDS
from coalition.outreach.schemas import ActionFieldsSchema
from coalition.people.sessions import page_principal, sign_in_required
from coalition.web.dashboard import latest_reports
from coalition.web.forms import form_values, problem_messages
from coalition.web.labels import campaign_countries

blp = Blueprint("member", __name__, template_folder="templates")

REPORT_FIELDS = ("country", "channel", "mode", "count", "as_of", "reason", "organization")
ACTION_FIELDS = ("kind", "action_date", "end_date", "country", "locality", "reach", "signatures_collected", "notes")
INTEGERS = ("count", "reach", "signatures_collected")


def _typed(values: dict[str, str]) -> dict:
    """Form text as the API's JSON would carry it: whole numbers as numbers, a local date-time
    field (`2026-03-01T12:00`, shown as UTC) as RFC 3339. Anything else stays text, for the
    schema to refuse with its own message."""
    typed: dict = dict(values)
    for name in INTEGERS:
        if re.fullmatch(r"-?[0-9]{1,12}", typed.get(name, "")):
            typed[name] = int(typed[name])
    if len(typed.get("as_of", "")) == 16:
        typed["as_of"] += ":00Z"
    return typed


def _report_page(campaign, principal, errors=None, values=None, status=200):
    defaults = {"as_of": utcnow().strftime("%Y-%m-%dT%H:%M"), "channel": "paper", "mode": "delta"}
    organizations = (list(db.session.scalars(select(Organization.slug).order_by(Organization.slug)))
                     if principal.is_coordinator else [])
    return render_template(
        "report.html", campaign=campaign, countries=campaign_countries(campaign), errors=errors or {}, values={**defaults, **(values or {})},
        reports=latest_reports(campaign, principal, 50), organizations=organizations,
        key=uuid.uuid4().hex, saved=request.args.get("saved")), status


@blp.get("/campaigns/<slug>/report")
@sign_in_required("signatures:write")
def report(slug):
    return _report_page(get_campaign_or_404(slug), page_principal())


@blp.post("/campaigns/<slug>/report")
@sign_in_required("signatures:write")
def record_report(slug):
    campaign = get_campaign_or_404(slug)
    principal = page_principal()
    values = form_values(REPORT_FIELDS, request.form)
    payload = _typed(values)
    key = request.form.get("key", "")
    try:
        fingerprint = idempotency.request_fingerprint("POST", request.path, payload)
        if key and idempotency.claim_key(principal.organization_id, key, fingerprint) is not None:
            db.rollback()
            return redirect(url_for("member.report", slug=slug, saved=1), 303)
        items, errors = load_each(SignatureReportInputSchema(), [payload])
        if errors:
            raise item_errors(errors, single=True)
        record_reports_to(campaign.slug, principal, items, single=True)
        if key:
            idempotency.store_answer(principal.organization_id, key, 201, b"{}")
    except ProblemError as problem:
        db.rollback()
        return _report_page(campaign, principal, problem_messages(problem), values, problem.status)
    db.commit()
    return redirect(url_for("member.report", slug=slug, saved=1), 303)


def _actions_page(campaign, principal, errors=None, values=None, status=200):
    page = queries.list_actions(campaign, {}, "-action_date", {"page": 1, "per_page": 50, "after": None})
    return render_template(
        "actions.html", campaign=campaign, countries=campaign_countries(campaign), errors=errors or {}, kinds=KINDS, actions=page["items"],
        total=page["total"], may_write="actions:write" in principal.scopes, saved=request.args.get("saved"),
        values={"action_date": utcnow().date().isoformat(), "reach": "0", **(values or {})}), status


@blp.get("/campaigns/<slug>/actions")
@sign_in_required("actions:read")
def actions(slug):
    return _actions_page(get_campaign_or_404(slug), page_principal())


@blp.post("/campaigns/<slug>/actions")
@sign_in_required("actions:write")
def log_action(slug):
    campaign = get_campaign_or_404(slug)
    principal = page_principal()
    values = form_values(ACTION_FIELDS, request.form)
    try:
        try:
            fields = ActionFieldsSchema().load(_typed(values))
        except ma.ValidationError as error:
            raise ValidationFailed(errors=error.messages) from None
        outreach.log_action(campaign, db.session.get(Organization, principal.organization_id), fields)
    except ProblemError as problem:
        db.rollback()
        return _actions_page(campaign, principal, problem_messages(problem), values, problem.status)
    db.commit()
    return redirect(url_for("member.actions", slug=slug, saved=1), 303)
