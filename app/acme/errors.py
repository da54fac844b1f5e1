"""Failures of ACME work, translated where foreign exceptions enter (client.py).

    AcmeError
    ├── AcmeProblem       the CA answered with a problem document (kept and shown)
    │   └── ChallengeFailed   an authorization turned invalid
    ├── AcmeUnavailable   network trouble or a transient CA error: retry later
    ├── AcmeTimeout       the CA did not finish within the deadline
    └── AwaitingDns       manual dns-01: the TXT records are not visible yet
"""

from __future__ import annotations

from typing import Any


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


class AcmeUnavailable(AcmeError):
    pass


class AcmeTimeout(AcmeError):
    pass


class AwaitingDns(AcmeError):
    pass
