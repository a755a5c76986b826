"""Who is signed in on a page: the person of the session, as a Principal for the operations,
and the decorator that page views use to require a signed-in person with scopes."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from coalition.auth.guard import Principal
from coalition.auth.scopes import person_scopes
from coalition.errors import Forbidden, ProblemError
from coalition.extensions import db
from coalition.i18n import _
from coalition.people.models import Person
from coalition.people.session_store import StoreUnavailable

_UNSET = object()


class SessionsUnavailable(ProblemError):
    status = 503


def _unavailable() -> SessionsUnavailable:
    return SessionsUnavailable(_("Signing in is unavailable for a moment. Please try again in a few minutes."))


def require_session_store() -> None:
    """A 503 page now, rather than a form whose session cannot be kept."""
    if getattr(session, "unavailable", False):
        raise _unavailable()
    try:
        current_app.session_interface.store.check()
    except StoreUnavailable:
        raise _unavailable() from None


def current_person() -> Person | None:
    """The signed-in person, or None (no session, ended, or the person or organization gone)."""
    # Cached per request, not per app context: one app context may serve several requests.
    found = request.environ.get("coalition.person", _UNSET)
    if found is not _UNSET:
        return found
    if getattr(session, "unavailable", False):
        raise _unavailable()
    found = None
    person_id = session.get("person")
    if person_id:
        person = db.session.get(Person, person_id)
        if (person is not None and person.session_generation == session.get("generation")
                and person.organization.is_active):
            found = person
    request.environ["coalition.person"] = found
    return found


def person_if_known() -> Person | None:
    """The signed-in person where nothing must fail (choosing the page's language)."""
    try:
        return current_person()
    except SessionsUnavailable:
        return None


def acting_role(person: Person) -> str:
    """The organization-level role a person acts with: a coordinator only as a coordinator."""
    if person.role == "coordinator" and person.organization.is_coordinator:
        return "coordinator"
    return "member"


def principal_of(person: Person, expires_at: int, client_id: str | None = None) -> Principal:
    return Principal(
        client_id=client_id or f"person:{person.id}",
        organization_id=person.organization_id,
        organization_slug=person.organization.slug,
        role=acting_role(person),
        scopes=person_scopes(person.role, person.organization.role),
        locales=tuple(person.locales) if person.locales else None,
        expires_at=expires_at,
        person_id=person.id,
    )


def page_principal() -> Principal | None:
    """The signed-in person as the operations' Principal, or None."""
    person = current_person()
    if person is None:
        return None
    interface = current_app.session_interface
    return principal_of(person, session["_created"] + interface.lifetime)


def begin_session(person: Person) -> None:
    """Sign `person` in: a fresh session id, stored now (a 503 page if the store is down)."""
    page_session = session._get_current_object()
    page_session.rotate()
    page_session.clear()
    page_session["person"] = person.id
    page_session["generation"] = person.session_generation
    try:
        current_app.session_interface.write(page_session)
    except StoreUnavailable:
        raise _unavailable() from None
    request.environ["coalition.person"] = person


def end_session() -> None:
    session.clear()
    request.environ["coalition.person"] = None


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything pointing elsewhere becomes the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("pages.home")
    return target


def sign_in_required(*scopes: str):
    """Protect a page: not signed in → the login page (then back); lacking every one of `scopes`
    → a 403 page. The view finds the person's Principal in `g.principal`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = page_principal()
            if principal is None:
                return redirect(url_for("people.login", next=request.full_path.rstrip("?")))
            if scopes and principal.scopes.isdisjoint(scopes):
                raise Forbidden(_("Your role does not allow this page."))
            g.principal = principal
            return view(*args, **kwargs)

        return wrapper

    return decorator
