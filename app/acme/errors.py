"""Failures of ACME work, translated where foreign exceptions enter (client.py).

    AcmeError
    ├── AcmeProblem       the CA answered with a problem document (kept and shown)
    │   └── ChallengeFailed   an authorization turned invalid
    ├── AcmeUnavailable   network trouble or a transient CA error: retry later
    ├── AcmeTimeout       the CA did not finish within the deadline
    └── AwaitingDns       manual dns-01: the TXT records are not visible yet

    Transient             the CA or DNS is unreachable for now: the attempt is tried again
    ├── AcmeUnavailable   (also an AcmeError, above)
    ├── AcmeTimeout       (also an AcmeError, above)
    └── DnsError          a DNS update or look-up failed (app/services/domains/dns.py)
"""

from __future__ import annotations

from typing import Any


class Transient(Exception):
    """Whatever means "unreachable for now", ACME or DNS: one except clause takes them all.
    Its problem document is what the record shows while the attempt waits."""

    retry_after: float | None = None  # seconds the CA asked to wait (its Retry-After)

    def problem(self) -> dict[str, Any]:
        return {"type": "casp:unavailable", "detail": str(self)}


class AcmeError(Exception):
    retry_after: float | None = None  # seconds the CA asked to wait (its Retry-After)

    def problem(self) -> dict[str, Any]:
        return {"type": "casp:" + type(self).__name__, "detail": str(self)}


class AcmeProblem(AcmeError):
    def __init__(self, problem: dict[str, Any]):
        self.doc = problem
        super().__init__(problem.get("detail") or problem.get("type") or "ACME error")

    def problem(self) -> dict[str, Any]:
        return self.doc


class ChallengeFailed(AcmeProblem):
    pass


class AcmeUnavailable(AcmeError, Transient):
    pass


class AcmeTimeout(AcmeError, Transient):
    pass


class AwaitingDns(AcmeError):
    pass
