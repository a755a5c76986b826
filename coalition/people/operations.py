"""Rules for people: invitations, roles capped like clients', sign-in. Flush, never commit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coalition.audit.operations import record_entry
from coalition.auth.models import OAuthToken, hash_secret
from coalition.auth.operations import forget_tokens_after_commit
from coalition.db import utcnow
from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.logsafe import network_of
from coalition.people.models import LOCALE_ROLES, PERSON_ROLES, Invitation, Person
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
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        # Invited at the same moment by another request.
        raise Conflict(_("A person with this e-mail address already exists.")) from None
    return person


def allowed_roles(organization) -> tuple[str, ...]:
    """The roles a person of `organization` may have: coordinators only in coordinator organizations."""
    return PERSON_ROLES if organization.is_coordinator else tuple(r for r in PERSON_ROLES if r != "coordinator")


def _checked_role(organization, role: str) -> str:
    if role not in PERSON_ROLES:
        raise ValidationFailed(errors={"role": [_("Choose one of: %(roles)s.", roles=", ".join(PERSON_ROLES))]})
    if role not in allowed_roles(organization):
        raise ValidationFailed(errors={"role": [_("Only coordinator organizations have coordinators.")]})
    return role


def _checked_locales(role: str, locales: list[str] | None) -> list[str] | None:
    """Translators and reviewers may be limited to locales (None: every one); other roles work
    in every locale, so locales given for them are not kept."""
    if not locales or role not in LOCALE_ROLES:
        return None
    return sorted({normalise_locale(tag) for tag in locales})


def _refuse_taken_email(email: str) -> None:
    if get_person_by_email(email) is not None:
        # Said to the inviting coordinator only, who must know why nobody was added.
        raise Conflict(_("A person with this e-mail address already exists."))


def create_invitation(person: Person) -> tuple[Invitation, str]:
    """A single-use link for `person`, valid INVITATION_LIFETIME; earlier unused links end."""
    config = current_app.extensions["coalition.config"]
    db.session.execute(update(Invitation).where(Invitation.person_id == person.id, Invitation.used_at.is_(None))
                       .values(used_at=utcnow()))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(person_id=person.id, person=person, token_hash=hash_secret(token),
                            expires_at=utcnow() + timedelta(seconds=config.invitation_lifetime))
    db.session.add(invitation)
    db.session.flush()
    return invitation, f"{config.public_url}/invitations/{token}"


def invite_person(organization, **fields) -> tuple[Person, Invitation, str]:
    """A new person of `organization` with their single-use invitation link."""
    person = add_person(organization, **fields)
    invitation, url = create_invitation(person)
    return person, invitation, url


def get_open_invitation(token: str) -> Invitation | None:
    """The invitation of a link, unless it was used, replaced or has expired."""
    invitation = db.session.scalars(select(Invitation).filter_by(token_hash=hash_secret(token))).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    if not invitation.person.organization.is_active:
        return None
    return invitation


def accept_invitation(invitation: Invitation, password: str) -> Person:
    """Set the person's password through their invitation, which cannot be used again."""
    set_password(invitation.person, password)
    invitation.used_at = utcnow()
    db.session.flush()
    return invitation.person


def list_people(organization):
    """A select of an organization's people, oldest first (for pagination)."""
    return (select(Person).where(Person.organization_id == organization.id)
            .order_by(Person.created_date, Person.id))


def get_person_of_or_404(organization, person_id: str) -> Person:
    person = get_person(person_id)
    if person is None or person.organization_id != organization.id:
        raise NotFound(_("This organization has no person with this id."))
    return person


def update_person(person: Person, **changes) -> Person:
    """Rename, change the role, locales or page language of a person; what their sessions and
    tokens allow follows at once."""
    role = changes.get("role", person.role)
    if "role" in changes:
        person.role = _checked_role(person.organization, role)
    if "locales" in changes or "role" in changes:
        person.locales = _checked_locales(role, changes.get("locales", person.locales if role in LOCALE_ROLES else None))
    if "display_name" in changes:
        person.display_name = changes["display_name"].strip()
    if "locale" in changes:
        person.locale = changes["locale"]
    db.session.flush()
    forget_tokens_after_commit(person_token_hashes(person))
    return person


def person_token_hashes(person: Person) -> list[str]:
    return list(db.session.scalars(select(OAuthToken.token_hash).where(OAuthToken.person_id == person.id)))


def end_every_session(person: Person) -> None:
    """Sign the person out everywhere: every page session and every token of a portal ends."""
    person.session_generation += 1
    hashes = person_token_hashes(person)
    db.session.execute(update(OAuthToken).where(OAuthToken.person_id == person.id).values(revoked=True))
    db.session.flush()
    forget_tokens_after_commit(hashes)


def remove_person(person: Person) -> None:
    """Delete a person: their sessions end with them, their tokens are deleted and stop at once."""
    hashes = person_token_hashes(person)
    db.session.execute(OAuthToken.__table__.delete().where(OAuthToken.person_id == person.id))
    db.session.delete(person)
    db.session.flush()
    forget_tokens_after_commit(hashes)
