"""The partner widget: `/embed/{slug}/counter` (a small framable page) and `counter.js`.

The page is made from the public counter's cached entry and kept beside it, one copy per
language (and per choice of listing the member states, `?countries=1`), for as long as the
counter's own local copy. It is made again only when the counter
or the campaign's title changed; its ETag is the counter's with the language and the title's
digest. `WidgetShortcut` answers a fresh copy before Flask builds a request, as
`CounterShortcut` does for the JSON counter: partner sites embed the widget on pages with far
more visitors than the coalition's own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import force_locale

from coalition.campaigns.counter import counter_entry, public_country_figures
from coalition.campaigns.operations import get_campaign
from coalition.errors import NotFound
from coalition.i18n import _, _best_locale

blp = Blueprint("embed", __name__, url_prefix="/embed", template_folder="templates")

WIDGET_PATH = re.compile(r"^/embed/([a-z0-9-]{1,64})/counter$")
# The widget's whole style, inline so the widget is one request; the policy allows this text only.
WIDGET_STYLE = (
    "body{margin:0;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "color:#1c1d21;background:#fff}main{padding:.6rem .8rem;border:1px solid #d5d8de;border-radius:6px}"
    "h1{font-size:1rem;margin:0 0 .3rem}.total{font-size:1.6rem;font-weight:700;margin:0}"
    "progress{width:100%;height:.9rem;accent-color:#0b4f9c}p{margin:.2rem 0}.small{font-size:.85rem;color:#585c66}"
    "table{width:100%;border-collapse:collapse;margin:.4rem 0;font-size:.85rem}caption{text-align:start;"
    "font-weight:600}th,td{padding:.1rem .2rem;border-bottom:1px solid #e4e6ea}th{text-align:start;font-weight:400}"
    "td,thead th+th{text-align:end}td{font-variant-numeric:tabular-nums}.met th,.met td{font-weight:700}"
    ".hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(WIDGET_STYLE.encode()).digest()).decode()
WIDGET_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors *"
)
SCRIPT_MAX_AGE = 3600


@dataclass(frozen=True)
class WidgetEntry:
    expires: float
    counter_etag: str
    title: str
    etag: str
    body: bytes
    headers: list[tuple[str, str]]

    def not_modified(self, if_none_match: str | None) -> bool:
        return bool(if_none_match) and (if_none_match.strip() == "*" or self.etag in if_none_match)


def _local(app: Flask) -> dict[tuple[str, str], WidgetEntry]:
    return app.extensions.setdefault("coalition.widget_local", {})


@dataclass(frozen=True)
class WidgetAsk:
    """What a widget's address asks for: its language and whether it lists the member states."""
    locale: str
    countries: bool


def widget_ask(query: str, accept_language: str, locales: tuple[str, ...]) -> WidgetAsk:
    """`?locale=`, else the browser's language: the same choice as the API's, and no person's
    stored language, since the widget knows nobody; `?countries=1` adds the member states."""
    asked = parse_qs(query) if query else {}
    return WidgetAsk(_best_locale(asked.get("locale", [None])[0], accept_language, locales),
                     asked.get("countries", [""])[0].lower() in ("1", "true", "yes"))


def _render(campaign, ask: WidgetAsk, counter: dict) -> bytes:
    countries = public_country_figures(campaign) if ask.countries else []
    with force_locale(ask.locale):
        return render_template(
            "embed/counter.html", locale=ask.locale, style=WIDGET_STYLE, title=campaign.title, counter=counter,
            updated=datetime.fromisoformat(counter["updated_at"]), countries=countries,
        ).encode()


def widget_entry(slug: str, ask: WidgetAsk) -> WidgetEntry | None:
    """The widget of a campaign as asked, made afresh only when the counter or the title changed:
    the counter's ETag changes with every figure of every country, so the list follows it too."""
    counter = counter_entry(slug)
    if counter is None:
        return None
    campaign = get_campaign(slug)
    title = campaign.title
    app = current_app._get_current_object()
    local = _local(app)
    known = local.get((slug, ask))
    if known is not None and known.counter_etag == counter.etag and known.title == title:
        body = known.body
    else:
        body = _render(campaign, ask, json.loads(counter.body))
    variant = f"{ask.locale}.countries" if ask.countries else ask.locale
    etag = f'{counter.etag[:-1]}.{variant}.{hashlib.sha256(title.encode()).hexdigest()[:8]}"'
    headers = [("ETag", etag), ("Cache-Control", dict(counter.headers)["Cache-Control"]),
               ("Vary", "Accept-Language"), ("Content-Language", ask.locale),
               ("Content-Security-Policy", WIDGET_POLICY), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Resource-Policy", "cross-origin")]
    entry = local[(slug, ask)] = WidgetEntry(counter.expires, counter.etag, title, etag, body, headers)
    return entry


def _answer(entry: WidgetEntry, if_none_match: str | None) -> tuple[str, list[tuple[str, str]], bytes]:
    if entry.not_modified(if_none_match):
        return "304 Not Modified", entry.headers, b""
    return "200 OK", [*entry.headers, ("Content-Type", "text/html; charset=utf-8"),
                      ("Content-Length", str(len(entry.body)))], entry.body


@blp.get("/<slug>/counter")
def counter(slug):
    """The widget, for an iframe on any site: no cookies, nothing loaded from anywhere."""
    ask = widget_ask(request.query_string.decode("latin-1"), request.headers.get("Accept-Language", ""),
                     current_app.extensions["coalition.config"].locales)
    entry = widget_entry(slug, ask)
    if entry is None:
        raise NotFound(_("No campaign has this slug."))
    status, headers, body = _answer(entry, request.headers.get("If-None-Match"))
    return current_app.response_class(body, status=int(status[:3]), headers=headers)


@blp.get("/<slug>/counter.js")
def counter_script(slug):
    """One `<script>` tag on a partner's page writes the widget's iframe in its place."""
    if counter_entry(slug) is None:
        raise NotFound(_("No campaign has this slug."))
    # The frame's title in every language: the script picks the one of the partner's page.
    titles = {}
    for locale in current_app.extensions["coalition.config"].locales:
        with force_locale(locale):
            titles[locale] = _("Signature counter")
    body = render_template("embed/counter.js", titles=titles)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    response = current_app.response_class(body, mimetype="text/javascript", headers={
        "ETag": etag, "Cache-Control": f"public, max-age={SCRIPT_MAX_AGE}",
        "Cross-Origin-Resource-Policy": "cross-origin", "X-Content-Type-Options": "nosniff"})
    return response.make_conditional(request)


class WidgetShortcut:
    """WSGI middleware answering GET /embed/{slug}/counter from a fresh copy without Flask."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.local = _local(app)
        self.locales = app.extensions["coalition.config"].locales
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            match = WIDGET_PATH.match(environ.get("PATH_INFO", ""))
            if match:
                ask = widget_ask(environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                                 self.locales)
                entry = self.local.get((match.group(1), ask))
                if entry is not None and entry.expires > time.monotonic():
                    status, headers, body = _answer(entry, environ.get("HTTP_IF_NONE_MATCH"))
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)


blp.record_once(lambda state: setattr(state.app, "wsgi_app", WidgetShortcut(state.app, state.app.wsgi_app)))
