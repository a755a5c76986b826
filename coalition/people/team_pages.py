"""The people pages: a coordinator invites, changes and removes the people of an organization.

They are the API's `…/organizations/{slug}/people` routes for a person in a browser: the same
schemas, the same operations and the same audit entries. The invitation link is shown once,
on the page that made it; the coordinator sends it to the person (Coalition sends no e-mail).
"""

from __future__ import annotations

import marshmallow as ma
from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from coalition.audit.recording import audit_object, audited_page
from coalition.config import SUPPORTED_LOCALES
from coalition.errors import ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.organizations.models import Organization
from coalition.organizations.operations import get_organization, get_organization_or_404
from coalition.people import operations
from coalition.people.models import LOCALE_ROLES
from coalition.people.pages import blp
from coalition.people.schemas import PersonCreateSchema, PersonUpdateSchema
from coalition.people.sessions import page_principal, sign_in_required
from coalition.web.forms import form_values, problem_messages

PERSON_FIELDS = ("display_name", "email", "role", "locales", "locale")


def _parsed(schema: ma.Schema, values: dict[str, str]) -> dict:
    """A form's fields as the API's JSON carries them: locales a list of tags (none: every
    language), an empty page language the browser's."""
    typed: dict = dict(values)
    if "locales" in typed:
        typed["locales"] = [tag.strip() for tag in typed["locales"].replace(";", ",").split(",") if tag.strip()]
    try:
        return schema.load(typed)
    except ma.ValidationError as error:
        raise ValidationFailed(errors=error.messages) from None


def _people_page(organization: Organization, errors=None, values=None, invited=None, status=200):
    organizations = db.session.execute(select(Organization.slug, Organization.name).order_by(Organization.name)).all()
    return render_template(
        "people/people.html", organization=organization, organizations=organizations,
        people=db.session.scalars(operations.list_people(organization)).all(), roles=operations.allowed_roles(organization),
        locale_roles=LOCALE_ROLES, page_locales=SUPPORTED_LOCALES, errors=errors or {},
        values={"role": "member", **(values or {})}, invited=invited, notice=request.args.get("notice")), status


def _person_page(person, errors=None, values=None, status=200):
    current = {"display_name": person.display_name, "role": person.role,
               "locales": ", ".join(person.locales or []), "locale": person.locale or ""}
    return render_template(
        "people/person.html", person=person, organization=person.organization, roles=operations.allowed_roles(person.organization),
        locale_roles=LOCALE_ROLES, page_locales=SUPPORTED_LOCALES, errors=errors or {},
        values={**current, **(values or {})}), status


def _invited(organization: Organization, person, invitation, url: str):
    """Commit a new invitation and show its link, once."""
    audit_object("person", person.id)
    db.commit()
    return _people_page(organization, invited={"person": person, "url": url, "expires": invitation.expires_at},
                        status=201)


@blp.get("/people")
@sign_in_required("admin")
def people_home():
    """The people of the organization asked for (`?organization=`), else the person's own."""
    asked = request.args.get("organization")
    found = get_organization(asked) if asked else None
    slug = found.slug if found is not None else page_principal().organization_slug
    return redirect(url_for("people.organization_people", slug=slug), code=303)


@blp.get("/organizations/<slug>/people")
@sign_in_required("admin")
def organization_people(slug):
    return _people_page(get_organization_or_404(slug))


@blp.post("/organizations/<slug>/people")
@audited_page
@sign_in_required("admin")
def invite(slug):
    organization = get_organization_or_404(slug)
    values = form_values(PERSON_FIELDS, request.form)
    try:
        person, invitation, url = operations.invite_person(organization, **_parsed(PersonCreateSchema(), values))
    except ProblemError as problem:
        db.rollback()
        return _people_page(organization, problem_messages(problem), values, status=problem.status)
    return _invited(organization, person, invitation, url)


@blp.get("/organizations/<slug>/people/<person_id>")
@sign_in_required("admin")
def person_page(slug, person_id):
    return _person_page(operations.get_person_of_or_404(get_organization_or_404(slug), person_id))


@blp.post("/organizations/<slug>/people/<person_id>")
@audited_page
@sign_in_required("admin")
def change_person(slug, person_id):
    person = operations.get_person_of_or_404(get_organization_or_404(slug), person_id)
    values = {name: request.form.get(name, "").strip() for name in ("display_name", "role", "locales", "locale")}
    try:
        changes = _parsed(PersonUpdateSchema(), {**values, "locale": values["locale"] or None})
        operations.update_person(person, **changes)
    except ProblemError as problem:
        db.rollback()
        return _person_page(person, problem_messages(problem), values, problem.status)
    audit_object("person", person.id)
    db.commit()
    return redirect(url_for("people.organization_people", slug=slug, notice="changed"), code=303)


@blp.post("/organizations/<slug>/people/<person_id>/invitation")
@audited_page
@sign_in_required("admin")
def reinvite(slug, person_id):
    organization = get_organization_or_404(slug)
    person = operations.get_person_of_or_404(organization, person_id)
    invitation, url = operations.create_invitation(person)
    return _invited(organization, person, invitation, url)


@blp.get("/organizations/<slug>/people/<person_id>/remove")
@sign_in_required("admin")
def confirm_removal(slug, person_id):
    person = operations.get_person_of_or_404(get_organization_or_404(slug), person_id)
    return render_template("people/remove.html", person=person, organization=person.organization)


@blp.post("/organizations/<slug>/people/<person_id>/remove")
@audited_page
@sign_in_required("admin")
def remove(slug, person_id):
    person = operations.get_person_of_or_404(get_organization_or_404(slug), person_id)
    audit_object("person", person.id)
    operations.remove_person(person)
    db.commit()
    return redirect(url_for("people.organization_people", slug=slug, notice="removed"), code=303)
