"""Fixtures for REST tests that need no CA: the app without its worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from tests.support.app import OfflineAcme, quiet_settings, running


@pytest.fixture
async def quiet(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its embedded worker: certificates stay pending with a queued job."""
    async with running(quiet_settings(settings), clock, acme=OfflineAcme()) as c:
        yield c
