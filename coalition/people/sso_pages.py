"""Signing in through an organization's own OpenID Connect provider: out to it, and back."""

from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from flask import current_app, request, session

from coalition.errors import ProblemError
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.operations import get_organization_or_404
from coalition.outbound import OutboundError
from coalition.people import operations
from coalition.people.pages import _login_page, _signed_in, blp
from coalition.people.sessions import require_session_store
from coalition.people.single_sign_on import oauth_client, single_sign_on_of

log = logging.getLogger(__name__)


def _sign_in_of(slug: str):
    organization = get_organization_or_404(slug)
    sign_in = single_sign_on_of(organization)
    if sign_in is None or not organization.is_active:
        raise ProblemError(_("This organization does not sign its people in through its own provider."), status=404)
    return organization, sign_in


def _callback_url(slug: str) -> str:
    # From PUBLIC_URL, never from the request's Host: it is registered at the provider.
    return f"{current_app.extensions['coalition.config'].public_url}/login/sso/{slug}/callback"


def _provider_unreachable():
    return ProblemError(_("The sign-in provider of this organization did not answer. Please try again later."),
                        status=502)


@blp.get("/login/sso/<slug>")
def single_sign_on(slug):
    """Out to the organization's provider (authorization code with PKCE, a state and a nonce)."""
    require_session_store()
    _organization, sign_in = _sign_in_of(slug)
    session["sso_next"] = request.args.get("next", "")
    try:
        return oauth_client(sign_in).authorize_redirect(_callback_url(slug))
    except (AuthlibBaseError, OutboundError, OSError, ValueError):
        log.warning("single sign-on: the provider of %s could not be reached", slug, exc_info=True)
        raise _provider_unreachable() from None


@blp.get("/login/sso/<slug>/callback")
def single_sign_on_callback(slug):
    """Back from the provider: a verified e-mail of an invited person of that organization signs in."""
    require_session_store()
    organization, sign_in = _sign_in_of(slug)
    try:
        token = oauth_client(sign_in).authorize_access_token()
    except AuthlibBaseError as error:
        log.info("single sign-on for %s refused: %s", slug, error.error)
        return _login_page(400, _("Signing in through your organization failed. Please start again."))
    except (OutboundError, OSError, ValueError):
        log.warning("single sign-on: the provider of %s failed", slug, exc_info=True)
        raise _provider_unreachable() from None
    claims = token.get("userinfo") or {}
    person = operations.get_person_by_email(claims.get("email") or "") if claims.get("email_verified") else None
    if person is None or person.organization_id != organization.id:
        operations.record_sign_in(None, "people.sign_in_failed")
        db.commit()
        return _login_page(403, _("No invited person of %(organization)s has the verified e-mail address "
                                  "of this account.", organization=organization.name))
    return _signed_in(person, session.pop("sso_next", ""))
