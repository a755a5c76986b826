"""Packages for setuptools; everything else is in pyproject.toml.

Migrations and catalogs stay at the top of the checkout, where Alembic, translators' tools and
the other branches expect them, and travel inside the package as `coalition.migrations` and
`coalition.translations`: an installed package (wheel, sdist or editable) finds them through
the package, from any working directory.
"""

from setuptools import find_namespace_packages, find_packages, setup

MAPPED = {"coalition.migrations": "migrations", "coalition.translations": "translations"}
# Each catalog folder (`de/LC_MESSAGES`) is listed as a namespace package of data, as setuptools asks.
CATALOG_FOLDERS = [f"coalition.translations.{name}" for name in find_namespace_packages(where="translations")]

setup(
    packages=[*find_packages(include=["coalition", "coalition.*"]), *MAPPED, "coalition.migrations.versions",
              *CATALOG_FOLDERS],
    package_dir=MAPPED,
)
