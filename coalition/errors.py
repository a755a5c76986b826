"""Domain exceptions and the one RFC 9457 problem+json rendering of every error."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, has_request_context, jsonify, make_response
from werkzeug.exceptions import HTTPException

from coalition.i18n import _, _l

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    410: _l("Gone"),
    412: _l("Precondition failed"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Internal server error"),
    503: _l("Service unavailable"),
}

DETAILS = {
    400: _l("The request could not be understood."),
    401: _l("A valid access token is required."),
    403: _l("Your credentials do not allow this."),
    404: _l("Nothing exists at this address."),
    405: _l("This method is not allowed on this address."),
    406: _l("No acceptable representation is available."),
    409: _l("The request conflicts with the current state."),
    410: _l("This resource is no longer available."),
    412: _l("A precondition of the request failed."),
    413: _l("The request body is larger than allowed."),
    415: _l("The request body has a content type this address does not accept."),
    422: _l("The request contains invalid data."),
    429: _l("Too many requests; try again later."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("The service is not ready."),
}


class ProblemError(Exception):
    """An error the API answers with a problem document; raise it from operations."""

    status = 400

    def __init__(self, detail=None, *, errors: Mapping | None = None, headers: Mapping | None = None,
                 status: int | None = None):
        super().__init__(str(detail) if detail else self.__class__.__name__)
        if status is not None:
            self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


class BadRequest(ProblemError):
    status = 400


class Unauthorized(ProblemError):
    status = 401


class Forbidden(ProblemError):
    status = 403


class NotFound(ProblemError):
    status = 404


class Conflict(ProblemError):
    status = 409


class ValidationFailed(ProblemError):
    """422 with per-field messages: `errors={"field": ["message", ...]}`."""

    status = 422


def translate_messages(messages):
    """Render (lazy or plain) messages in the request's language, keeping their structure."""
    if isinstance(messages, Mapping):
        return {str(key): translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_messages(value) for value in messages]
    from coalition.validation import translate_message

    return translate_message(messages)


def _merge_locations(messages: Mapping) -> dict:
    """webargs nests messages by location ({"json": {...}, "query": {...}}); callers see fields."""
    merged: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, Mapping):
            merged.update(errors)
        else:
            merged[location] = errors
    return merged


def problem_response(status: int, detail=None, errors=None, headers=None):
    from coalition.web import wants_page

    if has_request_context() and wants_page():
        return _error_page(status, detail, errors, headers)
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])),
        "status": status,
        "detail": str(detail) if detail else str(DETAILS.get(status, "")),
    }
    if errors:
        body["errors"] = translate_messages(errors)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error_page(status: int, detail, errors, headers):
    from coalition.web.pages import render_error_page

    title = str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]))
    text = str(detail) if detail else str(DETAILS.get(status, ""))
    if errors:
        text = " ".join([text, *_flat_messages(translate_messages(errors))]).strip()
    body, status = render_error_page(status, title, text)
    response = make_response(body, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flat_messages(messages) -> list[str]:
    if isinstance(messages, Mapping):
        return [text for value in messages.values() for text in _flat_messages(value)]
    if isinstance(messages, (list, tuple)):
        return [text for value in messages for text in _flat_messages(value)]
    return [str(messages)]


def handle_problem(error: ProblemError):
    return problem_response(error.status, error.detail, error.errors, error.headers)


# Headers that a werkzeug exception sets and a client needs: Allow on 405, Retry-After on 429,
# WWW-Authenticate on 401.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name in _KEPT_HEADERS}
    if error.response is not None:
        headers.update({n: v for n, v in error.response.headers.items() if n in _KEPT_HEADERS})
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or (data.get("messages") and _merge_locations(data["messages"]))
    detail = None
    if status == 400 and errors and "json" in errors:
        detail = _("The request body is not valid JSON.")
        errors = None
    return problem_response(status, detail, errors, headers)


def handle_unexpected(error: Exception):
    from coalition.extensions import db

    log.exception("unhandled error", exc_info=error)
    db.rollback()  # nothing half-done survives, even where the session outlives the request
    return problem_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(ProblemError, handle_problem)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
