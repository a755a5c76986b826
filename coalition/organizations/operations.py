"""Rules for organizations. Operations flush, never commit."""

from __future__ import annotations

from sqlalchemy import select

from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.models import KINDS, ROLES, Organization
from coalition.validation import SLUG_PATTERN


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [_("Must be one of: %(choices)s.", choices=", ".join(ROLES))]})


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(errors={"kind": [_("Must be one of: %(choices)s.", choices=", ".join(KINDS))]})


def get_organization(slug: str) -> Organization | None:
    return db.session.scalars(select(Organization).filter_by(slug=slug)).first()


def get_organization_or_404(slug: str) -> Organization:
    organization = get_organization(slug)
    if organization is None:
        raise NotFound(_("No organization has this slug."))
    return organization


def create_organization(slug: str, name: str, country: str | None = None, role: str = "member",
                        website: str | None = None, kind: str = "organization") -> Organization:
    if not SLUG_PATTERN.fullmatch(slug or ""):
        raise ValidationFailed(errors={"slug": [_("Use lower-case letters, digits and hyphens.")]})
    _check_role(role)
    _check_kind(kind)
    if get_organization(slug) is not None:
        raise Conflict(_("An organization with this slug already exists."))
    organization = Organization(slug=slug, name=name, country=country, role=role, website=website, kind=kind)
    db.session.add(organization)
    db.session.flush()
    return organization


def list_organizations(status: str | None = None, role: str | None = None, kind: str | None = None):
    """A select of organizations by slug, optionally filtered (for pagination)."""
    statement = select(Organization).order_by(Organization.slug)
    if kind:
        statement = statement.where(Organization.kind == kind)
    if status:
        statement = statement.where(Organization.status == status)
    if role:
        statement = statement.where(Organization.role == role)
    return statement


def update_organization(organization: Organization, acting_organization_id: str | None = None,
                        **changes) -> Organization:
    """Change name, country, website, role, kind or sign-in provider; a coordinator cannot demote
    its own organization."""
    role, kind = changes.get("role"), changes.get("kind")
    if role is not None:
        _check_role(role)
    if kind is not None:
        _check_kind(kind)
    if role == "member" and organization.id == acting_organization_id and organization.is_coordinator:
        raise Conflict(_("You cannot demote your own organization."))
    for name in ("name", "country", "website", "role", "kind"):
        if name in changes:
            setattr(organization, name, changes[name])
    if "sign_in" in changes:
        from coalition.people.single_sign_on import configure_single_sign_on

        configure_single_sign_on(organization, changes["sign_in"])
    db.session.flush()
    if role is not None or kind is not None:
        # Tokens are capped by the role and kind; cached principals must not outlive a demotion.
        _forget_organization_tokens(organization)
    return organization


def suspend_organization(organization: Organization, acting_organization_id: str | None = None) -> Organization:
    """Suspend: the organization's tokens stop at once and no new ones are issued."""
    if organization.id == acting_organization_id:
        raise Conflict(_("You cannot suspend your own organization."))
    organization.status = "suspended"
    db.session.flush()
    _forget_organization_tokens(organization)
    return organization


def reactivate_organization(organization: Organization) -> Organization:
    """Reactivate: its clients may get tokens again, and unexpired tokens work again."""
    organization.status = "active"
    db.session.flush()
    return organization


def _forget_organization_tokens(organization: Organization) -> None:
    from coalition.auth.operations import forget_tokens_after_commit, token_hashes_of

    forget_tokens_after_commit(token_hashes_of(organization_id=organization.id))
