"""Shared by the schemathesis tests: Hypothesis settings for a bounded, reproducible run, and
the bookkeeping that lets a run go on past a failure and report every kind it saw.

Each generated case is sent through httpx to the app running in-process (harness.SyncApp),
then checked with schemathesis' own checks. A failure that is a known finding (listed with
the xfail test that pins it down, see KnownFinding) is counted but does not fail the fuzz
test; anything else does, with one example of each kind."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.failures import FailureGroup

# Cases per operation and generation mode. CASP_ROBUSTNESS_EXAMPLES raises the budget for a
# longer local run (e.g. 500); CI keeps the default, about 30 s of CPU for both APIs.
EXAMPLES = int(os.environ.get("CASP_ROBUSTNESS_EXAMPLES") or 20)

# Both generation modes, for `@pytest.mark.parametrize("mode", MODES, ids=str)`.
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def budget(examples: int = EXAMPLES) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same cases on every run: CI is reproducible
        database=None,  # no .hypothesis/ directory left in the tree
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )

def to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis' requests-style call, prepared exactly as requests would send it."""
    kwargs = {k: v for k, v in kwargs.items() if k not in {"cookies"}}
    prepared = requests.Request(**kwargs).prepare()
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    return {"method": prepared.method, "url": prepared.url, "headers": headers,
            "content": body}


@dataclass(frozen=True)
class KnownFinding:
    """A failure already reported (see the xfail test named `test`): predicate over what
    was sent and what came back, and the failure titles it explains."""

    name: str
    test: str
    applies: Callable[[httpx.Response], bool]


@dataclass
class Tally:
    """What one fuzz run saw: answers by status, failures by kind (one example each)."""

    statuses: dict[int, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    examples: int = 0

    def answer(self, response: httpx.Response) -> None:
        self.examples += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    def failed(self, kinds: list[str], response: httpx.Response, detail: str,
               known: list[KnownFinding]) -> None:
        explained = next((k for k in known if k.applies(response)), None)
        if explained is not None:
            self.known[explained.name] = self.known.get(explained.name, 0) + 1
            return
        for kind in kinds:
            self.unknown.setdefault(kind, detail)

    def report(self) -> str:
        lines = [f"{self.examples} cases; statuses {dict(sorted(self.statuses.items()))}; "
                 f"known findings seen {self.known}"]
        for kind, detail in self.unknown.items():
            lines.append(f"--- {kind}\n{detail}")
        return "\n".join(lines)


def describe(request: httpx.Request, response: httpx.Response, message: str = "") -> str:
    body = request.content[:600].decode("utf-8", "replace")
    return (f"{request.method} {request.url}\nrequest body: {body}\n"
            f"-> {response.status_code} {response.headers.get('content-type')}\n"
            f"{response.text[:600]}\n{message[:1500]}")


def validate(tally: Tally, case: Any, response: httpx.Response, checks: list[Any],
             operation: str, known: list[KnownFinding]) -> None:
    """Run schemathesis' `checks` on one answer; count its failures in `tally` by kind
    (the failure title and `operation`), with one example of each."""
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        kinds = sorted({f"{f.title} ({operation})" for f in group.exceptions})
        message = "\n".join(f"{f.title}: {f.message}" for f in group.exceptions)
        tally.failed(kinds, response, describe(response.request, response, message), known)
