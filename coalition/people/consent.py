"""The authorization endpoint (`GET /oauth/authorize`): the person signs in, then sees which
organization's portal asks for what, in words, and allows or denies it."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, redirect, render_template, request, url_for

from coalition.auth.code_flow import person_scope
from coalition.auth.scopes import SCOPES
from coalition.auth.server import authorization_server
from coalition.errors import BadRequest
from coalition.people.sessions import current_person

blp = Blueprint("consent", __name__, template_folder="templates")


def _refusal(error: OAuth2Error):
    """Errors the client can be told of go back to it (RFC 6749 §4.1.2.1); with no verified
    redirect URI they are shown to the person, never sent to an unchecked address."""
    from coalition.auth.client_auth import localised_description

    if error.redirect_uri:
        return authorization_server().handle_error_response(request, error)
    raise BadRequest(localised_description(error))


def _grant(person):
    try:
        return authorization_server().get_consent_grant(end_user=person), None
    except OAuth2Error as error:
        return None, _refusal(error)


@blp.get("/oauth/authorize")
def authorize():
    """Sign in if needed, then ask the person whether the portal may act for them."""
    person = current_person()
    if person is None:
        return redirect(url_for("people.login", next=request.full_path))
    grant, refused = _grant(person)
    if refused is not None:
        return refused
    client = grant.client
    try:
        granted = person_scope(client, person, grant.request.payload.scope).split()
    except OAuth2Error as error:
        error.redirect_uri = grant.request.payload.redirect_uri or client.get_default_redirect_uri()
        error.state = grant.request.payload.state
        return _refusal(error)
    return render_template("people/consent.html", client=client, person=person,
                           scopes=[(name, SCOPES[name]) for name in granted])


@blp.post("/oauth/authorize")
def decide():
    """The person's answer: a code for the portal, or `access_denied`."""
    person = current_person()
    if person is None:
        return redirect(url_for("people.login", next=request.full_path))
    grant, refused = _grant(person)
    if refused is not None:
        return refused
    allowed = request.form.get("decision") == "allow"
    return authorization_server().create_authorization_response(grant_user=person if allowed else None, grant=grant)
