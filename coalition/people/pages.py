"""Sign-in pages: /login, /logout. Answers never tell whether an e-mail exists."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, redirect, render_template, request, session, url_for

from coalition.extensions import db
from coalition.i18n import _
from coalition.people import operations, single_sign_on, totp
from coalition.people.limits import sign_in_limits
from coalition.people.sessions import (
    begin_session,
    current_person,
    end_session,
    require_session_store,
    safe_next,
)

log = logging.getLogger(__name__)

blp = Blueprint("people", __name__, template_folder="templates")

# How long the code step may follow the password step.
PENDING_SECONDS = 300


def _login_page(status: int = 200, error: str | None = None, email: str = ""):
    next_page = request.values.get("next", "")
    return render_template("people/login.html", error=error, email=email, next=next_page,
                           providers=single_sign_on.providers()), status


@blp.get("/login")
def login():
    require_session_store()
    if current_person() is not None and request.args.get("next"):
        return redirect(safe_next(request.args["next"]))
    return _login_page()


@blp.post("/login")
def submit_login():
    require_session_store()
    email = request.form.get("email", "").strip()[:320]
    password = request.form.get("password", "")
    limits = sign_in_limits()
    if not limits.allowed(email):
        operations.record_sign_in(None, "people.sign_in_refused")
        db.commit()
        return _login_page(429, _("Too many attempts to sign in. Please wait a few minutes and try again."), email)
    person = operations.authenticate(email, password)
    if person is None:
        limits.failed(email)
        operations.record_sign_in(operations.get_person_by_email(email), "people.sign_in_failed")
        db.commit()
        return _login_page(401, _("The e-mail address or the password is wrong."), email)
    if person.uses_totp:
        session["pending"] = {"person": person.id, "since": int(time.time()), "next": request.form.get("next", "")}
        return render_template("people/login_code.html", error=None)
    return _signed_in(person, request.form.get("next"))


def _signed_in(person, next_page: str | None):
    operations.record_sign_in(person, "people.sign_in")
    db.commit()
    begin_session(person)
    return redirect(safe_next(next_page), code=303)


@blp.post("/login/code")
def submit_code():
    """The second step: a code from the person's app, or one of their recovery codes."""
    require_session_store()
    pending = session.get("pending") or {}
    person = operations.get_person(pending.get("person", ""))
    if person is None or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop("pending", None)
        return _login_page(401, _("Signing in took too long. Please start again."))
    limits = sign_in_limits()
    if not limits.allowed(person.email):
        operations.record_sign_in(person, "people.sign_in_refused")
        db.commit()
        return render_template("people/login_code.html", error=_(
            "Too many attempts to sign in. Please wait a few minutes and try again.")), 429
    if not totp.verify(person, request.form.get("code", "")):
        limits.failed(person.email)
        operations.record_sign_in(person, "people.sign_in_failed")
        db.commit()
        return render_template("people/login_code.html", error=_("This code is wrong or was already used.")), 401
    session.pop("pending")
    return _signed_in(person, pending.get("next"))


@blp.get("/logout")
def logout():
    return render_template("people/logout.html")


@blp.post("/logout")
def submit_logout():
    person = current_person()
    end_session()
    if person is not None:
        operations.record_sign_in(person, "people.sign_out")
        db.commit()
    return redirect(url_for("people.logout"), code=303)

