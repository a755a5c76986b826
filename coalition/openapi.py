"""The OpenAPI document: generated from the code, served, and written to api_spec/."""

from __future__ import annotations

import copy
from pathlib import Path

import marshmallow as ma
import yaml
from apispec import BasePlugin
from flask import Blueprint, current_app, jsonify

from coalition.openapi_links import add_links
from coalition.validation import LOCALE_TAG_PATTERN, CountryCode, LocaleTag, country_codes

SPEC_PATH = Path(__file__).resolve().parent.parent / "api_spec" / "openapi.yaml"

blp = Blueprint("openapi", __name__)

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem; title, detail and messages in the request's language.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"$ref": "#/components/schemas/ProblemErrors"},
    },
    "required": ["type", "title", "status", "detail"],
}

# Messages per field; nested for nested input: a batch's are under `reports.<index>.<field>`.
PROBLEM_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/ProblemErrors"},
        ]
    },
}

NO_NUL_PATTERN = "^[^\\u0000]*$"

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def file_content(media_types, text: bool = False) -> dict:
    """The OpenAPI `content` of a file body: text (PO, XLIFF) or bytes, in any of these types."""
    schema = {"type": "string"} if text else {"type": "string", "format": "binary"}
    return {media_type: {"schema": dict(schema)} for media_type in media_types}


def register_problem_schemas(spec) -> None:
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    spec.components.schema("ProblemErrors", PROBLEM_ERRORS_SCHEMA)
    spec.components.schema("CountryCode", {
        "type": "string", "enum": country_codes(),
        "description": "ISO 3166-1 alpha-2 (lower case is accepted too); EL (Greece) and UK are "
                       "accepted, answered as GR and GB.",
    })


def exclusive_bounds(field, ret: dict) -> dict:
    """apispec writes every Range bound as inclusive; say the exclusive ones as the server applies them."""
    bounds = {}
    for validator in field.validators:
        if not isinstance(validator, ma.validate.Range):
            continue
        if validator.min is not None and not validator.min_inclusive:
            ret.pop("minimum", None)
            bounds["exclusiveMinimum"] = validator.min
        if validator.max is not None and not validator.max_inclusive:
            ret.pop("maximum", None)
            bounds["exclusiveMaximum"] = validator.max
    return bounds


def field_constraints(self, field, ret=None, **kwargs) -> dict:
    """What the server's own fields enforce, said in the document (an apispec attribute function)."""
    if isinstance(field, ma.fields.Number) and ret is not None:
        return exclusive_bounds(field, ret)
    if isinstance(field, ma.fields.Dict) and isinstance(field.key_field, CountryCode):
        return {"propertyNames": {"$ref": "#/components/schemas/CountryCode"}}
    if isinstance(field, CountryCode):
        reference = {"$ref": "#/components/schemas/CountryCode"}
        return {"anyOf": [reference, {"type": "null"}]} if field.allow_none else reference
    if isinstance(field, LocaleTag):
        return {"pattern": LOCALE_TAG_PATTERN.pattern}
    if isinstance(field, ma.fields.URL):
        return {"format": "uri"}
    if isinstance(field, ma.fields.String) and not (ret or {}).keys() & {"pattern", "enum", "format"}:
        # coalition.http refuses NUL in any text a request carries.
        return {"pattern": NO_NUL_PATTERN}
    return {}


class OperationIds(BasePlugin):
    """Every operation gets a stable operationId, its view function's name (generated clients
    name their methods after it); a view serving several methods adds the method."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            operation.setdefault("operationId", name if len(operations) == 1 else f"{name}_{method}")


def _referenced(node, found: set[str]) -> None:
    """Names of the component schemas a part of the document refers to, directly."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _referenced(value, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, found)


def _closure(names: set[str], schemas: dict) -> set[str]:
    pending, seen = list(names), set()
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        found: set[str] = set()
        _referenced(schemas[name], found)
        pending.extend(found - seen)
    return seen


def require_answered_fields(document: dict) -> dict:
    """Mark every property of answer-only schemas required: the server always writes them
    (null when empty), and generated clients should not make every field optional."""
    schemas = document["components"]["schemas"]
    answers, inputs = set(), set()
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            _referenced(operation.get("responses", {}), answers)
            _referenced(operation.get("requestBody", {}), inputs)
            _referenced(operation.get("parameters", []), inputs)
    for name in _closure(answers, schemas) - _closure(inputs, schemas) - {"Problem", "ProblemErrors"}:
        properties = schemas[name].get("properties")
        if properties:
            schemas[name]["required"] = sorted(properties)
    return document


def openapi_document() -> dict:
    return add_links(require_answered_fields(copy.deepcopy(current_app.extensions["coalition.api"].spec.to_dict())))


def openapi_yaml() -> str:
    return yaml.safe_dump(openapi_document(), sort_keys=True, allow_unicode=True, width=100)


@blp.get("/api/v1/openapi.json")
def serve_openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
