"""Federation routes: hubs push snapshots here (upstream); admins register upstreams (downstream)."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.audit.recording import audit_object
from coalition.auth.guard import current_principal, require_scope
from coalition.auth.visibility import sees_every_organization
from coalition.campaigns.operations import get_campaign_or_404
from coalition.db import paginate
from coalition.errors import Forbidden
from coalition.extensions import db
from coalition.federation import snapshots, upstreams
from coalition.federation.schemas import (
    FederationSchema,
    SnapshotResultSchema,
    SnapshotSchema,
    UpstreamCreateSchema,
    UpstreamSchema,
    UpstreamUpdateSchema,
)
from coalition.i18n import _
from coalition.schemas import PageArgsSchema, page_response, page_schema

blp = Blueprint("federation", __name__, url_prefix="/campaigns",
                description="Hub-to-hub federation: snapshots from the hubs below, upstreams above.")


@blp.put("/<slug>/federation/snapshot")
@require_scope("federation:push")
@blp.arguments(SnapshotSchema)
@blp.response(200, SnapshotResultSchema)
def push_snapshot(data, slug):
    """Apply a hub's snapshot as its organization's totals (absolute figures, growing sequence)."""
    result = snapshots.apply_snapshot(slug, current_principal(), data)
    audit_object("snapshot", slug)
    db.commit()
    return result


@blp.get("/<slug>/federation")
@require_scope("metrics:read", "admin")
@blp.response(200, FederationSchema)
def get_federation(slug):
    """The hubs pushing to this campaign: instance, sequence, as_of, chain, member organizations."""
    if not sees_every_organization(current_principal()):
        raise Forbidden(_("Only coordinators see the federated hubs."))
    return snapshots.federation_of(slug)


@blp.get("/<slug>/upstreams")
@require_scope("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(UpstreamSchema))
def list_upstreams(args, slug):
    """List the upstreams this campaign pushes to, with the last push's outcome."""
    statement = upstreams.list_upstreams_query(get_campaign_or_404(slug))
    return page_response(paginate(statement, args["page"], args["per_page"]), UpstreamSchema)


@blp.post("/<slug>/upstreams")
@require_scope("admin")
@blp.arguments(UpstreamCreateSchema)
@blp.response(201, UpstreamSchema)
def create_upstream(data, slug):
    """Push this campaign's figures to a campaign of another instance (needs PUBLIC_URL)."""
    upstream = upstreams.create_upstream(get_campaign_or_404(slug), url=data["url"], campaign_slug=data["campaign"],
                                         client_id=data["client_id"], client_secret=data["client_secret"])
    audit_object("upstream", upstream.id)
    db.commit()
    return upstream


@blp.get("/<slug>/upstreams/<upstream_id>")
@require_scope("admin")
@blp.response(200, UpstreamSchema)
def get_upstream(slug, upstream_id):
    """Show an upstream and its last push (never its client secret)."""
    return upstreams.get_upstream_or_404(get_campaign_or_404(slug), upstream_id)


@blp.patch("/<slug>/upstreams/<upstream_id>")
@require_scope("admin")
@blp.arguments(UpstreamUpdateSchema)
@blp.response(200, UpstreamSchema)
def update_upstream(data, slug, upstream_id):
    """Change an upstream's address or credentials, or pause and resume its pushes."""
    upstream = upstreams.update_upstream(upstreams.get_upstream_or_404(get_campaign_or_404(slug), upstream_id), data)
    audit_object("upstream", upstream.id)
    db.commit()
    return upstream


@blp.delete("/<slug>/upstreams/<upstream_id>")
@require_scope("admin")
@blp.response(204)
def delete_upstream(slug, upstream_id):
    """Stop pushing to an upstream and forget its credentials (its figures stay upstream)."""
    upstreams.delete_upstream(upstreams.get_upstream_or_404(get_campaign_or_404(slug), upstream_id))
    audit_object("upstream", upstream_id)
    db.commit()
