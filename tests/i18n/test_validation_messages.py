"""Every message the API's schemas answer for bad input reaches the client translated: marshmallow's
own defaults and validators included, which are English literals inside marshmallow."""

import marshmallow as ma
import pytest

from coalition.errors import translate_messages

# Bad values a client may send for any field: each type and validator refuses some of them. The
# long text is blank, so the test stays quick: the personal-data guard scans long words slowly.
BAD_VALUES = [None, "", "not valid", " " * 100_001, -(10**12), 10**12, 10**400, 2.5, float("nan"), True,
              [], [None], {}, {"x": None}, "2026-13-45", "2026-03-01T12:00:00"]


def coalition_schemas() -> list[type[ma.Schema]]:
    found, pending = [], [ma.Schema]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("coalition."):
                found.append(subclass)
    return sorted(set(found), key=lambda schema: f"{schema.__module__}.{schema.__qualname__}")


def refusals(schema: ma.Schema) -> list:
    """The messages `schema` answers: for missing and unknown fields, and for bad values of each field."""
    messages = []
    for payload in ({}, {"an_unknown_field": 1}):
        try:
            schema.load(payload)
        except ma.ValidationError as error:
            messages.append(error.messages)
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        for value in BAD_VALUES:
            try:
                field.deserialize(value, name, {name: value})
            except ma.ValidationError as error:
                messages.append(error.messages)
            except (TypeError, ValueError, AttributeError, OverflowError):
                continue  # not an input this field's type can be given through JSON
    return messages


def flatten(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from flatten(value)
    elif isinstance(messages, (list, tuple)):
        for value in messages:
            yield from flatten(value)
    else:
        yield messages


@pytest.mark.parametrize("locale", ["de", "ga"])
def test_every_refusal_of_every_schema_is_translated(app, locale):
    untranslated = set()
    schemas = coalition_schemas()
    assert len(schemas) > 20
    for schema_class in schemas:
        # A fresh app context each time: flask-babel keeps the selected locale in `g`.
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            raw = refusals(schema_class())
            english = [str(message) for message in flatten(raw)]
        with app.app_context(), app.test_request_context(headers={"Accept-Language": locale}):
            translated = [str(message) for message in flatten(translate_messages(raw))]
        untranslated |= {f"{schema_class.__name__}: {text}"
                         for text, rendered in zip(english, translated) if text == rendered}
    assert sorted(untranslated) == []
