"""Organizations of the coalition: managed by coordinators (`admin`), each readable by itself."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope, require_token
from coalition.db import paginate
from coalition.errors import Forbidden
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations import operations
from coalition.organizations.schemas import (
    OrganizationCreateSchema,
    OrganizationQuerySchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
)
from coalition.schemas import page_response, page_schema

blp = Blueprint("organizations", __name__, url_prefix="/organizations",
                description="Member organizations, their roles and status.")


@blp.get("")
@require_scope("admin")
@blp.arguments(OrganizationQuerySchema, location="query")
@blp.response(200, page_schema(OrganizationSchema))
def list_organizations(args):
    """List organizations."""
    statement = operations.list_organizations(args.get("status"), args.get("role"), args.get("kind"))
    return page_response(paginate(statement, args["page"], args["per_page"]), OrganizationSchema)


@blp.post("")
@require_scope("admin")
@blp.arguments(OrganizationCreateSchema)
@blp.response(201, OrganizationSchema)
def create_organization(data):
    """Create an organization."""
    organization = operations.create_organization(**data)
    db.commit()
    return organization


@blp.get("/<slug>")
@require_token
@blp.response(200, OrganizationSchema)
def get_organization(slug):
    """Show an organization: any of its own tokens, or `admin` for every organization."""
    principal = current_principal()
    if "admin" not in principal.scopes and principal.organization_slug != slug:
        raise Forbidden(_("You may only read your own organization."))
    return operations.get_organization_or_404(slug)


@blp.patch("/<slug>")
@require_scope("admin")
@blp.arguments(OrganizationUpdateSchema)
@blp.response(200, OrganizationSchema)
def update_organization(data, slug):
    """Change an organization's name, country, website, role, kind or sign-in provider (OpenID Connect)."""
    organization = operations.get_organization_or_404(slug)
    operations.update_organization(organization, current_principal().organization_id, **data)
    db.commit()
    return organization


@blp.post("/<slug>/suspend")
@require_scope("admin")
@blp.response(200, OrganizationSchema)
def suspend_organization(slug):
    """Suspend an organization: its tokens stop at once and it gets no new ones."""
    organization = operations.get_organization_or_404(slug)
    operations.suspend_organization(organization, current_principal().organization_id)
    db.commit()
    return organization


@blp.post("/<slug>/reactivate")
@require_scope("admin")
@blp.response(200, OrganizationSchema)
def reactivate_organization(slug):
    """Reactivate a suspended organization."""
    organization = operations.get_organization_or_404(slug)
    operations.reactivate_organization(organization)
    db.commit()
    return organization
