"""The documented contract: the committed OpenAPI document and the migrations match the code."""

import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
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


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _response(document, response):
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def test_every_operation_has_a_unique_operation_id(app):
    ids = [operation.get("operationId") for _path, _method, operation in _operations(openapi_document())]
    assert None not in ids
    assert len(ids) == len(set(ids))


def test_every_error_is_documented_as_the_problem_the_server_sends(app):
    document = openapi_document()
    for path, method, operation in _operations(document):
        errors = {code: _response(document, r) for code, r in operation["responses"].items()
                  if code == "default" or code.startswith(("4", "5"))}
        assert "default" in errors, (path, method)
        for code, response in errors.items():
            assert set(response["content"]) == {"application/problem+json"}, (path, method, code)


def test_a_batchs_nested_errors_match_the_documented_problem(client, coordinator, auth_headers):
    from tests import factories

    campaign = factories.make_campaign()
    headers = auth_headers(factories.make_organization(), "signatures:write")
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers, json={
        "reports": [{"country": "DE", "channel": "paper", "mode": "delta", "count": 1,
                     "as_of": "2026-03-01T12:00:00Z"}, {"country": "XX", "count": -1}]})
    assert response.status_code == 422
    problem = response.get_json()
    assert "1" in problem["errors"]["reports"]
    document = openapi_document()
    jsonschema.validate(problem, {"$ref": "#/components/schemas/Problem", "components": document["components"]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**problem, "status": "422"},
                            {"$ref": "#/components/schemas/Problem", "components": document["components"]})


def test_file_operations_declare_their_bodies_and_contents(app):
    document = openapi_document()
    operations = {operation["operationId"]: operation for _p, _m, operation in _operations(document)}
    assert "text/x-gettext-translation" in operations["import_po"]["requestBody"]["content"]
    assert "application/xliff+xml" in operations["import_xliff"]["requestBody"]["content"]
    assert "multipart/form-data" in operations["upload_file"]["requestBody"]["content"]
    assert "text/x-gettext-translation" in operations["export_po"]["responses"]["200"]["content"]
    assert "application/xliff+xml" in operations["export_xliff"]["responses"]["200"]["content"]
    assert "application/pdf" in operations["download_file"]["responses"]["200"]["content"]
    parameters = {p["name"]: p["schema"] for p in operations["stream_export"]["parameters"] if p["in"] == "path"}
    assert set(parameters["format"]["enum"]) == {"csv", "jsonl", "xlsx", "zip"}
    assert "signatures" in parameters["dataset"]["enum"]


def test_answer_schemas_mark_their_fields_required(app):
    schemas = openapi_document()["components"]["schemas"]
    for name in ("Campaign", "Organization", "Client", "SignatureResult", "ImportSummary", "File"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert "required" not in schemas["OrganizationUpdate"]


def test_the_document_says_which_countries_and_language_tags_the_server_takes(app, client, coordinator,
                                                                             auth_headers):
    import re

    document = openapi_document()
    codes = document["components"]["schemas"]["CountryCode"]["enum"]
    assert {"DE", "GR", "EL"} <= set(codes) and "XX" not in codes and "EU" not in codes
    action = document["components"]["schemas"]["ActionFields"]["properties"]
    assert action["country"]["$ref"] == "#/components/schemas/CountryCode"
    pattern = document["components"]["schemas"]["MaterialCreate"]["properties"]["source_locale"]["pattern"]
    assert re.match(pattern, "pt-BR") and not re.match(pattern, "not a tag")
    headers = auth_headers(coordinator, "admin")
    refused = client.post("/api/v1/organizations", headers=headers,
                          json={"slug": "no-country", "name": "Nowhere", "country": "XX"})
    assert refused.status_code == 422 and "country" in refused.get_json()["errors"]


def test_creations_link_to_the_operations_that_take_what_they_made(app, client, coordinator, auth_headers):
    document = openapi_document()
    operations = {operation["operationId"]: (path, operation) for path, _m, operation in _operations(document)}
    links = operations["create_campaign"][1]["responses"]["201"]["links"]
    assert links["get_campaign"] == {"operationId": "get_campaign", "parameters": {"slug": "$response.body#/slug"}}
    for creator in ("create_organization", "create_client", "create_material", "upload_file", "log_actions",
                    "create_export", "create_webhook"):
        created = [r for r in operations[creator][1]["responses"].values() if "links" in r]
        assert len(created) == 1, creator
        for link in created[0]["links"].values():
            target_path, _target = operations[link["operationId"]]
            (parameter, expression), = link["parameters"].items()
            assert "{" + parameter + "}" in target_path, (creator, link)
            field = expression.removeprefix("$response.body#/")
            schema = next(iter(created[0]["content"].values()))["schema"]
            answer = schema.get("$ref", schema.get("oneOf", [{}])[0].get("$ref", "")).rsplit("/", 1)[-1]
            assert field in document["components"]["schemas"][answer]["properties"], (creator, field)
    headers = auth_headers(coordinator, ["admin", "campaigns:read"])
    created = client.post("/api/v1/campaigns", headers=headers, json={
        "slug": "linked", "title": "Linked", "kind": "petition", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "source_locale": "en", "locales": ["en"]})
    assert created.status_code == 201, created.get_json()
    followed = client.get(operations["get_campaign"][0].replace("{slug}", created.get_json()["slug"]),
                          headers=headers)
    assert followed.status_code == 200 and followed.get_json()["slug"] == "linked"


def test_exclusive_bounds_are_documented_as_the_server_applies_them(app, client, coordinator, auth_headers):
    rate = openapi_document()["components"]["schemas"]["CampaignCreate"]["properties"]["expected_validity_rate"]
    assert rate["exclusiveMinimum"] == 0 and "minimum" not in rate and rate["maximum"] == 1
    refused = client.post("/api/v1/campaigns", headers=auth_headers(coordinator, "admin"), json={
        "slug": "never-valid", "title": "Never valid", "kind": "petition", "starts_on": "2026-01-01",
        "ends_on": "2026-12-31", "source_locale": "en", "locales": ["en"], "expected_validity_rate": 0})
    assert refused.status_code == 422 and "expected_validity_rate" in refused.get_json()["errors"]


def test_the_document_says_the_keys_and_headers_the_server_takes(app, client, auth_headers):
    from tests import factories

    document = openapi_document()
    targets = document["components"]["schemas"]["CampaignChange"]["properties"]["country_targets"]
    assert targets["propertyNames"] == {"$ref": "#/components/schemas/CountryCode"}
    operations = {operation["operationId"]: operation for _p, _m, operation in _operations(document)}
    key = next(p for p in operations["post_signatures"]["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["minLength"] == 1
    campaign = factories.make_campaign()
    refused = client.post(f"/api/v1/campaigns/{campaign.slug}/signatures",
                          headers={**auth_headers(factories.make_organization(), "signatures:write"),
                                   "Idempotency-Key": ""},
                          json={"country": "DE", "channel": "paper", "mode": "total", "count": 1,
                                "as_of": "2026-03-01T12:00:00Z"})
    assert refused.status_code == 422 and "Idempotency-Key" in refused.get_json()["errors"]
