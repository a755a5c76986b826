"""The OAuth 2.0 endpoints: token (RFC 6749), revocation (RFC 7009), introspection (RFC 7662),
and the authorization server metadata (RFC 8414)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from coalition.auth import ratelimit
from coalition.auth.scopes import SCOPES
from coalition.auth.server import CLIENT_AUTH_METHODS, authorization_server

log = logging.getLogger(__name__)

blp = Blueprint("oauth", __name__)


def _log_failed_authentication(response):
    """Log refused client credentials: who claimed to be whom, from which network; no secret."""
    body = response.get_json(silent=True) if response.is_json else None
    if response.status_code == 401 or (isinstance(body, dict) and body.get("error") == "invalid_client"):
        log.warning("client authentication failed at %s: client_id=%s network=%s",
                    request.path, ratelimit.claimed_client_id(), ratelimit.truncated_address())
    return response


@blp.post("/oauth/token")
def issue_token():
    """Issue an access token (client credentials grant, RFC 6749 §4.4)."""
    return _log_failed_authentication(authorization_server().create_token_response())


@blp.post("/oauth/revoke")
def revoke_token():
    """Revoke an access token of the calling client (RFC 7009); it stops at once."""
    return _log_failed_authentication(authorization_server().create_endpoint_response("revocation"))


@blp.post("/oauth/introspect")
def introspect_token():
    """Describe a token (RFC 7662): its own to any client, any to coordinator clients with admin."""
    return _log_failed_authentication(authorization_server().create_endpoint_response("introspection"))


@blp.get("/.well-known/oauth-authorization-server")
def server_metadata():
    """Authorization server metadata (RFC 8414), from PUBLIC_URL: never from the request's Host."""
    base = current_app.extensions["coalition.config"].public_url
    return jsonify({
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPES),
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "service_documentation": f"{base}/api/v1/openapi.json",
    })


# After the routes above are registered on an app, so the limits can wrap their view functions.
blp.record_once(lambda state: ratelimit.init_app(state.app))
