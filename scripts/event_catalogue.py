"""Rewrite the README's webhook event catalogue from the code (coalition/webhooks/events.py).

A test fails when the README's catalogue and the code disagree: run this after changing events.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coalition.webhooks.catalogue import README, replace_catalogue  # noqa: E402

if __name__ == "__main__":
    README.write_text(replace_catalogue(README.read_text()))
    print(f"Wrote the event catalogue into {README.name}.")
