"""Coalition: one multilingual API for a coalition of NGOs running a campaign together."""

from __future__ import annotations

from flask import Flask

from coalition.config import Config

__version__ = "0.1.0"


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    # Static files belong to the pages (coalition/web/static), served by their blueprint.
    app = Flask(__name__, instance_path=str(config.instance_path), static_folder=None)
    app.extensions["coalition.config"] = config
    app.config.update(config.to_flask())
    app.json.sort_keys = False
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    from coalition import crypto, errors, http, i18n
    from coalition.extensions import CoalitionApi, babel, cache, db

    db.init_app(app)
    crypto.init_app(app)
    cache.init_app(app)
    i18n.init_app(app, babel)
    api = CoalitionApi(app, spec_kwargs=_spec_kwargs())
    from coalition.openapi import field_constraints

    api.ma_plugin.converter.add_attribute_function(field_constraints)
    app.extensions["coalition.api"] = api
    errors.init_app(app)
    http.init_app(app)
    _register_blueprints(app, api)

    from coalition.cli import register_commands

    register_commands(app)
    return app


def _spec_kwargs() -> dict:
    from coalition.auth.scopes import SCOPES
    from coalition.openapi import OperationIds

    return {
        "extra_plugins": [OperationIds()],
        "info": {
            "description": "Coordinate a European campaign across a coalition of organizations: "
            "signature counts, materials, translations, outreach and metrics."
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "/oauth/token",
                            "scopes": {name: str(text) for name, text in SCOPES.items()},
                        }
                    },
                }
            }
        },
    }


def _register_blueprints(app: Flask, api) -> None:
    from coalition import health, people, web
    from coalition.auth import server as oauth_server
    from coalition.auth import views as oauth_views
    from coalition.openapi import blp as openapi_blp

    oauth_server.init_app(app)
    app.register_blueprint(health.blp)
    app.register_blueprint(oauth_views.blp)
    app.register_blueprint(openapi_blp)
    web.init_app(app)
    people.init_app(app)
    for blueprint in _api_blueprints():
        api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


def _api_blueprints() -> list:
    """The API's blueprints, one per domain."""
    from coalition.audit import views as audit_views
    from coalition.auth import client_views
    from coalition.campaigns import signature_views
    from coalition.campaigns import views as campaign_views
    from coalition.federation import views as federation_views
    from coalition.materials import blueprints as materials_blueprints
    from coalition.metrics import views as metrics_views
    from coalition.organizations import views as organization_views
    from coalition.outreach import views as outreach_views
    from coalition.people import views as people_views
    from coalition.sources import views as source_views
    from coalition.webhooks import views as webhook_views

    return [
        organization_views.blp, client_views.blp, client_views.scopes_blp, people_views.blp, audit_views.blp,
        campaign_views.blp, signature_views.blp, outreach_views.blp, *materials_blueprints(),
        metrics_views.blp, webhook_views.blp, federation_views.blp, source_views.blp,
    ]
