"""The account page: a new password, two-step sign-in with TOTP, signing out everywhere."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.people import operations, totp
from coalition.people.pages import blp
from coalition.people.passwords import MIN_LENGTH, verify_password
from coalition.people.sessions import begin_session, current_person, end_session, sign_in_required


def _page(status: int = 200, **values):
    values.setdefault("errors", {})
    return render_template("people/account.html", person=current_person(), welcome="welcome" in request.args,
                           min_length=MIN_LENGTH, **values), status


@blp.get("/account")
@sign_in_required()
def account():
    return _page()


@blp.post("/account/password")
@sign_in_required()
def change_password():
    """A new password; every other session of the person ends, this one goes on."""
    person = current_person()
    if not verify_password(person.password_hash, request.form.get("current", "")):
        return _page(422, errors={"current": [_("This is not your current password.")]})
    if request.form.get("password", "") != request.form.get("confirmation", ""):
        return _page(422, errors={"confirmation": [_("The two passwords differ.")]})
    try:
        operations.set_password(person, request.form.get("password", ""))
    except ValidationFailed as refused:
        return _page(422, errors=refused.errors)
    operations.record_sign_in(person, "people.change_password")
    db.commit()
    begin_session(person)
    return _page(notice=_("Your password is changed. Other sessions have ended."))


@blp.post("/account/totp")
@sign_in_required()
def start_totp():
    """A new secret for the person's authenticator app, kept in the session until confirmed."""
    person = current_person()
    secret = totp.new_secret()
    session["totp_pending"] = secret
    return _page(totp_secret=secret, totp_uri=totp.provisioning_uri(person, secret))


@blp.post("/account/totp/confirm")
@sign_in_required()
def confirm_totp():
    person = current_person()
    secret = session.get("totp_pending")
    if not secret:
        return redirect(url_for("people.account"), code=303)
    if not totp.code_matches_secret(secret, request.form.get("code", "")):
        return _page(422, totp_secret=secret, totp_uri=totp.provisioning_uri(person, secret),
                     errors={"code": [_("This code is wrong or too old. Enter the code your app shows now.")]})
    codes = totp.enable(person, secret)
    session.pop("totp_pending")
    operations.record_sign_in(person, "people.enable_totp")
    db.commit()
    return _page(recovery_codes=codes)


@blp.post("/account/totp/off")
@sign_in_required()
def disable_totp():
    person = current_person()
    if not verify_password(person.password_hash, request.form.get("current", "")):
        return _page(422, errors={"totp_current": [_("This is not your current password.")]})
    totp.disable(person)
    operations.record_sign_in(person, "people.disable_totp")
    db.commit()
    return _page(notice=_("Two-step sign-in is off."))


@blp.post("/account/sign-out-everywhere")
@sign_in_required()
def sign_out_everywhere():
    """End every session of the person, this one included, and every token of their portals."""
    person = current_person()
    operations.end_every_session(person)
    operations.record_sign_in(person, "people.sign_out_everywhere")
    db.commit()
    end_session()
    return redirect(url_for("people.logout"), code=303)
