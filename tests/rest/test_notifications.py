"""notifications.php: the inbox, its filters and counts, mark-read exactly as the seed."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.services.notifications.inbox import notify
from models.user import User
from tests.support.app import running
from tests.support.rest import assert_error, bearer, login, register

URL = "/api/v1/notifications.php"


@pytest.fixture
async def quiet(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with running(dataclasses.replace(settings, embedded_worker=False), clock) as c:
        yield c


async def _user(client: httpx.AsyncClient, email: str) -> tuple[int, str]:
    data = await register(client, email)
    return data["user_id"], await login(client, email)


async def test_inbox_lists_newest_first_with_counts(quiet: httpx.AsyncClient,
                                                    clock: ManualClock):
    uid, token = await _user(quiet, "n@example.com")
    for i in range(3):
        await notify(user_id=uid, type="certificate_issued", title=f"t{i}", message=f"m{i}",
                     certificate_id=i + 1)
        clock.advance(seconds=1)
    r = await quiet.get(URL, headers=bearer(token))
    data = r.json()["data"]
    assert [n["title"] for n in data["notifications"]] == ["t2", "t1", "t0"]
    assert data["unread_count"] == 3 and data["total"] == 3
    first = data["notifications"][0]
    assert set(first) == {"id", "type", "title", "message", "certificate_id", "read",
                          "created_at"}
    assert first["read"] is False and first["certificate_id"] == 3
    page = (await quiet.get(URL, params={"per_page": 2, "page": 2},
                            headers=bearer(token))).json()["data"]
    assert [n["title"] for n in page["notifications"]] == ["t0"] and page["pages"] == 2


async def test_mark_read_answers_exactly_the_seed(quiet: httpx.AsyncClient):
    uid, token = await _user(quiet, "m@example.com")
    note = await notify(user_id=uid, type="revoked", title="x", message="y")
    assert note is not None
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(token), json={"id": note.id})
    assert r.status_code == 200 and r.json() == {"success": True}
    data = (await quiet.get(URL, headers=bearer(token))).json()["data"]
    assert data["unread_count"] == 0 and data["notifications"][0]["read"] is True
    # ids as strings and forms work too; marking twice is fine
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(token),
                         data={"id": str(note.id)})
    assert r.json() == {"success": True}


async def test_mark_all_read_and_unread_filter(quiet: httpx.AsyncClient):
    uid, token = await _user(quiet, "a@example.com")
    for i in range(3):
        await notify(user_id=uid, type="expired", title=f"e{i}", message="m")
    unread = await quiet.get(URL, params={"unread_only": "true"}, headers=bearer(token))
    assert unread.json()["data"]["total"] == 3
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(token), json={"id": "all"})
    assert r.json() == {"success": True}
    unread = await quiet.get(URL, params={"unread_only": "1"}, headers=bearer(token))
    assert unread.json()["data"]["total"] == 0
    assert unread.json()["data"]["unread_count"] == 0


async def test_other_users_notifications(quiet: httpx.AsyncClient):
    alice, _ = await _user(quiet, "alice@example.com")
    _, bob_token = await _user(quiet, "bob@example.com")
    note = await notify(user_id=alice, type="expiring", title="x", message="y")
    assert note is not None
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(bob_token),
                         json={"id": note.id})
    assert assert_error(r, 404, "NOT_FOUND")["message"] == f"notification {note.id} not found"
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(bob_token),
                         json={"id": 999999})
    assert assert_error(r, 404, "NOT_FOUND")["message"] == "notification 999999 not found"
    assert (await quiet.get(URL, headers=bearer(bob_token))).json()["data"]["total"] == 0
    assert not (await User.get(id=alice).prefetch_related("notifications")).notifications[0].read


@pytest.mark.parametrize(("body", "what"), [
    ({}, "required"), ({"id": "abc"}, "notification id"), ({"id": [1]}, "string"),
    ({"id": True}, "string"), ({"id": "²"}, "notification id"),
    ({"id": "9" * 20}, "notification id"), ({"id": 10**30}, "notification id"),
])
async def test_mark_read_bad_ids(quiet: httpx.AsyncClient, body: dict, what: str):
    _, token = await _user(quiet, "b@example.com")
    r = await quiet.post(f"{URL}?action=mark-read", headers=bearer(token), json=body)
    assert what in assert_error(r, 400, "VALIDATION_ERROR")["message"]


async def test_dedupe_key_sends_once(quiet: httpx.AsyncClient):
    uid, token = await _user(quiet, "d@example.com")
    first = await notify(user_id=uid, type="expiring", title="t", message="m", dedupe_key="k1")
    again = await notify(user_id=uid, type="expiring", title="t", message="m", dedupe_key="k1")
    assert first is not None and again is None
    assert (await quiet.get(URL, headers=bearer(token))).json()["data"]["total"] == 1


async def test_inbox_needs_a_token(quiet: httpx.AsyncClient):
    assert_error(await quiet.get(URL), 401, "UNAUTHORIZED")
    r = await quiet.get(URL, params={"per_page": 500}, headers={"Authorization": "Bearer x"})
    assert_error(r, 401, "UNAUTHORIZED")
