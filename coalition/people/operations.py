"""Rules for people: invitations, roles capped like clients', sign-in. Flush, never commit."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from coalition.audit.operations import record_entry
from coalition.errors import Conflict, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.logsafe import network_of
from coalition.people.models import LOCALE_ROLES, PERSON_ROLES, Person
from coalition.people.passwords import hash_password, needs_rehash, verify_password


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def get_person(person_id: str) -> Person | None:
    return db.session.get(Person, person_id)


def get_person_by_email(email: str) -> Person | None:
    if not email:
        return None
    return db.session.scalars(select(Person).filter_by(email=normalise_email(email))).first()


def authenticate(email: str, password: str) -> Person | None:
    """The person these credentials sign in, or None; as slow for an unknown e-mail as for a
    wrong password."""
    person = get_person_by_email(email)
    stored = person.password_hash if person is not None else None
    if not verify_password(stored, password):
        return None
    if not person.organization.is_active:
        return None
    if needs_rehash(stored):
        person.password_hash = hash_password(password)
        db.session.flush()
    return person


def record_sign_in(person: Person | None, action: str) -> None:
    """A sign-in, sign-out or failure in the audit log, with the caller's network only."""
    record_entry(organization=person.organization.slug if person else None,
                 client_id=f"person:{person.id}" if person else None, action=action, method=request.method,
                 object_type="person", object_id=person.id if person else None,
                 network=network_of(request.remote_addr or ""))


def set_password(person: Person, password: str) -> Person:
    """A new password (checked); every other session of the person ends."""
    from coalition.people.passwords import check_new_password

    check_new_password(password, person.email, person.display_name)
    person.password_hash = hash_password(password)
    person.session_generation += 1
    db.session.flush()
    return person


def add_person(organization, *, email: str, display_name: str, role: str = "member",
               locales: list[str] | None = None, locale: str | None = None) -> Person:
    """A person of `organization`, without a password until they accept their invitation."""
    person = Person(organization_id=organization.id, organization=organization, email=normalise_email(email),
                    display_name=display_name.strip(), role=_checked_role(organization, role),
                    locales=_checked_locales(role, locales), locale=locale)
    _refuse_taken_email(person.email)
    db.session.add(person)
    db.session.flush()
    return person


def _checked_role(organization, role: str) -> str:
    if role not in PERSON_ROLES:
        raise ValidationFailed(errors={"role": [_("Choose one of: %(roles)s.", roles=", ".join(PERSON_ROLES))]})
    if role == "coordinator" and not organization.is_coordinator:
        raise ValidationFailed(errors={"role": [_("Only coordinator organizations have coordinators.")]})
    return role


def _checked_locales(role: str, locales: list[str] | None) -> list[str] | None:
    """Translators and reviewers may be limited to locales (None: every one); others work in all."""
    if not locales:
        return None
    if role not in LOCALE_ROLES:
        raise ValidationFailed(errors={"locales": [_("Only translators and reviewers are limited to locales.")]})
    return sorted({normalise_locale(tag) for tag in locales})


def _refuse_taken_email(email: str, person: Person | None = None) -> None:
    taken = get_person_by_email(email)
    if taken is not None and taken is not person:
        # Said to the inviting coordinator only, who must know why nobody was added.
        raise Conflict(_("A person with this e-mail address already exists."))
