"""The asynchronous twin of `coalition.outbound.OutboundClient`, for a sender that keeps hundreds of
requests in flight on one thread (webhook delivery).

The same rules: no redirects, a timeout for connecting and one for the exchange, answers read up
to a cap, HTTPS to public addresses only. The address is checked after DNS resolution, when the
connection opens, and the connection goes to the very address checked; TLS verifies the
certificate against the URL's host name.

It speaks HTTP/1.1 through h11 (the protocol engine under httpx) on asyncio's streams, without
httpx's asynchronous layers: on this project's machines those cost five to ten times more than
the exchange itself (877 posts/s through `httpx.AsyncClient`, 1,400/s through httpcore's
asynchronous pool, 7,600/s and more through h11 on asyncio, from one process to the same local
receivers; see the README's Performance section).
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from functools import lru_cache
from urllib.parse import urlsplit

import h11
import httpx

from coalition.outbound import (
    DEFAULT_MAX_BODY,
    OutboundError,
    Response,
    ResponseTooLarge,
    _user_agent,
    check_url_form,
    checked_addresses,
    resolve,
)

READ_SIZE = 64 * 1024
# An idle connection is not reused after this long: receivers close theirs after a while too.
KEEPALIVE_EXPIRY = 30.0


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One per process, shared by every client: loading the CA bundle takes tens of milliseconds."""
    return httpx.create_ssl_context(trust_env=False)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _Connection:
    """One HTTP/1.1 connection, reused for request after request while both sides keep it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    def reusable(self) -> bool:
        return (not self.reader.at_eof() and not self.writer.is_closing()
                and time.monotonic() - self.idle_since < KEEPALIVE_EXPIRY)

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, request: h11.Request, content: bytes, max_body: int) -> tuple[int, list, bytes]:
        """Send one request, read its answer: status, headers, body."""
        protocol = self.protocol
        self.writer.write(protocol.send(request) + protocol.send(h11.Data(data=content))
                          + protocol.send(h11.EndOfMessage()))
        await self.writer.drain()
        status, headers, body, answered = 0, [], bytearray(), False
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(READ_SIZE)
                if not data and not answered:
                    raise _NoAnswer()
                answered = True
                protocol.receive_data(data)  # b"" ends the stream: h11 decides if the answer was whole
                continue
            if isinstance(event, h11.Response):
                status, headers = event.status_code, event.headers
            elif isinstance(event, h11.InformationalResponse):
                continue
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > max_body:
                    raise ResponseTooLarge(f"the answer is larger than {max_body} bytes")
            elif isinstance(event, h11.EndOfMessage):
                break
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            self.idle_since = time.monotonic()
        else:
            self.close()
        return status, headers, bytes(body)


class _NoAnswer(OutboundError):
    """The receiver closed the connection without a byte of answer."""

    code = "protocol"

    def __init__(self) -> None:
        super().__init__("the exchange failed: the connection closed without an answer")


class AsyncOutboundClient:
    """One per event loop; `async with` closes it. At most `max_connections` requests in flight,
    each on a connection of its own, idle connections kept for the next request."""

    def __init__(self, timeout: float = 15.0, allow_private: bool = False, max_connections: int = 100,
                 connect_timeout: float | None = None) -> None:
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout or timeout, timeout)
        self.allow_private = allow_private
        self.max_connections = max_connections
        self._slots: asyncio.Semaphore | None = None
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._user_agent = _user_agent().encode()

    async def __aenter__(self) -> AsyncOutboundClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def _addresses(self, host: str, port: int) -> list[str]:
        """The synchronous client's resolution and refusals; an IP literal needs no lookup, so
        only a name goes to a thread (the resolver blocks), under the connect timeout."""
        find = resolve if self.allow_private else checked_addresses
        if _is_ip_literal(host):
            return find(host, port)
        return await asyncio.get_running_loop().run_in_executor(None, find, host, port)

    async def _connect(self, scheme: str, host: str, port: int) -> _Connection:
        tls = scheme == "https"
        try:
            async with asyncio.timeout(self.connect_timeout):
                last_error: OSError | None = None
                for address in await self._addresses(host, port):
                    try:
                        reader, writer = await asyncio.open_connection(
                            address, port, ssl=_ssl_context() if tls else None,
                            server_hostname=host if tls else None, limit=READ_SIZE)
                        return _Connection(reader, writer)
                    except ssl.SSLError as error:
                        raise OutboundError(f"could not connect: {error}", code="tls") from None
                    except OSError as error:
                        last_error = error
                raise OutboundError(f"could not connect: {last_error or f'no address for {host}'}",
                                    code="connection")
        except TimeoutError:
            raise OutboundError(f"could not connect to {host} in time", code="timeout") from None

    def _connection(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        return None

    async def request(self, method: str, url: str, *, content: bytes | None = None,
                      headers: dict[str, str] | None = None, max_body: int = DEFAULT_MAX_BODY) -> Response:
        """Send one request; any answer (even 5xx or 3xx) is a Response, no answer an OutboundError."""
        host, port = check_url_form(url, self.allow_private)
        parts = urlsplit(url)
        key = (parts.scheme, host, port)
        request = h11.Request(method=method, target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                              headers=self._fields(parts.scheme, host, port, content or b"", headers or {}))
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        started = time.monotonic()
        try:
            # The whole attempt (a slot, connecting, a retry on a fresh connection) has a deadline
            # too, within the lease a delivery is claimed for.
            async with asyncio.timeout(2 * self.timeout):
                status, fields, body = await self._request(key, request, content or b"", max_body)
        except TimeoutError:
            raise OutboundError("the answer took too long", code="timeout") from None
        decoded = httpx.Headers([(name.decode("latin-1"), value.decode("latin-1")) for name, value in fields])
        return Response(status, decoded, body, time.monotonic() - started)

    async def _request(self, key: tuple[str, str, int], request: h11.Request, content: bytes,
                       max_body: int) -> tuple[int, list, bytes]:
        scheme, host, port = key
        async with self._slots:
            connection = self._connection(key)
            reused = connection is not None
            connection = connection or await self._connect(scheme, host, port)
            try:
                try:
                    answer = await self._exchange(connection, request, content, max_body)
                except _NoAnswer:
                    if not reused:
                        raise
                    # An idle connection the receiver had closed meanwhile: once more on a new one.
                    connection.close()
                    connection = await self._connect(scheme, host, port)
                    answer = await self._exchange(connection, request, content, max_body)
            except BaseException:
                connection.close()
                raise
            if not connection.writer.is_closing():
                self._idle.setdefault(key, []).append(connection)
            return answer

    def _fields(self, scheme: str, host: str, port: int, content: bytes, headers: dict[str, str]) -> list:
        authority = f"[{host}]" if ":" in host else host
        if port != (443 if scheme == "https" else 80):
            authority += f":{port}"
        return [(b"Host", authority.encode("idna")), (b"User-Agent", self._user_agent),
                (b"Content-Length", str(len(content)).encode()),
                *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
                  if name.lower() not in ("host", "content-length", "transfer-encoding"))]

    async def _exchange(self, connection: _Connection, request: h11.Request, content: bytes,
                        max_body: int) -> tuple[int, list, bytes]:
        """One exchange under the timeout, its failures as OutboundErrors (_NoAnswer stays, for a retry)."""
        try:
            # A receiver trickling bytes does not stretch the exchange: it has one deadline.
            async with asyncio.timeout(self.timeout):
                return await connection.exchange(request, content, max_body)
        except TimeoutError:
            raise OutboundError("the answer took too long", code="timeout") from None
        except h11.ProtocolError as error:
            raise OutboundError(f"the exchange failed: {error}", code="protocol") from None
        except ssl.SSLError as error:
            raise OutboundError(f"the exchange failed: {error}", code="tls") from None
        except OSError as error:
            raise OutboundError(f"the exchange failed: {error}", code="connection") from None

    async def post(self, url: str, content: bytes, headers: dict[str, str] | None = None,
                   max_body: int = DEFAULT_MAX_BODY) -> Response:
        return await self.request("POST", url, content=content, headers=headers, max_body=max_body)
