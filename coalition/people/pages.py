"""Sign-in pages: /login, /logout. Answers never tell whether an e-mail exists."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, url_for

from coalition.extensions import db
from coalition.i18n import _
from coalition.people import operations
from coalition.people.limits import sign_in_limits
from coalition.people.sessions import (
    begin_session,
    current_person,
    end_session,
    require_session_store,
    safe_next,
    sign_in_required,
)

log = logging.getLogger(__name__)

blp = Blueprint("people", __name__, template_folder="templates")


def _login_page(status: int = 200, error: str | None = None, email: str = ""):
    next_page = request.values.get("next", "")
    return render_template("people/login.html", error=error, email=email, next=next_page), status


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
    begin_session(person)
    operations.record_sign_in(person, "people.sign_in")
    db.commit()
    return redirect(safe_next(request.form.get("next")), code=303)


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


@blp.get("/account")
@sign_in_required()
def account():
    return render_template("people/account.html", person=current_person())
