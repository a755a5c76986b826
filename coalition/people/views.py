"""People of an organization, managed through the API by `admin` (coordinators)."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.audit.recording import audit_object
from coalition.auth.guard import require_scope
from coalition.db import paginate
from coalition.extensions import db
from coalition.organizations.operations import get_organization_or_404
from coalition.people import operations
from coalition.people.schemas import (
    InvitedPersonSchema,
    PersonCreateSchema,
    PersonSchema,
    PersonUpdateSchema,
)
from coalition.schemas import PageArgsSchema, page_response, page_schema

blp = Blueprint("people_api", __name__, description="People of organizations, who sign in to the pages and portals.")


class _Invited:
    """A person with the invitation link just made, for the one answer that shows it."""

    def __init__(self, person, invitation, url: str):
        self._person = person
        self.invitation_url = url
        self.invitation_expires = invitation.expires_at

    def __getattr__(self, name):
        return getattr(self._person, name)


@blp.get("/organizations/<slug>/people")
@require_scope("admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(PersonSchema))
def list_people(args, slug):
    """List an organization's people."""
    statement = operations.list_people(get_organization_or_404(slug))
    return page_response(paginate(statement, args["page"], args["per_page"]), PersonSchema)


@blp.post("/organizations/<slug>/people")
@require_scope("admin")
@blp.arguments(PersonCreateSchema)
@blp.response(201, InvitedPersonSchema)
def invite_person(data, slug):
    """Invite a person; the answer holds their single-use invitation link (valid 7 days)."""
    person, invitation, url = operations.invite_person(get_organization_or_404(slug), **data)
    audit_object("person", person.id)
    db.commit()
    return _Invited(person, invitation, url)


@blp.get("/organizations/<slug>/people/<person_id>")
@require_scope("admin")
@blp.response(200, PersonSchema)
def get_person(slug, person_id):
    """Show a person of an organization."""
    return operations.get_person_of_or_404(get_organization_or_404(slug), person_id)


@blp.patch("/organizations/<slug>/people/<person_id>")
@require_scope("admin")
@blp.arguments(PersonUpdateSchema)
@blp.response(200, PersonSchema)
def update_person(data, slug, person_id):
    """Rename a person, change their role, locales or page language; their sessions follow at once."""
    person = operations.get_person_of_or_404(get_organization_or_404(slug), person_id)
    operations.update_person(person, **data)
    db.commit()
    return person


@blp.post("/organizations/<slug>/people/<person_id>/invitation")
@require_scope("admin")
@blp.response(201, InvitedPersonSchema)
def reinvite_person(slug, person_id):
    """A new invitation link for a person (earlier unused links stop working)."""
    person = operations.get_person_of_or_404(get_organization_or_404(slug), person_id)
    invitation, url = operations.create_invitation(person)
    audit_object("person", person.id)
    db.commit()
    return _Invited(person, invitation, url)


@blp.delete("/organizations/<slug>/people/<person_id>")
@require_scope("admin")
@blp.response(204)
def remove_person(slug, person_id):
    """Remove a person: their sessions and tokens stop at once."""
    operations.remove_person(operations.get_person_of_or_404(get_organization_or_404(slug), person_id))
    db.commit()
