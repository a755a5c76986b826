"""Real local HTTP receivers on threads: they record what they get and answer as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _QuietServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 resets connections when many senders connect at once on a
    # loaded machine: the tests that send in parallel need the receiver to accept them all.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # a client hanging up is what some tests are about


class Receiver:
    """`answer(request) -> Answer`, or None to drop the connection without a word."""

    def __init__(self, answer: Callable[[Received], Answer | None] | None = None) -> None:
        self.answer = answer or (lambda _request: Answer())
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one write: two small writes wait on the client's delayed
            # ACK (about 40 ms each), which no real receiver makes its clients do.
            wbufsize = 64 * 1024

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                   self.rfile.read(length), time.monotonic())
                with receiver.lock:
                    receiver.received.append(request)
                answer = receiver.answer(request)
                if answer is None:
                    self.close_connection = True
                    self.connection.close()
                    return
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_POST = _handle
            do_GET = _handle
            do_PUT = _handle

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            return list(self.received)
