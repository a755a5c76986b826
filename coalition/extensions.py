"""Extension objects, unbound: create_app binds them with init_app and keeps their state per app."""

import http

from flask_smorest import Api

from coalition.cache import CacheProxy
from coalition.catalogs import Babel
from coalition.db import Database
from coalition.openapi import PROBLEM_CONTENT, register_problem_schemas


class CoalitionApi(Api):
    """flask-smorest without its own error rendering: coalition.errors renders every error, and
    the document describes every error as the RFC 9457 problem it is."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        register_problem_schemas(self.spec)
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = PROBLEM_CONTENT
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "An error, as an RFC 9457 problem in the request's language.",
            "content": PROBLEM_CONTENT,
        }, lazy=True)


db = Database()
babel = Babel()
cache = CacheProxy()
