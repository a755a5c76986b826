"""Campaigns, their progress, verifications and the public counter."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.auth.visibility import visible_rows
from coalition.campaigns import operations
from coalition.campaigns.counter import counter_entry, install_shortcut
from coalition.campaigns.progress import campaign_progress
from coalition.campaigns.schemas import (
    CampaignChangeSchema,
    CampaignCreateSchema,
    CampaignListArgsSchema,
    CampaignSchema,
    CounterSchema,
    ProgressSchema,
    VerificationInputSchema,
    VerificationListSchema,
    VerificationSchema,
)
from coalition.db import paginate
from coalition.errors import NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.openapi import PROBLEM_CONTENT
from coalition.schemas import page_response, page_schema
from coalition.validation import CountryCode

blp = Blueprint("campaigns", __name__, url_prefix="/campaigns", description="Campaigns and their progress.")


@blp.post("")
@require_scope("admin")
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
def create_campaign(data):
    """Create a campaign."""
    campaign = operations.create_campaign(**data)
    db.commit()
    return campaign


@blp.get("")
@require_scope("campaigns:read")
@blp.arguments(CampaignListArgsSchema, location="query")
@blp.response(200, page_schema(CampaignSchema))
def list_campaigns(args):
    """List campaigns."""
    page = paginate(operations.list_campaigns(args.get("status")), args["page"], args["per_page"])
    return page_response(page, CampaignSchema)


@blp.get("/<slug>")
@require_scope("campaigns:read")
@blp.response(200, CampaignSchema)
def get_campaign(slug):
    """Read a campaign."""
    return operations.get_campaign_or_404(slug)


@blp.patch("/<slug>")
@require_scope("admin")
@blp.arguments(CampaignChangeSchema)
@blp.response(200, CampaignSchema)
def update_campaign(data, slug):
    """Change a campaign; its status moves forward only (draft → live → closed)."""
    campaign = operations.update_campaign(operations.get_campaign_or_404(slug), **data)
    db.commit()
    return campaign


@blp.get("/<slug>/progress")
@require_scope("campaigns:read")
@blp.response(200, ProgressSchema)
def get_progress(slug):
    """Progress per member state against the thresholds, per organization, and the ECI conditions."""
    progress = campaign_progress(operations.get_campaign_or_404(slug))
    return {**progress, "organizations": visible_rows(current_principal(), progress["organizations"], "organization")}


def _country(value: str) -> str:
    try:
        return CountryCode().deserialize(value)
    except ma.ValidationError as error:
        raise ValidationFailed(errors={"country": error.messages}) from None


@blp.put("/<slug>/verifications/<country>")
@require_scope("admin")
@blp.arguments(VerificationInputSchema)
@blp.response(200, VerificationSchema)
def put_verification(data, slug, country):
    """Record what the national authority verified in one country."""
    campaign = operations.get_campaign_or_404(slug)
    verification = operations.record_verification(campaign, _country(country), **data)
    db.commit()
    return verification


@blp.get("/<slug>/verifications")
@require_scope("campaigns:read")
@blp.response(200, VerificationListSchema)
def list_verifications(slug):
    """Verifications recorded per country."""
    return {"items": operations.list_verifications(operations.get_campaign_or_404(slug))}


COUNTER_DOC = {
    "summary": "The public counter (no authentication, CORS, ETag; cached, at most 2 seconds old).",
    "security": [],
    "responses": {
        "200": {"description": "The counter.", "content": {"application/json": {"schema": CounterSchema}}},
        "304": {"description": "Not modified since the ETag given in If-None-Match."},
        "404": {"description": "No campaign has this slug.", "content": PROBLEM_CONTENT},
    },
    "parameters": [{"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                    "description": "The ETag of the copy the caller holds."}],
}


@blp.get("/<slug>/counter")
@blp.doc(**COUNTER_DOC)
def get_counter(slug):
    # Only a counter without a fresh local copy gets here; CounterShortcut answers the others.
    entry = counter_entry(slug)
    if entry is None:
        raise NotFound(_("No campaign has this slug."))
    if entry.not_modified(request.headers.get("If-None-Match")):
        return current_app.response_class(status=304, headers=entry.headers)
    return current_app.response_class(entry.body, status=200, headers=entry.headers, mimetype="application/json")


blp.record_once(lambda state: install_shortcut(state.app))
