"""The WSGI entry point for gunicorn: `gunicorn coalition.wsgi:app`."""

from coalition import create_app

app = create_app()
