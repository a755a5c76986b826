"""Request checks shared by every API route: accepted content types and body sizes."""

from __future__ import annotations

from flask import Flask, current_app, request

from coalition.errors import ProblemError
from coalition.i18n import _

JSON_TYPES = frozenset({"application/json", "application/merge-patch+json"})


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
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


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
    limit = current_app.extensions["coalition.config"].max_json_length
    if request.mimetype in JSON_TYPES and (request.content_length or 0) > limit:
        raise ProblemError(_("A JSON body may not exceed %(limit)d bytes.", limit=limit), status=413)
    if request.mimetype in JSON_TYPES:
        if b"\\u0000" in request.get_data(cache=True):
            _refuse_nul()
    elif getattr(view, "text_body", False) and b"\x00" in request.get_data(cache=True):
        _refuse_nul()
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request_body)
