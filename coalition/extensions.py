"""Extension objects, unbound: create_app binds them with init_app and keeps their state per app."""

from flask_smorest import Api

from coalition.cache import CacheProxy
from coalition.catalogs import Babel
from coalition.db import Database


class CoalitionApi(Api):
    """flask-smorest without its own error rendering: coalition.errors renders every error."""

    def _register_error_handlers(self):
        pass


db = Database()
babel = Babel()
cache = CacheProxy()
