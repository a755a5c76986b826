"""The authlib authorization server: client credentials grant, tokens stored hashed."""

from __future__ import annotations

import logging
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from flask import Flask, current_app
from sqlalchemy import select

from coalition.auth.models import OAuthClient, OAuthToken, hash_secret
from coalition.auth.scopes import SCOPES, allowed_scopes
from coalition.extensions import db

log = logging.getLogger(__name__)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def allowed_scope_for(client: OAuthClient, requested: str | None) -> str:
    """The scopes a token gets: all the client's when none are asked, else exactly those asked.

    authlib's default silently drops scopes the client does not hold; asking for one is an
    `invalid_scope` error here, and the organization's role caps what the client holds.
    """
    held = set(client.scopes) & allowed_scopes(client.organization.role)
    if not requested:
        return " ".join(sorted(held))
    asked = set(requested.split())
    if not asked <= held:
        raise InvalidScopeError()
    return " ".join(sorted(asked))


def query_client(client_id: str) -> OAuthClient | None:
    client = db.session.scalars(select(OAuthClient).filter_by(client_id=client_id)).first()
    if client is None or client.disabled or not client.organization.is_active:
        log.info("token request for unknown, disabled or suspended client %s", client_id)
        return None
    return client


def save_token(token: dict, request) -> None:
    record = OAuthToken(
        token_hash=hash_secret(token["access_token"]),
        client_pk=request.client.id,
        scope=token.get("scope", ""),
        issued_at=int(time.time()),
        expires_in=int(token["expires_in"]),
    )
    db.session.add(record)
    db.commit()


def authorization_server() -> AuthorizationServer:
    return current_app.extensions["coalition.oauth_server"]


def init_app(app: Flask) -> None:
    config = app.extensions["coalition.config"]
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": config.token_lifetime}
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentialsGrant)
    app.extensions["coalition.oauth_server"] = server
