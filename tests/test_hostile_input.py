"""Every hostile-input family, sent to every route of the OpenAPI document: never a server error.

Each family stands for a class of input that once reached a 500: values at the edge of what
the parsers and columns represent, text that is not text, bodies deeper or larger than any
document of the API, and path and query values of the same kinds. Bodies are built from each
operation's own request schema, with the family's value in every field.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest

from coalition.auth.scopes import SCOPES
from tests import factories

# Values a field of any type may receive, as JSON text (some are not representable otherwise).
VALUE_FAMILIES = {
    "datetimes at the edge of the range, with offsets": ['"0001-01-01T00:00:00+01:00"',
                                                         '"9999-12-31T23:59:59-01:00"'],
    "lone surrogates": ['"\\ud800"', '"a\\udfff"', '"\\udc00\\ud800"'],
    "characters XML forbids": ['"line\\u000bbreak"', '"\\u0001\\u001f"'],
    "a slug ending in a newline": ['"reclaim-your-face\\n"'],
    "digits that are not ASCII": ['"\u00b2"', '"\u0663"'],
    "week, basic and out-of-range dates": ['"2026-W09-1"', '"20261201"', '"0001-01-01"', '"9999-12-31"'],
    "integers beyond every column": ["9223372036854775808", "-9223372036854775809", "1" + "0" * 5000,
                                     "1e400", "2147483648"],
    "long text": [json.dumps("x" * 200_000)],
    "wrong types": ["{}", "[]", "true", "null"],
}

PATH_FAMILIES = ["\u00b2", "99999999999999999999", "-1", "x%0A", "%ED%A0%80", "a" * 300, "%00"]
QUERY_FAMILIES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-W09-1", "\u00b2",
                  "99999999999999999999", "%ED%A0%80", "x\n", "-1", "a" * 5000]

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000


@pytest.fixture
def world(client, db_session, auth_headers):
    # A hub too, so that its client may hold every scope (`federation:push` included).
    coordinator = factories.make_organization(role="coordinator", kind="hub")
    campaign = factories.make_campaign(slug="hostile-campaign")
    material = factories.make_material(campaign)
    action = factories.make_action(campaign, coordinator)
    oauth_client, _secret = factories.make_client(coordinator, "campaigns:read")
    source = factories.make_source(campaign, coordinator)
    db_session.commit()
    return {
        "headers": auth_headers(coordinator, list(SCOPES)),
        "params": {"slug": campaign.slug, "material_id": material.id, "action_id": action.id,
                   "client_id": oauth_client.client_id, "export_id": str(uuid.uuid4()),
                   "file_id": str(uuid.uuid4()), "locale": "de", "country": "DE", "dataset": "signatures",
                   "format": "csv", "number": "1", "upstream_id": str(uuid.uuid4()), "source_id": source.id},
        "organization": coordinator.slug,
    }


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return _resolve(spec, schema[key][0])
    return schema


def _body(spec: dict, schema: dict, value: str, depth: int = 0) -> str:
    """JSON text of the schema's shape with `value` in every leaf."""
    schema = _resolve(spec, schema)
    if depth < 4 and schema.get("properties"):
        members = (f"{json.dumps(name)}:{_body(spec, sub, value, depth + 1)}"
                   for name, sub in schema["properties"].items())
        return "{" + ",".join(members) + "}"
    if depth < 4 and schema.get("type") == "array" and "items" in schema:
        return "[" + _body(spec, schema["items"], value, depth + 1) + "]"
    return value


def _operations(spec: dict):
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield template, method, operation


def _path(template: str, params: dict, **override) -> str:
    path = template
    for name, value in {**params, **override}.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def _send(client, method, path, headers, **kwargs):
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code < 500, (method, path, response.status_code, response.get_data()[:300])
    return response


def test_every_value_family_in_every_json_body(client, world, spec):
    sent = 0
    for template, method, operation in _operations(spec):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        path = _path(template, world["params"])
        schema = content["application/json"]["schema"]
        for values in VALUE_FAMILIES.values():
            for value in values:
                for body in (_body(spec, schema, value), value):
                    _send(client, method, path, world["headers"], data=body, content_type="application/json")
                    sent += 1
        for deep in (DEEP, DEEP_OBJECT):
            response = _send(client, method, path, world["headers"], data=deep, content_type="application/json")
            assert response.status_code == 400, (method, path)
    assert sent > 500


def test_oversized_chunked_bodies_are_refused_like_content_length(client, world, spec):
    """A chunked body has no Content-Length; gunicorn marks its input as terminated, as here."""
    oversized = b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    for template, method, operation in _operations(spec):
        if "application/json" not in operation.get("requestBody", {}).get("content", {}):
            continue
        response = _send(client, method, _path(template, world["params"]),
                         {**world["headers"], "Transfer-Encoding": "chunked"},
                         input_stream=io.BytesIO(oversized), content_type="application/json",
                         environ_overrides={"wsgi.input_terminated": True})
        assert response.status_code == 413, (method, template, response.status_code)


def test_every_path_and_query_family_on_every_route(client, world, spec):
    for template, method, operation in _operations(spec):
        names = [p["name"] for p in operation.get("parameters", []) + spec["paths"][template].get("parameters", [])
                 if p.get("in") == "path"]
        for name in names:
            for value in PATH_FAMILIES:
                _send(client, method, _path(template, world["params"], **{name: value}), world["headers"])
        path = _path(template, world["params"])
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            for value in QUERY_FAMILIES:
                _send(client, method, path, world["headers"], query_string={parameter["name"]: value})


def test_uploads_and_exchange_files_at_their_edges(client, world):
    params, headers = world["params"], world["headers"]
    files_url = f"/api/v1/materials/{params['material_id']}/files"
    # A multipart `file` sent as a plain field rather than a file.
    plain = _send(client, "post", files_url, headers, data={"file": "not a file"}, content_type="multipart/form-data")
    assert plain.status_code == 422
    base = f"/api/v1/campaigns/{params['slug']}/translations/de"
    xliff = client.get(f"{base}.xlf", headers=headers).get_data(as_text=True)
    po = client.get(f"{base}.po", headers=headers).get_data(as_text=True)
    assert 'type="revision">1<' in xliff and "coalition-revision: 1" in po
    for revision in ("\u00b2", "99999999999999999999", "1" * 5000, "-1"):
        changed = xliff.replace('type="revision">1<', f'type="revision">{revision}<').replace(
            "</source>", "</source><target>b</target>").replace('state="initial"', 'state="translated"')
        stale = _send(client, "post", f"{base}.xlf", headers, data=changed.encode(), content_type="application/xliff+xml")
        assert stale.status_code == 422 and "revision" in str(stale.get_json()["errors"])
        # The last message is the material's title, untranslated: give it a target.
        changed = po.replace("coalition-revision: 1", f"coalition-revision: {revision}").rstrip()[:-2] + '"b"\n'
        stale = _send(client, "post", f"{base}.po", headers, data=changed.encode(), content_type="text/x-gettext-translation")
        assert stale.status_code == 422 and "revision" in str(stale.get_json()["errors"])
    # More unit ids than SQL takes parameters (65,535).
    unit_start = xliff.index("<unit ")
    many = "".join(f'<unit id="u{n}.title"><segment><target>b</target></segment></unit>' for n in range(65_600))
    response = _send(client, "post", f"{base}.xlf", headers, data=(xliff[:unit_start] + many + xliff[unit_start:]).encode(),
                     content_type="application/xliff+xml")
    assert response.status_code == 422
    assert "at most" in str(response.get_json()["errors"])
