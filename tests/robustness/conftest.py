"""Fixtures of the robustness tests; what they share otherwise is tests/support/robustness/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import pg
from tests.support.robustness.harness import HOSTILE_SETTINGS, ON_POSTGRES, SyncApp, sync_app


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncApp]:
    """One quiet casp per module, seeded with an owner's data, for the hostile-input tests
    (hundreds of small requests; a fresh app for each would cost more than the requests).
    Module-scoped, it is made before the function-scoped `_isolated` clears its list of
    databases to drop, so its PostgreSQL database is released here."""
    path = Path(tmp_path_factory.mktemp("robustness"))
    with pytest.MonkeyPatch.context() as mp, sync_app(path, mp, **HOSTILE_SETTINGS) as app:
        app.seed_owner()
        url = app.settings.database_url
        yield app
    if ON_POSTGRES and url:
        pg.databases().release(url)
