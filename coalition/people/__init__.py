"""People of member organizations, their invitations, sign-in and page sessions (DESIGN §8)."""

from __future__ import annotations

from flask import Flask, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from coalition.i18n import _

csrf = CSRFProtect()


def _forget_the_previous_request():
    """Flask-WTF and flask-babel cache a request's token and language in `g`, which lives as long
    as the app context; one app context may serve several requests (tests, the command line),
    each with its own session and person."""
    g.pop("csrf_token", None)
    g.pop("_flask_babel", None)


def _check_page_forms():
    """Every form sent to a page carries the CSRF token of its session; bearer routes take none."""
    from flask import current_app

    from coalition.web import page_blueprints

    if request.method not in ("GET", "HEAD", "OPTIONS") and request.blueprint in page_blueprints(current_app):
        csrf.protect()


def _refuse_forged_form(error: CSRFError):
    from coalition.errors import problem_response

    return problem_response(400, _("This form has expired or did not come from this site. "
                                   "Go back, reload the page and send it again."))


def _layout_values() -> dict:
    from coalition.people.sessions import person_if_known

    return {"signed_in_person": person_if_known()}


def _person_locale() -> str | None:
    """The signed-in person's language for the pages, without reading a store for cookieless calls."""
    from coalition.people.session_store import COOKIE_NAME
    from coalition.people.sessions import person_if_known

    if COOKIE_NAME not in request.cookies:
        return None
    person = person_if_known()
    return person.locale if person is not None else None


def init_app(app: Flask) -> None:
    # The account, invitation, single sign-on and people pages add their routes to pages.blp first.
    from coalition.people import (  # noqa: F401
        account_pages,
        consent,
        invitation_pages,
        limits,
        pages,
        session_store,
        sso_pages,
        team_pages,
    )
    from coalition.web import register_pages

    session_store.init_app(app)
    limits.init_app(app)
    csrf.init_app(app)
    app.before_request(_forget_the_previous_request)
    app.before_request(_check_page_forms)
    app.register_error_handler(CSRFError, _refuse_forged_form)
    app.context_processor(_layout_values)
    app.extensions["coalition.person_locale"] = _person_locale
    register_pages(app, pages.blp)
    register_pages(app, consent.blp)
