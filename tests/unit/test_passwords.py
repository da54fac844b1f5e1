from __future__ import annotations

from app.config import Settings
from app.passwords import Passwords

FAST = Settings(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


async def test_hash_is_argon2id_and_verifies():
    pw = Passwords(FAST)
    stored = await pw.hash("Secr3t-pass")
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert await pw.verify(stored, "Secr3t-pass")
    assert not await pw.verify(stored, "wrong")
    assert not await pw.verify("not-a-hash", "x")


async def test_unknown_user_still_runs_a_verification():
    pw = Passwords(FAST)
    calls: list[str] = []

    class Spy:
        def __init__(self, inner: object):
            self.inner = inner

        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return self.inner.verify(stored, password)  # type: ignore[attr-defined]

    pw._hasher = Spy(pw._hasher)  # type: ignore[assignment]
    assert not await pw.verify(None, "casp-timing-equaliser")  # even the dummy's own password
    assert calls == [pw._dummy]


def test_rehash_needed_when_parameters_change():
    old = Passwords(FAST)
    new = Passwords(Settings(argon2_time_cost=2, argon2_memory_kib=1024, argon2_parallelism=1))
    stored = old._hasher.hash("x")
    assert new.needs_rehash(stored) and not old.needs_rehash(stored)
