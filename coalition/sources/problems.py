"""Why a poll failed, stored as a code and its values and put into words at answer time, in the
language of the request that reads it (polls run in the worker, outside any request)."""

from __future__ import annotations

from coalition.i18n import _l

MESSAGES = {
    "timeout": _l("The source did not answer in time."),
    "connection": _l("Could not connect to the source."),
    "refused": _l("The source's address leads to a loopback, private or otherwise non-public network."),
    "scheme": _l("The source's address is not an https:// address with a host name."),
    "too_large": _l("The answer is larger than %(limit)d bytes."),
    "redirect": _l("The source answered with a redirect (HTTP %(status)d); redirects are not followed."),
    "status": _l("The source answered HTTP %(status)d."),
    "not_json": _l("The answer is not JSON."),
    "graphql": _l("The GraphQL endpoint answered with errors."),
    "missing": _l("The answer has no value at %(path)s."),
    "not_integer": _l("The value at %(path)s is not a whole number."),
    "negative": _l("The value at %(path)s is negative."),
    "too_high": _l("The value at %(path)s is above %(limit)d, the largest figure taken."),
    "shape": _l("The answer does not have the shape of %(expected)s."),
    "unknown_country": _l("The answer names %(code)s, which is not a member state."),
    "duplicate_country": _l("The answer names %(code)s more than once."),
    "subtracted_too_much": _l("The figures to subtract (%(subtracted)d) are more than the figure (%(figure)d)."),
    "refused_by_campaign": _l("The campaign did not take the figures."),
    "unexpected": _l("The poll failed unexpectedly; it is tried again later."),
}


class PollFailed(Exception):
    """A poll that produced no usable figures; `code` names the message in MESSAGES."""

    def __init__(self, code: str, /, **params) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def as_record(self) -> dict:
        return {"code": self.code, "params": self.params}


def describe(record: dict | None) -> str | None:
    """A stored failure in the current request's language."""
    if not record:
        return None
    template = MESSAGES.get(record.get("code"), MESSAGES["unexpected"])
    try:
        return str(template) % record.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(MESSAGES["unexpected"])
