"""The authlib authorization server: client credentials, and the code flow for portals acting
for people (coalition/auth/code_flow.py); tokens stored hashed."""

from __future__ import annotations

import logging
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, current_app
from sqlalchemy import select

from coalition.audit.operations import record_entry
from coalition.auth.client_auth import authenticate_client, localised_description
from coalition.auth.code_flow import (
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    S256CodeChallenge,
    continue_family,
)
from coalition.auth.guard import document_auth_responses, effective_scopes
from coalition.auth.models import OAuthClient, OAuthToken, hash_secret
from coalition.auth.operations import get_client, revoke_token
from coalition.auth.scopes import SCOPES, allowed_scopes, person_acting_role
from coalition.db import new_uuid
from coalition.extensions import db
from coalition.i18n import _l

log = logging.getLogger(__name__)


CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS


class CoalitionAuthorizationServer(AuthorizationServer):
    """authlib's server with one client authentication answer and localised error descriptions."""

    def authenticate_client(self, request, methods, endpoint="token"):
        return authenticate_client(self.query_client, request)

    def create_token_response(self, request=None):
        # authlib calls a missing grant_type unsupported; RFC 6749 §5.2 calls it invalid_request.
        if not self.create_oauth2_request(request).payload.grant_type:
            error = InvalidRequestError(description=_l("Name the grant_type."))
            return self.handle_error_response(request, error)
        return super().create_token_response(request)

    def handle_error_response(self, request, error):
        error.description = localised_description(error)
        return super().handle_error_response(request, error)


def _require_token_parameter(request) -> None:
    """RFC 7009 §2.1 and RFC 7662 §2.1: `token_type_hint` only orders the search, so any hint is
    accepted and every kind of token is searched; only the token itself is required."""
    if not request.form.get("token"):
        raise InvalidRequestError(description=_l("Name the token."))


def allowed_scope_for(client: OAuthClient, requested: str | None) -> str:
    """The scopes a token gets: all the client's when none are asked, else exactly those asked.

    authlib's default silently drops scopes the client does not hold; asking for one is an
    `invalid_scope` error here, and the organization's role and kind cap what the client holds.
    """
    held = set(client.scopes) & allowed_scopes(client.organization.role, client.organization.kind)
    if not requested:
        return " ".join(sorted(held))
    asked = set(requested.split())
    if not asked <= held:
        raise InvalidScopeError()
    return " ".join(sorted(asked))


def query_client(client_id: str) -> OAuthClient | None:
    client = get_client(client_id)
    if client is None or not client.is_usable:
        log.info("token request for unknown, disabled or suspended client %s", client_id)
        return None
    return client


def save_token(token: dict, request) -> None:
    """Store the token's hash, and who obtained which token in the audit log (the token's id)."""
    refresh_token = token.get("refresh_token")
    record = OAuthToken(
        id=new_uuid(),
        token_hash=hash_secret(token["access_token"]),
        client_pk=request.client.id,
        scope=token.get("scope", ""),
        issued_at=int(time.time()),
        expires_in=int(token["expires_in"]),
        refresh_token_hash=hash_secret(refresh_token) if refresh_token else None,
    )
    continue_family(record, request)
    db.session.add(record)
    _audit(request.client, "oauth.issue_token", record)
    db.commit()


def _audit(client: OAuthClient, action: str, token: OAuthToken) -> None:
    record_entry(organization=client.organization.slug, client_id=client.client_id, action=action,
                 method="POST", object_type="token", object_id=token.id)


def query_token(token_string: str) -> OAuthToken | None:
    return db.session.scalars(select(OAuthToken).filter_by(token_hash=hash_secret(token_string))).first()


class TokenRevocation(RevocationEndpoint):
    """RFC 7009: a client revokes one of its own tokens; it stops at once."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def check_params(self, request, client):
        _require_token_parameter(request)

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = query_token(request.form["token"])
        # Another client's token is answered like a string never issued, so that no client can
        # learn which strings are live tokens; it is not revoked.
        return token if token is not None and token.check_client(client) else None

    def query_token(self, token_string, token_type_hint):
        return query_token(token_string)

    def revoke_token(self, token, request):
        revoke_token(token)
        _audit(request.client, "oauth.revoke_token", token)
        db.commit()


class TokenIntrospection(IntrospectionEndpoint):
    """RFC 7662: a client may introspect its own tokens; coordinator clients with `admin`, any."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def check_params(self, request, client):
        _require_token_parameter(request)

    def query_token(self, token_string, token_type_hint):
        return query_token(token_string)

    def check_permission(self, token, client, request):
        if token.check_client(client):
            return True
        return client.organization.is_coordinator and "admin" in client.scopes

    def introspect_token(self, token):
        client = token.client
        if not client.is_usable:
            return {"active": False}
        answer = {
            "active": True,
            "client_id": client.client_id,
            "token_type": "Bearer",
            "scope": " ".join(sorted(effective_scopes(token))),
            "exp": token.expires_at,
            "iat": token.issued_at,
            "organization": client.organization.slug,
            "role": client.organization.role,
        }
        if token.person is not None:
            answer.update(sub=token.person.id, organization=token.person.organization.slug,
                          role=person_acting_role(token.person.role, token.person.organization.role))
        return answer


def authorization_server() -> AuthorizationServer:
    return current_app.extensions["coalition.oauth_server"]


def init_app(app: Flask) -> None:
    config = app.extensions["coalition.config"]
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {grant: config.token_lifetime for grant in
                                             ("client_credentials", "authorization_code", "refresh_token")}
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
    # The code flow answers refresh tokens (rotated on each use); client credentials never do.
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    server = CoalitionAuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(TokenRevocation)
    server.register_endpoint(TokenIntrospection)
    app.extensions["coalition.oauth_server"] = server
    document_auth_responses(app.extensions["coalition.api"].spec)
