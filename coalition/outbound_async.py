"""The asynchronous twin of `coalition.outbound.OutboundClient`, for a sender that keeps hundreds of
requests in flight on one thread (webhook delivery).

The same rules: no redirects, a timeout for every phase and a deadline for the whole exchange,
answers read up to a cap, HTTPS to public addresses only. The address is checked after DNS
resolution, when the connection opens, and the connection goes to the very address checked.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from functools import lru_cache

import anyio
import httpcore
import httpx

from coalition.outbound import (
    DEFAULT_MAX_BODY,
    OutboundError,
    RefusedDestination,
    Response,
    ResponseTooLarge,
    _user_agent,
    check_url_form,
    failure_of,
    refusal,
    resolve,
)


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One per process, shared by every client: loading the CA bundle takes tens of milliseconds."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedAsyncBackend(httpcore.AnyIOBackend):
    """Opens connections only to checked addresses, checked at the moment of connecting."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        # The resolver blocks: it runs on a thread, under the connect timeout.
        try:
            with anyio.fail_after(timeout):
                addresses = await anyio.to_thread.run_sync(resolve, host, port, abandon_on_cancel=True)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
        if not self.allow_private:
            for address in addresses:
                reason = refusal(address)
                if reason:
                    raise RefusedDestination(f"{host} resolves to {address}, a {reason} address")
        last_error: Exception | None = None
        for address in addresses:
            try:
                # TLS still verifies the certificate against `host`: httpcore passes it as SNI.
                return await super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        if isinstance(last_error, httpcore.ConnectTimeout):
            raise last_error
        raise httpcore.ConnectError(str(last_error or f"no address for {host}"))

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise RefusedDestination("local sockets may not be reached")


class AsyncOutboundClient:
    """One per event loop (its pool belongs to the loop it first ran on); `async with` closes it."""

    def __init__(self, timeout: float = 15.0, allow_private: bool = False, max_connections: int = 100,
                 connect_timeout: float | None = None) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        # trust_env=False: a proxy from the environment would connect on our behalf, unchecked.
        transport = httpx.AsyncHTTPTransport(verify=_ssl_context(), trust_env=False)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=_GuardedAsyncBackend(allow_private),
        )
        self._http = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout or timeout, timeout)),
            headers={"User-Agent": _user_agent()},
            trust_env=False,
        )

    async def __aenter__(self) -> AsyncOutboundClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, url: str, *, content: bytes | None = None,
                      headers: dict[str, str] | None = None, max_body: int = DEFAULT_MAX_BODY) -> Response:
        """Send one request; any answer (even 5xx or 3xx) is a Response, no answer an OutboundError."""
        check_url_form(url, self.allow_private)
        started = time.monotonic()
        try:
            # A receiver trickling bytes resets the read timeout at every byte: the whole
            # exchange has a deadline too.
            async with asyncio.timeout(2 * self.timeout):
                async with self._http.stream(method, url, content=content, headers=headers) as answer:
                    body = bytearray()
                    async for chunk in answer.aiter_bytes():
                        body += chunk
                        if len(body) > max_body:
                            raise ResponseTooLarge(f"the answer is larger than {max_body} bytes")
                    return Response(answer.status_code, answer.headers, bytes(body), time.monotonic() - started)
        except TimeoutError:
            raise OutboundError("the answer took too long", code="timeout") from None
        except httpx.HTTPError as error:
            raise failure_of(error) from None

    async def post(self, url: str, content: bytes, headers: dict[str, str] | None = None,
                   max_body: int = DEFAULT_MAX_BODY) -> Response:
        return await self.request("POST", url, content=content, headers=headers, max_body=max_body)
