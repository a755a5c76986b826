"""The one outbound client: what it refuses, and how it behaves against real local servers."""

from __future__ import annotations

import socket
import threading

import pytest

from coalition import outbound
from coalition.outbound import (
    OutboundClient,
    OutboundError,
    RefusedDestination,
    ResponseTooLarge,
    refusal,
)
from tests.receivers import Answer, Receiver


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"),
    ("127.5.6.7", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "not public"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),
])
def test_addresses_that_lead_inside_are_refused(address, reason):
    assert refusal(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address):
    assert refusal(address) is None


def test_plain_http_is_refused():
    with pytest.raises(RefusedDestination) as raised:
        OutboundClient().check_url("http://example.org/hook")
    assert raised.value.code == "scheme"


def test_a_name_resolving_to_loopback_is_refused():
    with pytest.raises(RefusedDestination, match="127.0.0.1"):
        OutboundClient().post("https://localhost/hook", b"{}")


def test_an_ipv4_mapped_loopback_literal_is_refused():
    with pytest.raises(RefusedDestination, match="loopback"):
        OutboundClient().post("https://[::ffff:127.0.0.1]/hook", b"{}")


def test_an_ipv4_mapped_literal_over_http_is_refused():
    with pytest.raises(RefusedDestination):
        OutboundClient().post("http://[::ffff:127.0.0.1]/hook", b"{}")


def test_credentials_in_the_url_are_refused():
    with pytest.raises(RefusedDestination):
        OutboundClient().check_url("https://user:secret@example.org/hook")


def test_the_address_is_checked_again_when_connecting(monkeypatch):
    """DNS rebinding: public when the URL is checked, loopback when the connection opens."""
    answers = iter([("93.184.215.14", 443), ("127.0.0.1", 443)])

    def rebinding(host, port, *args, **kwargs):
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding)
    with pytest.raises(RefusedDestination, match="127.0.0.1"):
        OutboundClient().post("https://rebinding.example/hook", b"{}")


def test_a_name_that_does_not_resolve_fails_cleanly():
    with pytest.raises(OutboundError) as raised:
        OutboundClient().check_url("https://no-such-host.invalid/hook")
    assert raised.value.code == "dns"


def test_allow_private_reaches_a_local_receiver_with_the_user_agent():
    with Receiver(lambda request: Answer(201, b'{"ok": true}')) as receiver:
        answer = OutboundClient(allow_private=True).post(receiver.url(), b'{"a": 1}',
                                                          {"Content-Type": "application/json"})
    assert answer.status_code == 201 and answer.body == b'{"ok": true}'
    assert receiver.received[0].body == b'{"a": 1}'
    assert receiver.received[0].headers["user-agent"].startswith("Coalition")


def test_redirects_are_not_followed():
    with Receiver(lambda request: Answer(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})) as receiver:
        answer = OutboundClient(allow_private=True).post(receiver.url(), b"{}")
    assert answer.status_code == 302
    assert len(receiver.received) == 1


def test_a_huge_answer_is_cut_off():
    with Receiver(lambda request: Answer(200, b"x" * 300_000)) as receiver, pytest.raises(ResponseTooLarge):
        OutboundClient(allow_private=True).post(receiver.url(), b"{}")


def test_a_slow_receiver_times_out():
    slow = Receiver(lambda request: Answer(200, b"late", delay=2))
    with slow as receiver, pytest.raises(OutboundError) as raised:
        OutboundClient(timeout=0.3, allow_private=True).post(receiver.url(), b"{}")
    assert raised.value.code == "timeout"


def test_a_connection_reset_fails_cleanly():
    with Receiver(lambda request: None) as receiver, pytest.raises(OutboundError) as raised:
        OutboundClient(allow_private=True).post(receiver.url(), b"{}")
    assert raised.value.code in {"protocol", "connection"}


def test_a_tls_failure_fails_cleanly():
    with Receiver() as receiver:
        url = receiver.url().replace("http://", "https://")
        with pytest.raises(OutboundError) as raised:
            OutboundClient(allow_private=True).post(url, b"{}")
    assert raised.value.code in {"tls", "protocol", "connection"}


def test_a_closed_port_fails_cleanly():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(OutboundError) as raised:
        OutboundClient(allow_private=True).post(f"http://127.0.0.1:{port}/", b"{}")
    assert raised.value.code == "connection"


def test_one_client_serves_threads_at_once():
    with Receiver(lambda request: Answer(200, b"ok", delay=1.0)) as receiver:
        client = OutboundClient(allow_private=True)
        threads = [threading.Thread(target=client.post, args=(receiver.url(), b"{}")) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(receiver.received) == 4
        # Each answer takes a second: a request that arrived before the first one was answered
        # was sent while that one was still in flight.
        arrivals = sorted(r.at for r in receiver.received)
        assert arrivals[1] - arrivals[0] < 1.0
