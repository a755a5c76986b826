"""The OpenAPI document: generated from the code, served, and written to api_spec/."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Blueprint, current_app, jsonify

SPEC_PATH = Path(__file__).resolve().parent.parent / "api_spec" / "openapi.yaml"

blp = Blueprint("openapi", __name__)


def openapi_document() -> dict:
    return current_app.extensions["coalition.api"].spec.to_dict()


def openapi_yaml() -> str:
    return yaml.safe_dump(openapi_document(), sort_keys=True, allow_unicode=True, width=100)


@blp.get("/api/v1/openapi.json")
def serve_openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
