"""`coalition worker` whose exports stall after their first row: a worker to kill mid-export."""

import time

from coalition.cli import main
from coalition.metrics import tasks

_count_rows = tasks._Counter.count_rows


def _stall_after_first_row(self, rows):
    for row in _count_rows(self, rows):
        yield row
        time.sleep(3600)


tasks._Counter.count_rows = _stall_after_first_row
main(["worker"])
