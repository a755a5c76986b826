"""Signing in through an organization's own OpenID Connect provider (authlib's Flask client).

An organization's coordinator registers Coalition at their provider and gives Coalition the
issuer, client id and secret (`PATCH /api/v1/organizations/{slug}` with `sign_in`); the secret
is stored encrypted and never answered. The login page then offers that provider; whoever comes
back with a verified e-mail address of an invited person of that organization is signed in.
Every request to the provider passes the outbound rules (HTTPS, public addresses; §7.1).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import select

from coalition.crypto import decrypt, encrypt
from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.outbound import OutboundError, outbound_client
from coalition.people.models import SingleSignOn


@cache
def _guarded_app_class():
    """authlib's Flask client whose requests session sends through the outbound client: the
    provider's address is checked when connecting (no DNS rebinding), answers are capped, no
    redirect is followed. Imported on first use: requests and authlib's client cost every process
    a third of a second at start, and most never sign anyone in through a provider."""
    from authlib.integrations.flask_client.apps import FlaskOAuth2App
    from authlib.integrations.requests_client import OAuth2Session
    from requests import Response
    from requests.adapters import BaseAdapter
    from requests.structures import CaseInsensitiveDict

    class OutboundAdapter(BaseAdapter):
        def send(self, request, **kwargs):
            body = request.body.encode() if isinstance(request.body, str) else request.body
            # Coalition names itself to providers as to every other system it calls.
            headers = {name: value for name, value in request.headers.items() if name.lower() != "user-agent"}
            answer = outbound_client().request(request.method, request.url, content=body, headers=headers)
            response = Response()
            response.status_code, response.url, response.request = answer.status_code, request.url, request
            response.headers = CaseInsensitiveDict(answer.headers)
            response._content = answer.body
            response.encoding = "utf-8"  # JSON, as providers answer (RFC 8259)
            return response

        def close(self):
            pass  # the outbound client is shared by the process

    class GuardedSession(OAuth2Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for prefix in ("https://", "http://"):
                self.mount(prefix, OutboundAdapter())

    class GuardedApp(FlaskOAuth2App):
        client_cls = GuardedSession

    return GuardedApp


def single_sign_on_of(organization) -> SingleSignOn | None:
    return db.session.get(SingleSignOn, organization.id)


def providers() -> list:
    """Organizations whose people may sign in through their own provider, by name."""
    from coalition.organizations.models import Organization

    statement = (select(Organization).join(SingleSignOn, SingleSignOn.organization_id == Organization.id)
                 .where(Organization.status == "active").order_by(Organization.name))
    return list(db.session.scalars(statement))


def configure_single_sign_on(organization, values: dict | None) -> SingleSignOn | None:
    """Set (or, with None, remove) an organization's provider; the issuer must be reachable."""
    current = single_sign_on_of(organization)
    if values is None:
        if current is not None:
            db.session.delete(current)
            db.session.flush()
        return None
    issuer = values["issuer"].rstrip("/")
    try:
        outbound_client().check_url(issuer)
    except OutboundError:
        raise ValidationFailed(errors={"sign_in": {"issuer": [
            _("The issuer must be an HTTPS address on the public internet.")]}}) from None
    current = current or SingleSignOn(organization_id=organization.id, organization=organization)
    current.issuer, current.client_id = issuer, values["client_id"]
    current.client_secret_ciphertext = encrypt(values["client_secret"])
    db.session.add(current)
    db.session.flush()
    return current


def oauth_client(sign_in: SingleSignOn):
    """authlib's client for one organization's provider, from its discovery document; made per
    request, so a changed configuration applies at once."""
    from authlib.integrations.flask_client.integration import FlaskIntegration

    name = f"sso-{sign_in.organization_id}"
    return _guarded_app_class()(
        FlaskIntegration(name), name, client_id=sign_in.client_id,
        client_secret=decrypt(sign_in.client_secret_ciphertext),
        server_metadata_url=f"{sign_in.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
