"""The asynchronous outbound client refuses what the synchronous one refuses, and behaves the same
against real local servers; many requests share one thread."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


class RawReceiver:
    """A receiver that answers each connection with bytes of the test's choosing, as written."""

    def __init__(self, reply: bytes, close: bool = True, trickle: float = 0.0, tls=None) -> None:
        self.reply, self.close, self.trickle, self.tls = reply, close, trickle, tls
        self.connections = 0
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection) -> None:
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            while True:
                request = connection.recv(65536)
                if not request:
                    return
                self.requests.append(request)
                for byte in (self.reply if self.trickle else [self.reply]):
                    connection.sendall(bytes([byte]) if self.trickle else byte)
                    time.sleep(self.trickle)
                if self.close:
                    return
        except OSError:
            return
        finally:
            connection.close()

    def __enter__(self) -> RawReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.close()


def test_keep_alive_connections_carry_request_after_request():
    with Receiver(lambda request: Answer(204, b"")) as receiver:
        async def run():
            async with AsyncOutboundClient(allow_private=True, max_connections=2) as client:
                return [await client.post(receiver.url(f"/hook?n={n}"), b"{}", {"webhook-id": "msg_1"})
                        for n in range(5)]

        answers = asyncio.run(run())
    assert [a.status_code for a in answers] == [204] * 5
    assert [r.path for r in receiver.received] == [f"/hook?n={n}" for n in range(5)]
    assert receiver.received[0].headers["host"] == f"127.0.0.1:{receiver.port}"
    assert receiver.received[0].headers["webhook-id"] == "msg_1"


def test_a_receiver_that_closes_each_connection_after_answering_still_gets_every_request():
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with RawReceiver(reply) as receiver:
        async def run():
            async with AsyncOutboundClient(allow_private=True, max_connections=1) as client:
                answers = []
                for _ in range(3):
                    answers.append(await client.post(f"http://127.0.0.1:{receiver.port}/", b"{}"))
                    await asyncio.sleep(0.05)  # the receiver's close arrives while the connection idles
                return answers

        answers = asyncio.run(run())
    assert [(a.status_code, a.body) for a in answers] == [(200, b"ok")] * 3
    assert receiver.connections == 3


def test_a_chunked_answer_is_read_whole_and_one_that_breaks_off_fails_cleanly():
    chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    with RawReceiver(chunked) as receiver:
        answer = post(f"http://127.0.0.1:{receiver.port}/", allow_private=True)
    assert (answer.status_code, answer.body) == (202, b"abcde")
    with RawReceiver(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part") as receiver, \
            pytest.raises(OutboundError) as raised:
        post(f"http://127.0.0.1:{receiver.port}/", allow_private=True)
    assert raised.value.code == "protocol"
    with RawReceiver(b"this is not HTTP at all\r\n\r\n") as receiver, pytest.raises(OutboundError) as raised:
        post(f"http://127.0.0.1:{receiver.port}/", allow_private=True)
    assert raised.value.code == "protocol"


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout():
    with RawReceiver(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + b"x" * 40, trickle=0.05) as receiver, \
            pytest.raises(OutboundError) as raised:
        started = time.monotonic()
        post(f"http://127.0.0.1:{receiver.port}/", allow_private=True, timeout=0.5)
    assert raised.value.code == "timeout" and time.monotonic() - started < 1.5


def self_signed_context(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
                   .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_a_certificate_nobody_vouches_for_and_tls_to_a_plain_server_fail_as_tls(tmp_path):
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with RawReceiver(reply, tls=self_signed_context(tmp_path)) as receiver, pytest.raises(OutboundError) as raised:
        post(f"https://localhost:{receiver.port}/", allow_private=True)
    assert raised.value.code == "tls" and "certificate" in str(raised.value).lower()
    with Receiver() as plain, pytest.raises(OutboundError) as raised:
        post(plain.url().replace("http://", "https://"), allow_private=True)
    assert raised.value.code in {"tls", "protocol", "connection"}
