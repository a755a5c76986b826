"""Server-rendered pages for people and the embeddable widget (DESIGN §9).

Pages share one layout (templates/base.html), one stylesheet and the API's rules: a page view
calls the same operations as the API view beside it. Errors on a page answer a page.
"""

from __future__ import annotations

from flask import Flask, request

from coalition.web import (
    dashboard,
    labels,
    member,
    pages,
    widget,
    workspace,
    workspace_files,  # noqa: F401  (its routes join the workspace blueprint)
)

# Pages load nothing from elsewhere and are framed by nobody; the widget relaxes frame-ancestors.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def page_blueprints(app: Flask) -> set[str]:
    """The blueprints whose errors answer as pages; a domain adds its page blueprint here."""
    return app.extensions.setdefault("coalition.page_blueprints", set())


def protect_page(response):
    """Security headers on every HTML answer a page blueprint renders, unless the view set its own."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def register_pages(app: Flask, blueprint) -> None:
    """Register a blueprint of pages: its errors render error.html, its answers carry the headers."""
    app.register_blueprint(blueprint)
    page_blueprints(app).add(blueprint.name)


def wants_page() -> bool:
    """An error answers a page on page routes, and to a browser that asked for an unknown URL."""
    from flask import current_app

    if request.blueprint is not None:
        return request.blueprint in page_blueprints(current_app)
    if request.path.startswith(("/api/", "/oauth/")):
        return False
    return request.accept_mimetypes.best_match(["application/problem+json", "text/html"]) == "text/html"


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.after_request(protect_page)
    app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(labels.TEMPLATE_FILTERS)
    register_pages(app, pages.blp)
    register_pages(app, widget.blp)
    register_pages(app, dashboard.blp)
    register_pages(app, member.blp)
    register_pages(app, workspace.blp)
