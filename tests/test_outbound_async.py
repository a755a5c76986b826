"""The asynchronous outbound client refuses what the synchronous one refuses, and behaves the same
against real local servers; many requests share one thread."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from coalition import outbound
from coalition.outbound import OutboundError, RefusedDestination, ResponseTooLarge
from coalition.outbound_async import AsyncOutboundClient
from tests.receivers import Answer, Receiver


def post(url: str, body: bytes = b"{}", **options):
    async def run():
        async with AsyncOutboundClient(**options) as client:
            return await client.post(url, body, {"Content-Type": "application/json"})

    return asyncio.run(run())


@pytest.mark.parametrize("url", ["http://example.org/hook", "https://user:secret@example.org/hook",
                                 "https://example.org:port/hook", "file:///etc/passwd"])
def test_urls_of_a_forbidden_form_are_refused(url):
    with pytest.raises(RefusedDestination) as raised:
        post(url)
    assert raised.value.code == "scheme"


@pytest.mark.parametrize("url", ["https://localhost/hook", "https://[::ffff:127.0.0.1]/hook",
                                 "https://10.0.0.1/hook", "https://169.254.169.254/latest"])
def test_addresses_that_lead_inside_are_refused_when_connecting(url):
    with pytest.raises(RefusedDestination):
        post(url)


def test_the_address_is_checked_after_resolution(monkeypatch):
    """A public-looking name that resolves to loopback is refused at connect time."""

    def rebound(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebound)
    with pytest.raises(RefusedDestination, match="127.0.0.1"):
        post("https://rebinding.example/hook")


def test_a_name_that_does_not_resolve_fails_cleanly():
    with pytest.raises(OutboundError) as raised:
        post("https://no-such-host.invalid/hook")
    assert raised.value.code in {"dns", "connection"}


def test_a_local_receiver_gets_the_body_and_redirects_are_not_followed():
    with Receiver(lambda request: Answer(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})) as receiver:
        answer = post(receiver.url(), b'{"a": 1}', allow_private=True)
    assert answer.status_code == 302
    assert [r.body for r in receiver.received] == [b'{"a": 1}']
    assert receiver.received[0].headers["user-agent"].startswith("Coalition")


def test_a_huge_answer_is_cut_off():
    with Receiver(lambda request: Answer(200, b"x" * 300_000)) as receiver, pytest.raises(ResponseTooLarge):
        post(receiver.url(), allow_private=True)


def test_a_receiver_that_never_answers_times_out_at_the_deadline():
    with Receiver(lambda request: Answer(200, b"late", delay=3)) as receiver, \
            pytest.raises(OutboundError) as raised:
        started = time.monotonic()
        post(receiver.url(), allow_private=True, timeout=0.3)
    assert raised.value.code == "timeout"
    assert time.monotonic() - started < 1.5


def test_a_closed_port_fails_cleanly():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(OutboundError) as raised:
        post(f"http://127.0.0.1:{port}/", allow_private=True)
    assert raised.value.code == "connection"


def test_a_connection_reset_fails_cleanly():
    with Receiver(lambda request: None) as receiver, pytest.raises(OutboundError) as raised:
        post(receiver.url(), allow_private=True)
    assert raised.value.code in {"protocol", "connection"}


def test_many_requests_are_in_flight_at_once_on_one_thread():
    with Receiver(lambda request: Answer(204, b"", delay=1.0)) as receiver:
        async def run():
            async with AsyncOutboundClient(allow_private=True) as client:
                return await asyncio.gather(*(client.post(receiver.url(), b"{}") for _ in range(20)))

        started = time.monotonic()
        answers = asyncio.run(run())
        elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [204] * 20
    # Twenty answers of a second each, in about one second: they were all in flight together.
    assert elapsed < 3
