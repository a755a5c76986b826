"""Alembic migrations, installed as coalition.migrations so that `coalition db upgrade` finds them anywhere."""
