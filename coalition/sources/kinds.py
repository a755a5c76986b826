"""What each kind of source asks of the system it polls, and how its answer becomes figures.

A reading is `{country: figure}`. Everything in an answer is checked before any figure is
taken: a shape other than the documented one, a value that is not a whole number from 0 to
MAX_FIGURE, an unknown or repeated country — any of these fails the whole poll.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

from coalition.campaigns import eci
from coalition.campaigns.models import MAX_FIGURE
from coalition.outbound import (
    DEFAULT_MAX_BODY,
    OutboundClient,
    OutboundError,
    RefusedDestination,
    ResponseTooLarge,
)
from coalition.sources.problems import PollFailed
from coalition.sources.throttle import wait_turn
from coalition.validation import COUNTRY_ALIASES

PROCA_QUERY = ("query($id:Int!){actionPage(id:$id){campaign{stats{supporterCount "
               "supporterCountByOrg{org{name} count}}}}}")


@dataclass(frozen=True)
class Reading:
    """What a poll needs of its source, copied out of the session so no connection is held
    while the other system answers."""

    kind: str
    url: str
    country: str | None
    options: dict = field(default_factory=dict)
    api_key: str | None = None


def _refuse_constant(name: str):
    raise ValueError(name)


def get_json(client: OutboundClient, url: str, headers: dict[str, str] | None = None):
    try:
        response = client.get(url, headers=headers, max_body=DEFAULT_MAX_BODY)
    except ResponseTooLarge:
        raise PollFailed("too_large", limit=DEFAULT_MAX_BODY) from None
    except RefusedDestination as error:
        raise PollFailed("scheme" if error.code == "scheme" else "refused") from None
    except OutboundError as error:
        raise PollFailed("timeout" if error.code == "timeout" else "connection") from None
    if 300 <= response.status_code < 400:
        raise PollFailed("redirect", status=response.status_code)
    if not 200 <= response.status_code < 300:
        raise PollFailed("status", status=response.status_code)
    try:
        # NaN and Infinity are not JSON, whatever Python's parser allows.
        return json.loads(response.body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PollFailed("not_json") from None


def figure(value, path: str) -> int:
    """A value that counts signatures: a whole number from 0 to MAX_FIGURE."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PollFailed("not_integer", path=path)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise PollFailed("not_integer", path=path)
    if value < 0:
        raise PollFailed("negative", path=path)
    if value > MAX_FIGURE:
        raise PollFailed("too_high", path=path, limit=MAX_FIGURE)
    return int(value)


def at_path(document, path: str):
    """The value at a dot path (`a.b.0.c`: keys of objects, indexes of lists)."""
    node = document
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PollFailed("missing", path=path)
    return node


def _eci_online(client: OutboundClient, reading: Reading) -> dict[str, int]:
    document = get_json(client, reading.url.rstrip("/") + "/report/map")
    entries = document.get("signatureCountryCount") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PollFailed("shape", expected="report/map")
    members = eci.member_states()
    figures: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("countryCode"), str) or "count" not in entry:
            raise PollFailed("shape", expected="report/map")
        code = entry["countryCode"]
        country = COUNTRY_ALIASES.get(code.upper(), code.upper())
        if country not in members:
            raise PollFailed("unknown_country", code=code[:8])
        if country in figures:
            raise PollFailed("duplicate_country", code=code[:8])
        figures[country] = figure(entry["count"], f"signatureCountryCount.{index}.count")
    return figures


def _proca(client: OutboundClient, reading: Reading) -> dict[str, int]:
    query = urlencode({"query": PROCA_QUERY, "variables": json.dumps({"id": reading.options["action_page"]})})
    document = get_json(client, reading.url + ("&" if "?" in reading.url else "?") + query)
    if isinstance(document, dict) and document.get("errors"):
        raise PollFailed("graphql")
    stats = at_path(document, "data.actionPage.campaign.stats")
    org_name = reading.options.get("org_name")
    if org_name is None:
        return {reading.country: figure(at_path(stats, "supporterCount"), "supporterCount")}
    path = "supporterCountByOrg"
    entries = stats.get(path) if isinstance(stats, dict) else None
    if not isinstance(entries, list):
        raise PollFailed("missing", path=path)
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("org"), dict) and entry["org"].get("name") == org_name:
            return {reading.country: figure(entry.get("count"), f"{path}.{index}.count")}
    raise PollFailed("missing", path=f"{path}[org.name={org_name[:100]}]")


def _action_network(client: OutboundClient, reading: Reading) -> dict[str, int]:
    wait_turn(reading.api_key or "")
    document = get_json(client, reading.url, {"OSDI-API-Token": reading.api_key or "",
                                              "Accept": "application/hal+json"})
    return {reading.country: figure(at_path(document, "total_signatures"), "total_signatures")}


def _json(client: OutboundClient, reading: Reading) -> dict[str, int]:
    path = reading.options["path"]
    value = figure(at_path(get_json(client, reading.url), path), path)
    subtracted = 0
    for other in reading.options.get("subtract", []):
        subtracted += figure(at_path(get_json(client, other["url"]), other["path"]), other["path"])
    if subtracted > value:
        raise PollFailed("subtracted_too_much", subtracted=subtracted, figure=value)
    return {reading.country: value - subtracted}


READERS = {"eci_online": _eci_online, "proca": _proca, "action_network": _action_network, "json": _json}


def read_figures(client: OutboundClient, reading: Reading) -> dict[str, int]:
    """Ask the source; its figures per country, or PollFailed saying why there are none."""
    return READERS[reading.kind](client, reading)
