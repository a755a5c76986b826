"""Request checks shared by every API route: accepted content types, body sizes (whether sent
with a Content-Length or chunked), and what no JSON body may hold: NUL, lone surrogates, nesting
deeper than any document of the API."""

from __future__ import annotations

import re
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from coalition.errors import ProblemError
from coalition.i18n import _

JSON_TYPES = frozenset({"application/json", "application/merge-patch+json"})

# The API's documents nest a few levels; the standard parser recurses once per level.
MAX_JSON_DEPTH = 32
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
BRACKETS = bytes.maketrans(b"[{]}", b"(())")
NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))
# Python refuses to convert longer integers (and no field takes numbers of even 20 digits).
MAX_NUMBER_DIGITS = 1000
LONG_NUMBER = re.compile(rb"[0-9]{%d}" % (MAX_NUMBER_DIGITS + 1))
# An escaped NUL (after an even number of backslashes: `\\u0000` is the text "\u0000").
ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# An escaped UTF-16 surrogate without its partner (after an even number of backslashes): it
# is no text, and PostgreSQL cannot store it.
LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


def without_strings(data: bytes) -> bytes:
    """A JSON text's structure and scalars, its strings taken out."""
    return JSON_STRING.sub(b'""', data)


def nested_too_deeply(structure: bytes) -> bool:
    """Whether a JSON text (without its strings) nests deeper than MAX_JSON_DEPTH, found without
    parsing it: each round removes the innermost level of brackets."""
    brackets = structure.translate(BRACKETS, NOT_BRACKETS)
    for _round in range(MAX_JSON_DEPTH):
        shorter = brackets.replace(b"()", b"")
        if shorter == brackets:
            return False
        brackets = shorter
    return b"()" in brackets


def has_lone_surrogate(data: bytes) -> bool:
    return (b"\\ud" in data or b"\\uD" in data) and LONE_SURROGATE.search(data) is not None


def accepts(*mimetypes: str, text: bool = False):
    """Let a view take request bodies of these types instead of JSON (uploads, PO, XLIFF);
    `text` bodies (PO, XLIFF) may not hold NUL characters either."""

    def decorator(view):
        view.accepted_mimetypes = frozenset(mimetypes)
        view.text_body = text
        return view

    return decorator


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _refuse_nul() -> None:
    # No stored text may hold NUL: PostgreSQL refuses it, and no user means it.
    raise ProblemError(_("Text may not contain NUL characters."), status=400)


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def check_required_body() -> None:
    """Refuse a request without the body its route requires. Called once the caller is
    authenticated, so that a request without a token learns nothing but that it needs one."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method in ("POST", "PUT", "PATCH") and not _has_body() and _requires_body(view):
        raise ProblemError(_("This request needs a body."), status=400)


def _requires_body(view) -> bool:
    """Whether the document marks the view's request body required (flask-smorest's arguments,
    or a file import): then the server requires it too."""
    if getattr(view, "text_body", False):
        return True
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") in ("json", "files", "form") and p.get("required") for p in parameters)


def check_request_body():
    if not request.path.startswith("/api/"):
        return None
    if _has_nul(request.path) or any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        _refuse_nul()
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    if not _has_body():
        return None
    accepted = getattr(view, "accepted_mimetypes", JSON_TYPES)
    if request.mimetype not in accepted:
        raise ProblemError(
            _("Send the body as one of: %(types)s.", types=", ".join(sorted(accepted))), status=415
        )
    if request.mimetype in JSON_TYPES:
        _check_json_body()
    elif getattr(view, "text_body", False) and b"\x00" in request.get_data(cache=True):
        _refuse_nul()
    return None


def _check_json_body() -> None:
    limit = current_app.extensions["coalition.config"].max_json_length
    if (request.content_length or 0) > limit:
        raise ProblemError(_("A JSON body may not exceed %(limit)d bytes.", limit=limit), status=413)
    # A chunked body has no Content-Length: read one byte past the limit to know it is longer
    # (werkzeug's stream stops at the limit without a word).
    request.max_content_length = limit + 1
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise ProblemError(_("A JSON body may not exceed %(limit)d bytes.", limit=limit), status=413)
    if b"\\u0000" in data and ESCAPED_NUL.search(data):
        _refuse_nul()
    if has_lone_surrogate(data):
        raise ProblemError(_("Text may not contain lone UTF-16 surrogates."), status=400)
    # Most bodies (a single report) are too small to break either rule: no need to look closer.
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH and len(data) <= MAX_NUMBER_DIGITS:
        return
    structure = without_strings(data)
    if nested_too_deeply(structure):
        raise ProblemError(_("A JSON body may nest at most %(depth)d levels.", depth=MAX_JSON_DEPTH), status=400)
    if LONG_NUMBER.search(structure):
        raise ProblemError(_("A JSON number may have at most %(digits)d digits.", digits=MAX_NUMBER_DIGITS),
                           status=400)


def init_app(app: Flask) -> None:
    app.before_request(check_request_body)


def plain_http_on_loopback(url: str) -> bool:
    """Whether `url` is plain HTTP to this machine (development): the one place HTTPS is not needed."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
