"""Packages for setuptools; everything else is in pyproject.toml.

Migrations and catalogs stay at the top of the checkout, where Alembic, translators' tools and
the other branches expect them, and travel inside the package as `coalition.migrations` and
`coalition.translations`: an installed package (wheel, sdist or editable) finds them through
the package, from any working directory.
"""

from setuptools import find_namespace_packages, setup

MAPPED = {"coalition.migrations": "migrations", "coalition.translations": "translations"}
NOT_PACKAGES = ["__pycache__", "*.__pycache__"]


def packages_in(folder: str, prefix: str) -> list[str]:
    """Every folder as a package, data folders (`templates/pages`, `de/LC_MESSAGES`) included as
    namespace packages: setuptools warns about package data in folders it does not list."""
    return [prefix, *(f"{prefix}.{name}" for name in find_namespace_packages(where=folder, exclude=NOT_PACKAGES))]


setup(
    packages=[*packages_in("coalition", "coalition"),
              *(package for name, folder in MAPPED.items() for package in packages_in(folder, name))],
    package_dir=MAPPED,
)
