"""Fixtures for REST tests that need no CA: the app without its worker."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.acme.ari import RenewalInfo
from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from tests.conftest import running


class OfflineAcme:
    """No CA is reachable here: reading a directory's meta answers False, nothing issues."""

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        raise AssertionError("these tests run without a worker")

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        raise AssertionError("these tests revoke nothing")

    async def external_account_required(self, directory_url: str) -> bool:
        return False

    async def renewal_info(self, directory_url: str, cert_pem: str) -> RenewalInfo | None:
        return None


def quiet_settings(settings: Settings, **overrides: Any) -> Settings:
    return dataclasses.replace(settings, embedded_worker=False, rate_limit="1000/minute",
                               **overrides)


@pytest.fixture
async def quiet(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its embedded worker: certificates stay pending with a queued job."""
    async with running(quiet_settings(settings), clock, acme=OfflineAcme()) as c:
        yield c
