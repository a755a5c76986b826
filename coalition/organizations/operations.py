"""Rules for organizations. Operations flush, never commit."""

from __future__ import annotations

import re

from sqlalchemy import select

from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.models import ROLES, Organization

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def get_organization(slug: str) -> Organization | None:
    return db.session.scalars(select(Organization).filter_by(slug=slug)).first()


def get_organization_or_404(slug: str) -> Organization:
    organization = get_organization(slug)
    if organization is None:
        raise NotFound(_("No organization has this slug."))
    return organization


def create_organization(slug: str, name: str, country: str | None = None, role: str = "member",
                        website: str | None = None) -> Organization:
    if not SLUG_RE.match(slug or ""):
        raise ValidationFailed(errors={"slug": [_("Use lower-case letters, digits and hyphens.")]})
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [_("Must be one of: member, coordinator.")]})
    if get_organization(slug) is not None:
        raise Conflict(_("An organization with this slug already exists."))
    organization = Organization(slug=slug, name=name, country=country, role=role, website=website)
    db.session.add(organization)
    db.session.flush()
    return organization
