"""gunicorn workers whose own error answers are problem documents and whose logs keep networks.

gunicorn answers requests it cannot parse (a request line or headers over its limits, a
malformed line or header) itself, with an HTML page and a log line naming the full client
address. It has no setting for either, so these workers pass gunicorn's error handling a socket
that rewrites the HTML answer into an RFC 9457 problem (in English: no request was understood,
so no language was asked for) and an address cut to its network (/24 for IPv4, /48 for IPv6).
coalition/gunicorn_config.py makes ProblemSyncWorker the worker class.
"""

from __future__ import annotations

import html
import json
import re

from gunicorn.workers.sync import SyncWorker

from coalition.logsafe import network_of

_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)\r\n")
_HTML_MESSAGE = re.compile(rb"</h1>\s*(.*?)\s*</body>", re.S)


def problem_answer(data: bytes) -> bytes:
    """gunicorn's HTML error answer as a problem document; any other bytes unchanged."""
    status = _STATUS_LINE.match(data)
    if status is None or b"Content-Type: text/html" not in data:
        return data
    code, reason = int(status[1]), status[2].decode("latin-1")
    message = _HTML_MESSAGE.search(data)
    detail = html.unescape(message[1].decode("latin-1")) if message else ""
    body = json.dumps({"type": "about:blank", "title": reason, "status": code,
                       "detail": detail or reason}).encode()
    head = (f"HTTP/1.1 {code} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Language: en\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def masked(addr):
    """gunicorn's client address with the address cut to its network, for its log lines."""
    if isinstance(addr, tuple) and addr and network_of(str(addr[0])) != "unknown":
        return (network_of(str(addr[0])), *addr[1:])
    return addr


class _ProblemSocket:
    """The client socket, writing gunicorn's error answer as a problem document."""

    def __init__(self, sock) -> None:
        self._sock = sock

    def sendall(self, data) -> None:
        self._sock.sendall(problem_answer(bytes(data)))

    def __getattr__(self, name):
        return getattr(self._sock, name)


class ProblemErrorsMixin:
    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, _ProblemSocket(client), masked(addr), exc)


class ProblemSyncWorker(ProblemErrorsMixin, SyncWorker):
    """gunicorn's sync worker (the Procfile's) with problem answers for its own errors."""

