"""The documented contract: the committed OpenAPI document and the migrations match the code."""

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from openapi_spec_validator import validate
from sqlalchemy import create_engine

from coalition.cli import alembic_config
from coalition.config import SUPPORTED_LOCALES
from coalition.models import metadata
from coalition.openapi import SPEC_PATH, openapi_document, openapi_yaml


def test_committed_openapi_document_is_current(app):
    assert SPEC_PATH.read_text() == openapi_yaml(), "api_spec/openapi.yaml is stale: run `coalition openapi`"


def test_openapi_document_is_valid_openapi_3_1(app):
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_openapi_json_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "oauth2" in response.get_json()["components"]["securitySchemes"]


def test_migrations_create_exactly_the_models(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_every_message_is_translated_in_every_claimed_language(tmp_path):
    """Extract the messages afresh, so a new string without translations fails here."""
    root = Path(__file__).resolve().parent.parent
    template = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", str(root / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "-o", str(template), str(root / "coalition")],
        check=True, capture_output=True,
    )
    with open(template, "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    missing = {}
    for locale in SUPPORTED_LOCALES:
        with open(root / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        missing[locale] = sorted(
            str(message_id) for message_id in wanted
            if catalog.get(message_id) is None or not catalog.get(message_id).string
            or catalog.get(message_id).fuzzy
        )
    assert missing == {locale: [] for locale in SUPPORTED_LOCALES}, "run scripts/i18n extract and translate"
