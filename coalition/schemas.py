"""Schemas shared by every domain: pagination arguments and the list envelope."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify

from coalition.db import DEFAULT_PER_PAGE, MAX_PER_PAGE, link_header

# Far beyond any real list; bounds the OFFSET a request can ask the database for.
MAX_PAGE = 100_000


class PageArgsSchema(ma.Schema):
    """`?page=` and `?per_page=` (query strings carry text, so marshmallow's Integer parses them)."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_PAGE))
    per_page = ma.fields.Integer(load_default=DEFAULT_PER_PAGE,
                                 validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


_page_schemas: dict[type, type] = {}


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The documented list envelope `{"items", "total", "page", "per_page"}` of an item schema."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(name, (ma.Schema,), {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "total": ma.fields.Integer(),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
        })
    return _page_schemas[item_schema]


def page_response(page: dict, item_schema: type[ma.Schema]):
    """A JSON list response with the RFC 8288 Link header (first, last, prev, next)."""
    body = page_schema(item_schema)().dump(page)
    response = jsonify(body)
    if "next" in page:
        response.headers["Link"] = link_header(page["page"], page["per_page"], page["total"], page["next"])
    else:
        response.headers["Link"] = link_header(page["page"], page["per_page"], page["total"])
    return response
