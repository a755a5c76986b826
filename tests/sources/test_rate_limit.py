"""Action Network allows 4 requests per second per key: sources sharing a key share the budget."""

from __future__ import annotations

import threading
import time

from coalition.outbound import outbound_client
from coalition.sources.kinds import Reading, read_figures
from tests.sources.conftest import petition


class _Recording:
    """The outbound client, noting when each request leaves (the other side's clock is the
    test machine's scheduler: a loaded machine delays arrivals, not departures)."""

    def __init__(self, client) -> None:
        self.client = client
        self.sent: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def get(self, url, headers=None, max_body=None):
        with self.lock:
            self.sent.append((headers["OSDI-API-Token"], time.monotonic()))
        return self.client.get(url, headers=headers, max_body=max_body)


def test_one_key_sends_at_most_four_requests_in_any_second(app, systems, backend):
    systems.documents["/petitions/a"] = petition(1)
    systems.documents["/petitions/b"] = petition(2)
    shared = [Reading("action_network", systems.url(f"/petitions/{name}"), "DE", {}, f"shared-key-{backend}")
              for name in ("a", "b", "a")] * 4
    other = [Reading("action_network", systems.url("/petitions/b"), "DE", {}, f"other-key-{backend}")] * 3
    recording = _Recording(outbound_client())

    def run(reading: Reading) -> None:
        with app.app_context():
            assert read_figures(recording, reading) == {"DE": 1 if reading.url.endswith("a") else 2}

    threads = [threading.Thread(target=run, args=(reading,)) for reading in shared + other]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(systems.received) == 15
    times = sorted(at for key, at in recording.sent if key == f"shared-key-{backend}")
    assert len(times) == 12
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[4:]))
    assert times[-1] - times[0] >= 2.0
    # Another key has its own budget: its requests did not wait behind the shared key's.
    others = sorted(at for key, at in recording.sent if key == f"other-key-{backend}")
    assert others[-1] - times[0] < 1.0
