"""What running casp against another ACME server (acme2certifier) found, against Pebble
behind a proxy that acts like that server (tests/support/acmeproxy.py): a failed challenge
keeps its reason when the CA leaves `error` out of the authorization, and every request to
the CA (directory, ACME, renewalInfo) names casp in its User-Agent."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from tests.support.acme import casp_settings, issue_http01, unreachable_http01, user_token
from tests.support.acmeproxy import AcmeProxy
from tests.support.ari import AriStub, Window
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers


@pytest.fixture
def proxy(ca: PebbleServer) -> Iterator[AcmeProxy]:
    with AcmeProxy(ca) as p:
        yield p


def through(tmp: Path, ca: PebbleServer, bind: BindServer, port: int,
            directory: str) -> Settings:
    """casp issuing from `directory` as "letsencrypt" (Pebble behind the proxy or stub)."""
    settings = casp_settings(tmp, ca, bind, port)
    return dataclasses.replace(settings, ca_directories={
        **settings.ca_directories, "letsencrypt": directory})


async def failed_problem(tmp: Path, ca: PebbleServer, bind: BindServer, port: int,
                         proxy: AcmeProxy) -> dict[str, Any]:
    """The last_error of an http-01 request the CA cannot validate."""
    settings = through(tmp, ca, bind, port, proxy.directory_url)
    async with live_casp(settings, port) as client:
        done = await unreachable_http01(client, await user_token(client),
                                        "nowhere-interop.test")
    assert done["status"] == "failed"
    assert proxy.stripped, "no answer was stripped of its error"
    return dict(done["last_error"])


async def test_a_failed_challenge_is_named_when_the_ca_leaves_its_error_out(
        tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int,
        proxy: AcmeProxy):
    """It said "authorization for X is invalid", with no type, URL or reason."""
    proxy.strip_errors_from = ("/authZ/",)
    problem = await failed_problem(tmp_path / "data", ca, bind_server, port, proxy)
    # The CA's own problem, read from the challenge, naming the challenge.
    assert problem["type"].startswith("urn:ietf:params:acme:error:"), problem
    assert "www.nowhere-interop.test" in problem["detail"], problem
    challenge = problem["challenge"]
    assert challenge["type"] == "http-01" and challenge["status"] == "invalid", problem
    assert challenge["url"].startswith(f"https://{proxy.origin}/chalZ/"), problem


async def test_every_request_to_the_ca_names_casp(tmp_path: Path, ca: PebbleServer,
                                                 bind_server: BindServer, port: int,
                                                 proxy: AcmeProxy):
    """renewalInfo went out as python-requests/x.y: the directory, every ACME request and
    renewalInfo carry casp's User-Agent."""
    clock = ManualClock()
    with AriStub(proxy.directory_url, ca.ca_bundle) as stub:
        proxy.seen.clear()  # the stub's own copy of the directory
        stub.window = Window(clock.now() + timedelta(days=20), clock.now() + timedelta(days=22))
        settings = through(tmp_path / "data", ca, bind_server, port, stub.directory_url)
        async with live_casp(settings, port, clock) as client:
            token = await user_token(client)
            await issue_http01(client, token, "ua")
            clock.advance(hours=1)  # renewalInfo is asked once the renewal floor has passed
            await enqueue("sweep", {}, key="sweep")
            for _ in range(100):
                if stub.asked:
                    break
                await asyncio.sleep(0.1)
    paths = [path for path, _ in stub.seen]
    assert "/directory" in paths and any(p.startswith("/renewal-info/") for p in paths), paths
    acme = {(s.method, s.path.split("/")[1]) for s in proxy.seen}
    assert {("HEAD", "nonce-plz"), ("POST", "sign-me-up"), ("POST", "order-plz"),
            ("POST", "authZ"), ("POST", "chalZ"), ("POST", "certZ")} <= acme, acme
    agents = {agent for _, agent in stub.seen} | {s.user_agent for s in proxy.seen}
    assert len(agents) == 1 and agents.pop().startswith(f"casp/{__version__} "), agents


async def test_a_failed_challenge_without_any_reason_is_still_named(
        tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int,
        proxy: AcmeProxy):
    proxy.strip_errors_from = ("/authZ/", "/chalZ/")
    problem = await failed_problem(tmp_path / "data", ca, bind_server, port, proxy)
    url = problem["challenge"]["url"]
    assert url.startswith(f"https://{proxy.origin}/chalZ/"), problem
    assert problem == {
        "type": "casp:authorizationInvalid", "identifier": "www.nowhere-interop.test",
        "challenge": {"type": "http-01", "url": url, "status": "invalid"},
        "detail": f"authorization for www.nowhere-interop.test is invalid: its http-01 "
                  f"challenge ({url}) is invalid and the CA gave no reason"}, problem
