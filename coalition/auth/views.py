"""The OAuth 2.0 endpoints under /oauth."""

from flask import Blueprint

from coalition.auth.server import authorization_server

blp = Blueprint("oauth", __name__, url_prefix="/oauth")


@blp.post("/token")
def issue_token():
    """Issue an access token (client credentials grant, RFC 6749 §4.4)."""
    return authorization_server().create_token_response()
