"""Counter source routes (`signatures:write`): members manage their organization's, coordinators any."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.campaigns.operations import get_campaign_or_404
from coalition.db import paginate
from coalition.extensions import db
from coalition.schemas import PageArgsSchema, page_response, page_schema
from coalition.sources import operations
from coalition.sources.schemas import (
    AcceptSchema,
    PollQueuedSchema,
    SourceCreateSchema,
    SourceListArgsSchema,
    SourceRunSchema,
    SourceSchema,
    SourceUpdateSchema,
)

blp = Blueprint("sources", __name__, url_prefix="",
                description="Counter sources: figures polled from the systems where signatures are collected.")


def _visible(source_id) -> object:
    return operations.get_source_or_404(str(source_id), current_principal())


def _one(source):
    return operations.shown([source])[0]


@blp.get("/campaigns/<slug>/sources")
@require_scope("signatures:write")
@blp.arguments(SourceListArgsSchema, location="query")
@blp.response(200, page_schema(SourceSchema))
def list_sources(args, slug):
    """The campaign's sources with their status, last values and last error: the dashboard of sources."""
    statement = operations.list_sources_query(get_campaign_or_404(slug), current_principal(),
                                              args.get("status"), args.get("organization"))
    page = paginate(statement, args["page"], args["per_page"])
    page["items"] = operations.shown(page["items"])
    return page_response(page, SourceSchema)


@blp.post("/campaigns/<slug>/sources")
@require_scope("signatures:write")
@blp.arguments(SourceCreateSchema)
@blp.response(201, SourceSchema)
def create_source(data, slug):
    """Connect a source; it is polled at once, then every `interval` seconds."""
    source = operations.create_source(get_campaign_or_404(slug), current_principal(), **data)
    db.commit()
    return _one(source)


@blp.get("/sources/<uuid:source_id>")
@require_scope("signatures:write")
@blp.response(200, SourceSchema)
def get_source(source_id):
    """Show a source (never its credentials)."""
    return _one(_visible(source_id))


@blp.patch("/sources/<uuid:source_id>")
@require_scope("signatures:write")
@blp.arguments(SourceUpdateSchema)
@blp.response(200, SourceSchema)
def update_source(data, source_id):
    """Change what a source polls or how often, pause or resume it."""
    source = operations.update_source(_visible(source_id), data)
    db.commit()
    return _one(source)


@blp.delete("/sources/<uuid:source_id>")
@require_scope("signatures:write")
@blp.response(204)
def delete_source(source_id):
    """Disconnect a source; the reports it wrote stay in the ledger."""
    operations.delete_source(_visible(source_id))
    db.commit()


@blp.post("/sources/<uuid:source_id>/poll")
@require_scope("signatures:write")
@blp.response(202, PollQueuedSchema)
def poll_source(source_id):
    """Poll a source now."""
    source = _visible(source_id)
    operations.request_poll(source)
    answer = {"id": source.id, "status": "queued"}
    db.commit()
    return answer


@blp.get("/sources/<uuid:source_id>/runs")
@require_scope("signatures:write")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(SourceRunSchema))
def list_runs(args, source_id):
    """The history of polls that changed something (figures written or held, failures, recoveries), newest first."""
    statement = operations.list_runs_query(_visible(source_id))
    return page_response(paginate(statement, args["page"], args["per_page"]), SourceRunSchema)


@blp.post("/sources/<uuid:source_id>/accept")
@require_scope("signatures:write")
@blp.arguments(AcceptSchema)
@blp.response(200, SourceSchema)
def accept_held(data, source_id):
    """Coordinators: apply the lower figures a source holds, with a reason."""
    source = operations.accept_held(_visible(source_id), current_principal(), data["reason"])
    db.commit()
    return _one(source)
