"""Log lines that hold input: control characters escaped, client addresses cut to their network.

A claimed client_id with CR/LF in it must not forge a second log line, and no log keeps a full
client address (privacy by design): IPv4 addresses become their /24, IPv6 ones their /48.
"""

from __future__ import annotations

import ipaddress
import logging
import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Candidates only (a port or a trailing colon may follow); ipaddress decides what is an address.
IPV4_CANDIDATES = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d)")
IPV6_CANDIDATES = re.compile(r"(?<![\w:])[0-9A-Fa-f]*(?::[0-9A-Fa-f]*){2,}")


def escape_controls(text: str) -> str:
    """`text` with every control character written as its escape (`\\n`, `\\x1b`, `\\u2028`)."""
    return CONTROL_CHARACTERS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def network_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address, "unknown" for anything else."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def mask_addresses(text: str) -> str:
    def mask(match: re.Match) -> str:
        candidate = match.group()
        address = candidate.rstrip(":")
        network = network_of(address)
        return candidate if network == "unknown" else network + candidate[len(address):]

    return IPV6_CANDIDATES.sub(mask, IPV4_CANDIDATES.sub(mask, text))


def safe_line(text: str) -> str:
    return mask_addresses(escape_controls(text))


class SafeLogFilter(logging.Filter):
    """Rewrites each record's message into a safe line (installed on gunicorn's handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = safe_line(record.getMessage())
        record.args = ()
        return True
