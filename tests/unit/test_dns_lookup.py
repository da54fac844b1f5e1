"""A failed DNS look-up says what failed, never which server casp asked: the message reaches
users (a domain's verify report, a certificate's last error); the log has the details."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from app.services.domains.dns import DnsError, Lookup


@pytest.fixture
def silent_resolver() -> Iterator[str]:
    """A UDP port on loopback that takes queries and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


async def test_a_timeout_names_no_server(silent_resolver: str, caplog: pytest.LogCaptureFixture):
    lookup = Lookup(silent_resolver)
    lookup.resolver.lifetime = 0.3
    with caplog.at_level(logging.WARNING, logger="app.services.domains.dns"), \
            pytest.raises(DnsError) as failed:
        await lookup.addresses("www.example.com")
    assert str(failed.value) == "DNS look-up of www.example.com A timed out"
    assert failed.value.problem() == {"type": "casp:dns", "detail": str(failed.value)}
    assert silent_resolver.replace(":", "@") in caplog.text  # dnspython's Do53:host@port
