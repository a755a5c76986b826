"""OAuth clients of organizations (managed with `admin`) and the public list of scopes."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.audit.recording import audit_object
from coalition.auth import operations
from coalition.auth.guard import require_scope
from coalition.auth.schemas import (
    ClientCreateSchema,
    ClientCredentialsSchema,
    ClientSchema,
    ClientUpdateSchema,
    ScopeSchema,
)
from coalition.auth.scopes import COORDINATOR_ONLY, HUB_ONLY, SCOPES
from coalition.db import paginate
from coalition.extensions import db
from coalition.organizations.operations import get_organization_or_404
from coalition.schemas import PageArgsSchema, page_response, page_schema

blp = Blueprint("clients", __name__, description="OAuth clients of organizations; secrets are shown once.")
scopes_blp = Blueprint("scopes", __name__, url_prefix="/scopes", description="What each scope allows.")


class _IssuedCredentials:
    """A client together with the secret just issued, for the one answer that shows it."""

    def __init__(self, client, secret: str):
        self._client = client
        self.client_secret = secret

    def __getattr__(self, name):
        return getattr(self._client, name)


@blp.get("/organizations/<slug>/clients")
@require_scope("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ClientSchema))
def list_clients(args, slug):
    """List an organization's clients."""
    statement = operations.list_clients(get_organization_or_404(slug))
    return page_response(paginate(statement, args["page"], args["per_page"]), ClientSchema)


@blp.post("/organizations/<slug>/clients")
@require_scope("admin")
@blp.arguments(ClientCreateSchema)
@blp.response(201, ClientCredentialsSchema)
def create_client(data, slug):
    """Create a client; the answer holds its secret, which is never shown again."""
    client, secret = operations.create_client(get_organization_or_404(slug), **data)
    # The URL names the organization; the change is the new client.
    audit_object("client", client.client_id)
    db.commit()
    return _IssuedCredentials(client, secret)


@blp.get("/clients/<client_id>")
@require_scope("admin")
@blp.response(200, ClientSchema)
def get_client(client_id):
    """Show a client (never its secret)."""
    return operations.get_client_or_404(client_id)


@blp.patch("/clients/<client_id>")
@require_scope("admin")
@blp.arguments(ClientUpdateSchema)
@blp.response(200, ClientSchema)
def update_client(data, client_id):
    """Rename, re-scope, limit to locales, disable or enable a client."""
    client = operations.update_client(operations.get_client_or_404(client_id), **data)
    db.commit()
    return client


@blp.post("/clients/<client_id>/rotate")
@require_scope("admin")
@blp.response(200, ClientCredentialsSchema)
def rotate_client_secret(client_id):
    """Give a client a new secret; the old one works on for the configured overlap."""
    client, secret = operations.rotate_client_secret(operations.get_client_or_404(client_id))
    db.commit()
    return _IssuedCredentials(client, secret)


@blp.post("/clients/<client_id>/revoke-previous-secret")
@require_scope("admin")
@blp.response(200, ClientSchema)
def revoke_previous_secret(client_id):
    """End the secret replaced by the last rotation now, with every token the client holds (409 if none)."""
    client = operations.revoke_previous_secret(operations.get_client_or_404(client_id))
    db.commit()
    return client


@blp.delete("/clients/<client_id>")
@require_scope("admin")
@blp.response(204)
def delete_client(client_id):
    """Delete a client; its tokens stop working at once."""
    operations.delete_client(operations.get_client_or_404(client_id))
    db.commit()


@scopes_blp.get("")
@scopes_blp.response(200, page_schema(ScopeSchema))
def list_scopes():
    """List the scopes a client may hold, described in the request's language (public)."""
    items = [{"name": name, "description": str(text), "coordinator_only": name in COORDINATOR_ONLY,
              "hub_only": name in HUB_ONLY} for name, text in SCOPES.items()]
    return page_response({"items": items, "total": len(items), "page": 1, "per_page": len(items)},
                         ScopeSchema)
