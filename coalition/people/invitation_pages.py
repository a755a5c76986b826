"""The invitation page: a person opens their single-use link and sets a password."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from coalition.errors import ProblemError, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.people import operations
from coalition.people.pages import blp
from coalition.people.passwords import MIN_LENGTH
from coalition.people.sessions import begin_session, require_session_store


def _open_invitation_or_410(token: str):
    invitation = operations.get_open_invitation(token)
    if invitation is None:
        raise ProblemError(_("This invitation link has expired or was already used. "
                             "Ask your coordinator for a new one."), status=410)
    return invitation


def _form(invitation, token: str, errors: dict | None = None, status: int = 200):
    return render_template("people/invitation.html", person=invitation.person, token=token,
                           errors=errors or {}, min_length=MIN_LENGTH), status


@blp.get("/invitations/<token>")
def invitation(token):
    require_session_store()
    return _form(_open_invitation_or_410(token), token)


@blp.post("/invitations/<token>")
def accept_invitation(token):
    require_session_store()
    invitation = _open_invitation_or_410(token)
    password = request.form.get("password", "")
    if password != request.form.get("confirmation", ""):
        return _form(invitation, token, {"confirmation": [_("The two passwords differ.")]}, 422)
    try:
        person = operations.accept_invitation(invitation, password)
    except ValidationFailed as refused:
        return _form(invitation, token, refused.errors, 422)
    operations.record_sign_in(person, "people.accept_invitation")
    db.commit()
    begin_session(person)
    return redirect(url_for("people.account", welcome=1), code=303)
