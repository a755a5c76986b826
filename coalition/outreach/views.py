"""Outreach routes: log, list, read, change and summarise actions."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify, request, url_for
from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.errors import BadRequest, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.models import Organization
from coalition.outreach import operations, queries
from coalition.outreach.schemas import (
    ActionBatchResultSchema,
    ActionBatchSchema,
    ActionFieldsSchema,
    ActionFilterSchema,
    ActionListArgsSchema,
    ActionPatchSchema,
    ActionSchema,
    ActionSummarySchema,
)
from coalition.schemas import page_response, page_schema

blp = Blueprint("outreach", __name__)

ONE_OR_MANY = {"content": {"application/json": {"schema": {"oneOf": [ActionFieldsSchema, ActionBatchSchema]}}},
               "required": True}
ONE_OR_MANY_ANSWER = {"application/json": {"schema": {"oneOf": [ActionSchema, ActionBatchResultSchema]}}}


def caller_organization() -> Organization:
    return db.session.get(Organization, current_principal().organization_id)


def _load(schema: ma.Schema, data) -> dict:
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        raise ValidationFailed(errors=error.messages) from None


@blp.get("/campaigns/<slug>/actions")
@require_scope("actions:read")
@blp.arguments(ActionListArgsSchema, location="query")
@blp.response(200, page_schema(ActionSchema))
def list_actions(args, slug):
    """List a campaign's outreach actions, every organization's, filtered and sorted."""
    campaign = get_campaign_or_404(slug)
    pages = {name: args.pop(name) for name in ("page", "per_page", "after")}
    page = queries.list_actions(campaign, args, args.pop("sort"), pages)
    return page_response(page, ActionSchema)


@blp.post("/campaigns/<slug>/actions")
@require_scope("actions:write")
@blp.doc(requestBody=ONE_OR_MANY, responses={
    "201": {"description": "Created: the action, or for a list the actions and the counts "
                           "`created` and `updated`.", "content": ONE_OR_MANY_ANSWER},
    "200": {"description": "Nothing new: every action updated one with the same origin_system "
                           "and external_id.", "content": ONE_OR_MANY_ANSWER},
})
def log_actions(slug):
    """Log one outreach action, or up to 1000 as {"actions": [...]}, all or none."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(_("Send one action as a JSON object, or an object whose \"actions\" lists several."))
    campaign = get_campaign_or_404(slug)
    organization = caller_organization()
    if "actions" in body:
        items = _load(ActionBatchSchema(), body)["actions"]
        results = operations.log_actions(campaign, organization, items)
        db.commit()
        created = sum(1 for _action, is_new in results if is_new)
        answer = ActionBatchResultSchema().dump({
            "actions": [action for action, _is_new in results],
            "created": created, "updated": len(results) - created,
        })
        return jsonify(answer), 201 if created else 200
    action, is_new = operations.log_action(campaign, organization, _load(ActionFieldsSchema(), body))
    db.commit()
    location = url_for("outreach.get_action", action_id=action.id)
    return jsonify(ActionSchema().dump(action)), 201 if is_new else 200, {"Location": location}


@blp.get("/campaigns/<slug>/actions/summary")
@require_scope("actions:read")
@blp.arguments(ActionFilterSchema, location="query")
@blp.response(200, ActionSummarySchema)
def summarize_actions(args, slug):
    """Actions, reach and signatures per kind × country × ISO week, filtered like the list."""
    return queries.summarize_actions(get_campaign_or_404(slug), args)


@blp.get("/actions/<action_id>")
@require_scope("actions:read")
@blp.response(200, ActionSchema)
def get_action(action_id):
    """Read one outreach action."""
    return operations.get_action_or_404(action_id)


@blp.patch("/actions/<action_id>")
@require_scope("actions:write")
@blp.arguments(ActionPatchSchema)
@blp.response(200, ActionSchema)
def update_action(changes, action_id):
    """Change some fields of one of your organization's actions."""
    action = operations.update_action(operations.get_action_or_404(action_id), caller_organization(), changes)
    db.commit()
    return action


@blp.delete("/actions/<action_id>")
@require_scope("actions:write")
@blp.response(204)
def delete_action(action_id):
    """Delete one of your organization's actions."""
    operations.delete_action(operations.get_action_or_404(action_id), caller_organization())
    db.commit()
