"""The one way out to the internet: every request Coalition makes to another system goes here.

No redirects are followed, every phase has a timeout, answers are read up to a cap, and only
HTTPS to public addresses is allowed. The address is checked after DNS resolution, when the
connection is opened, and the connection goes to the very address that was checked: a name that
resolves to a public address at validation and to 127.0.0.1 a second later (DNS rebinding) is
still refused. `OUTBOUND_ALLOW_PRIVATE` lifts the HTTPS and address rules for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

import httpcore
import httpx

DEFAULT_MAX_BODY = 256 * 1024


class OutboundError(Exception):
    """A request that did not produce an answer; `code` says why in one word for logs."""

    code = "connection"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class RefusedDestination(OutboundError):
    """The URL or the address it resolves to is not one Coalition may reach."""

    code = "refused_destination"


class ResponseTooLarge(OutboundError):
    code = "response_too_large"


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: httpx.Headers
    body: bytes
    elapsed: float


def refusal(address: str) -> str | None:
    """Why an IP address may not be reached (None if it may): every form that leads inside."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    forms = []
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 reaches the IPv4 address: judge what it wraps first.
        forms = [wrapped for wrapped in (ip.ipv4_mapped, ip.sixtofour, ip.teredo and ip.teredo[1])
                 if wrapped is not None]
    forms.append(ip)
    for form in forms:
        for reason, applies in (("loopback", form.is_loopback), ("link-local", form.is_link_local),
                                ("multicast", form.is_multicast), ("unspecified", form.is_unspecified),
                                ("reserved", form.is_reserved), ("private", form.is_private),
                                ("not public", not form.is_global)):
            if applies:
                return reason
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, IP literals included."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundError(f"{host} does not resolve: {error}", code="dns") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve `host`; refuse it if any of its addresses is not public."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise RefusedDestination(f"{host} resolves to {address}, a {reason} address")
    return addresses


def check_url_form(url: str, allow_private: bool) -> tuple[str, int]:
    """The host and port of a URL whose form may be requested: HTTPS (or HTTP when private
    addresses are allowed), a host, no credentials. Its addresses are checked apart."""
    parts = urlsplit(url)
    allowed = ("http", "https") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise RefusedDestination(f"the scheme {parts.scheme!r} is not allowed", code="scheme")
    if not parts.hostname:
        raise RefusedDestination("the URL has no host", code="scheme")
    if parts.username is not None or parts.password is not None:
        raise RefusedDestination("credentials do not belong in the URL", code="scheme")
    try:
        return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedDestination("the port is not a number", code="scheme") from None


class _GuardedBackend(httpcore.SyncBackend):
    """Opens connections only to checked addresses, checked at the moment of connecting."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = resolve(host, port) if self.allow_private else checked_addresses(host, port)
        last_error: OSError | None = None
        for address in addresses:
            try:
                # TLS still verifies the certificate against `host`: httpcore passes it as SNI.
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
        raise httpcore.ConnectError(str(last_error or f"no address for {host}"))


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allow_private: bool, max_connections: int) -> None:
        # trust_env=False: a proxy from the environment would connect on our behalf, unchecked.
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=_GuardedBackend(allow_private),
        )


def failure_of(error: httpx.HTTPError) -> OutboundError:
    """What went wrong with an exchange that got no answer, as the callers record it."""
    if isinstance(error, httpx.TimeoutException):
        return OutboundError(f"timed out: {error}", code="timeout")
    if isinstance(error, httpx.ConnectError):
        code = "tls" if "SSL" in str(error) or "certificate" in str(error).lower() else "connection"
        return OutboundError(f"could not connect: {error}", code=code)
    return OutboundError(f"the exchange failed: {error}", code="protocol")


def _user_agent() -> str:
    try:
        return f"Coalition/{version('coalition')}"
    except PackageNotFoundError:
        return "Coalition"


class OutboundClient:
    """A thread-safe client; keep one per process and share it (it pools connections)."""

    def __init__(self, timeout: float = 15.0, allow_private: bool = False, max_connections: int = 100):
        self.timeout = timeout
        self.allow_private = allow_private
        self._http = httpx.Client(
            transport=_GuardedTransport(allow_private, max_connections),
            follow_redirects=False,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": _user_agent()},
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def check_url(self, url: str) -> None:
        """Refuse a URL that is not HTTPS (unless private addresses are allowed) or whose host
        resolves to an address that may not be reached. Connecting checks again."""
        host, port = check_url_form(url, self.allow_private)
        if not self.allow_private:
            checked_addresses(host, port)

    def request(self, method: str, url: str, *, content: bytes | None = None,
                headers: dict[str, str] | None = None, max_body: int = DEFAULT_MAX_BODY) -> Response:
        """Send one request; any answer (even 5xx or 3xx) is a Response, no answer an OutboundError."""
        self.check_url(url)
        started = time.monotonic()
        deadline = started + 2 * self.timeout
        try:
            with self._http.stream(method, url, content=content, headers=headers) as answer:
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > max_body:
                        raise ResponseTooLarge(f"the answer is larger than {max_body} bytes")
                    if time.monotonic() > deadline:
                        # A receiver trickling bytes resets the read timeout at every byte.
                        raise OutboundError("the answer took too long", code="timeout")
                return Response(answer.status_code, answer.headers, bytes(body), time.monotonic() - started)
        except httpx.HTTPError as error:
            raise failure_of(error) from None

    def post(self, url: str, content: bytes, headers: dict[str, str] | None = None,
             max_body: int = DEFAULT_MAX_BODY) -> Response:
        return self.request("POST", url, content=content, headers=headers, max_body=max_body)

    def get(self, url: str, headers: dict[str, str] | None = None, max_body: int = DEFAULT_MAX_BODY) -> Response:
        return self.request("GET", url, headers=headers, max_body=max_body)


def outbound_client(app=None) -> OutboundClient:
    """The app's shared client, made on first use from its configuration."""
    from flask import current_app

    app = app or current_app
    client = app.extensions.get("coalition.outbound")
    if client is None:
        config = app.extensions["coalition.config"]
        client = OutboundClient(config.outbound_timeout, config.outbound_allow_private,
                                config.outbound_max_connections)
        app.extensions["coalition.outbound"] = client
    return client
