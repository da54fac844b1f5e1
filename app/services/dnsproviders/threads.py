"""Where lexicon's synchronous calls run: a thread pool of their own, so that slow providers
never starve the default pool (ACME calls, key generation), and HTTP requests that time out."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests.adapters

T = TypeVar("T")
POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dns-provider")
_CALL = threading.local()  # on a POOL thread: the timeout of the call it runs


async def run(work: Callable[[], T], seconds: float) -> T:
    """`work` on a POOL thread, given up (TimeoutError) after `seconds`."""
    def call() -> T:
        _CALL.timeout = seconds
        return work()
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(POOL, call), seconds)


def _send_with_timeout(send: Callable[..., Any]) -> Callable[..., Any]:
    """Lexicon's providers call requests without a timeout, so a server that never answers
    would hold a POOL thread forever: a request made on one without a timeout gets the
    call's. Elsewhere nothing changes (certbot's acme sets its own timeouts)."""
    def wrapped(self: Any, request: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = getattr(_CALL, "timeout", None)
        return send(self, request, **kwargs)
    return wrapped


requests.adapters.HTTPAdapter.send = _send_with_timeout(  # type: ignore[method-assign]
    requests.adapters.HTTPAdapter.send)
