"""Client authentication at the OAuth endpoints and the OAuth error answers.

authlib tells an unknown client from a wrong secret, accepts two authentication methods in one
request and writes English (and Python lists) into `error_description`; here every failed
authentication answers the same, RFC 6749 §2.3 is enforced, and descriptions are in the
request's language.
"""

from __future__ import annotations

import unicodedata

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask_babel import LazyString, force_locale

from coalition.i18n import _l

REALM = "Coalition"

# The descriptions of the errors authlib raises by itself, by their RFC 6749 error code.
DESCRIPTIONS = {
    "invalid_request": _l("The request is missing a required parameter or is malformed."),
    "invalid_client": _l("Client authentication failed."),
    "invalid_grant": _l("The grant is not valid for this client."),
    "invalid_scope": _l("The client may not hold a requested scope, or a scope is unknown."),
    "unauthorized_client": _l("This client may not use this grant type."),
    "unsupported_grant_type": _l("This server does not support this grant type."),
    "unsupported_token_type": _l("This token type is not supported."),
}

# RFC 6749 §5.2: error_description holds only %x20-21 / %x23-5B / %x5D-7E.
_ALLOWED = {chr(code) for code in (*range(0x20, 0x22), *range(0x23, 0x5C), *range(0x5D, 0x7F))}
_SPELLED_OUT = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "æ": "ae", "œ": "oe", "ø": "o",
                              "«": "'", "»": "'", "„": "'", "“": "'", "”": "'", "’": "'",
                              "‘": "'", '"': "'", "\\": "/", "–": "-", "—": "-"})


class ClientAuthenticationFailed(InvalidClientError):
    """The one answer to a missing, unknown or wrong client credential."""

    status_code = 401

    def get_headers(self):
        return [*default_json_headers, ("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')]


def authenticate_client(query_client, request):
    """The client of an OAuth request, by HTTP Basic or by form fields, never both."""
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    form_id, form_secret = request.form.get("client_id"), request.form.get("client_secret")
    if request.headers.get("Authorization") and form_secret:
        raise InvalidRequestError(
            description=_l("Authenticate the client either by HTTP Basic or by form fields, not both.")
        )
    client_id, secret = (basic_id, basic_secret) if basic_id else (form_id, form_secret)
    client = query_client(client_id) if client_id and secret else None
    if client is None or not client.check_client_secret(secret):
        raise ClientAuthenticationFailed()
    request.auth_method = "client_secret_basic" if basic_id else "client_secret_post"
    return client


def localised_description(error) -> str:
    """The error's description in the request's language, within RFC 6749's character set."""
    description = error.description
    if not isinstance(description, LazyString):
        description = DESCRIPTIONS.get(error.error, _l("The request was refused."))
    text = _within_rfc6749_characters(str(description))
    if text is None:
        # Scripts without a Latin transliteration fall back to the English source text.
        with force_locale("en"):
            text = _within_rfc6749_characters(str(description)) or ""
    return text


def _within_rfc6749_characters(text: str) -> str | None:
    """Accents dropped, typographic quotes made plain; None if characters remain that may not be sent."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain if set(plain) <= _ALLOWED else None
