"""What the robustness tests share: a casp app driven from synchronous code (Hypothesis and
schemathesis tests are synchronous) in an event loop of its own, with no worker, no CA, no
DNS and nothing sent out (a DNS credential's check passes without a call); seeding a user's
data; row counts and a scan of the database for what hostile input may have left there; the
app of the hostile-input tests (their module-scoped `shared_app` fixture is in
tests/robustness/conftest.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tortoise.models import Model

from app import outbound
from app.acme.interface import Account
from app.clock import ManualClock
from app.config import Settings
from app.main import create_app
from app.runtime import current
from app.services.dnsproviders import apis
from app.services.domains import checks as domain_checks
from app.services.notifications.inbox import notify
from models import MODEL_MODULES
from models.certificate import Certificate
from tests.support import pg
from tests.support.app import OfflineAcme, make_settings, migrated
from tests.support.graphql import make_issued
from tests.support.lookup import FakeLookup
from tests.support.rest import PASSWORD, bearer
from tests.support.robustness import catalog

T = TypeVar("T")
ON_POSTGRES = bool(pg.suite_admin_url())  # the suite's second pass (CASP_TEST_DATABASE_URL)
CERTS = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
ACCOUNT = "/api/v1/account.php"
AUTH = "/api/v1/auth.php"
DEPLOYMENTS = "/api/v1/deployments.php"


class QuietAcme(OfflineAcme):
    """No CA: nothing issues; a revocation is accepted and remembered."""

    def __init__(self) -> None:
        self.revoked: list[int] = []

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        self.revoked.append(reason)


async def fake_resolve(host: str, port: int) -> list[str]:
    """Webhook hosts 'resolve' to a public address; nothing is ever sent (no worker)."""
    return ["8.8.8.8"]


async def no_fetch(*args: Any, **kwargs: Any) -> Any:
    raise httpx.ConnectError("the robustness tests send nothing out")


async def no_handshake(*args: Any, **kwargs: Any) -> Any:
    raise ConnectionRefusedError("the robustness tests send nothing out")


async def no_call(self: Any) -> None:
    """A DNS credential's check, taken as passed: the robustness tests send nothing out
    (tests/acme/test_dns_providers.py checks against real servers)."""


@dataclasses.dataclass
class Seeded:
    """One user's data: ids that exist, the token that owns them."""

    token: str
    user_id: int
    email: str
    domain_id: int
    pending_id: int  # a pending certificate
    issued_id: int  # an issued certificate with a key (downloadable, revocable)
    note_id: int
    dns_credential_id: int
    target_id: int  # a deployment target, the issued certificate attached


class SyncApp:
    """The app in a loop of its own: `call(method, url, ...)` returns an httpx.Response."""

    def __init__(self, settings: Settings, **app_kwargs: Any):
        self.loop = asyncio.new_event_loop()
        self.stack = AsyncExitStack()
        self.settings = settings
        self.clock = ManualClock()
        self.acme = QuietAcme()
        self.seeded: Seeded | None = None  # what a test seeded, for its own use
        self.token = ""
        self.client: httpx.AsyncClient = self.run(self._start(**app_kwargs))

    async def _start(self, **app_kwargs: Any) -> httpx.AsyncClient:
        await migrated(self.settings)
        app = create_app(self.settings, clock=self.clock, acme=self.acme, **app_kwargs)
        await self.stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        client.app = app  # type: ignore[attr-defined]
        return await self.stack.enter_async_context(client)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.client.request(method, url, **kwargs))

    def close(self) -> None:
        try:
            self.run(self.stack.aclose())
        finally:
            self.loop.close()

    def seed(self, email: str = "owner@example.com", domain: str = "example.com",
             issued: bool = True) -> Seeded:
        return self.run(seed(self.client, email, domain, issued=issued))

    def seed_owner(self) -> Seeded:
        """Seed an owner's data (`seed()`) and act as that owner from now on."""
        self.seeded = self.seed()
        self.token = self.seeded.token
        return self.seeded

    def counts(self) -> dict[str, int]:
        return self.run(row_counts())


async def new_user(client: httpx.AsyncClient, email: str, *domains: str) -> str:
    """Register, log in, add `domains`; the API token."""
    r = await client.post(f"{AUTH}?action=register",
                          json={"email": email, "password": PASSWORD, "name": "U"})
    assert r.status_code == 200, r.text
    r = await client.post(f"{AUTH}?action=login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["data"]["token"]
    for name in domains:
        r = await client.post(DOMAINS, json={"domain": name}, headers=bearer(token))
        assert r.status_code == 200, r.text
    return str(token)


async def seed(client: httpx.AsyncClient, email: str, domain: str,
               issued: bool = True) -> Seeded:
    """A user with a domain, a pending certificate, an issued one (with a real key, due for
    renewal; unless not `issued`: a second pending one), a notification about it."""
    token = await new_user(client, email, domain)
    headers = bearer(token)
    me = (await client.get(ACCOUNT, headers=headers)).json()["data"]
    dom = (await client.get(DOMAINS, headers=headers)).json()["data"]["domains"][0]
    ids = []
    for _ in range(2):
        r = await client.post(CERTS, headers=headers, json={
            "ca_provider": "letsencrypt", "domains": [domain, f"www.{domain}"]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["data"]["id"])
    if issued:
        await make_issued(ids[1])
        await Certificate.filter(id=ids[1]).update(auto_renew=True,
                                                   renew_at=current().clock.now())
    note = await notify(user_id=me["user_id"], type="expiring",
                        title=f"Expiring soon: {domain}", message=f"{domain} expires",
                        certificate_id=ids[1])
    assert note is not None
    r = await client.post(f"{ACCOUNT}?action=add-dns-credential", headers=headers, json={
        "provider": "powerdns", "label": "seeded", "zone": domain,
        "credentials": {"auth_token": "k", "pdns_server": "https://pdns.example.com"}})
    assert r.status_code == 200, r.text
    return Seeded(token, me["user_id"], email, dom["id"], ids[0], ids[1], note.id,
                  r.json()["data"]["id"],
                  await deployment_target(client, headers, domain, ids[1]))


async def deployment_target(client: httpx.AsyncClient, headers: dict[str, str], domain: str,
                            cert_id: int) -> int:
    """An SSH target named after `domain`, `cert_id` attached (no worker: nothing is sent)."""
    r = await client.post(DEPLOYMENTS, headers=headers, json={
        "name": f"web {domain}", "kind": "ssh", "host": f"deploy.{domain}",
        "username": "deploy", "private_key": catalog.SSH_KEY,
        "fullchain_path": "/etc/tls/fullchain.pem", "key_path": "/etc/tls/privkey.pem"})
    assert r.status_code == 201, r.text
    target_id = int(r.json()["data"]["id"])
    r = await client.post(f"{DEPLOYMENTS}?action=attach", headers=headers,
                          json={"id": target_id, "certificate_id": cert_id})
    assert r.status_code == 200, r.text
    return target_id


async def row_counts() -> dict[str, int]:
    """Rows of every table, in one query."""
    from tortoise import Tortoise

    tables = sorted(model._meta.db_table for model in all_models())
    # The table names are the models' own, not input.
    sql = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}") AS "{t}"'  # noqa: S608
                                for t in tables)
    _, rows = await Tortoise.get_connection("default").execute_query(sql)
    return {t: int(rows[0][t]) for t in tables}


async def stored_with(*markers: str) -> list[str]:
    """`table.column #pk` of every stored text (text, char and JSON columns) containing one
    of `markers`: what hostile input left in the database."""
    from tortoise import fields

    found = []
    for model in all_models():
        pk = model._meta.pk_attr
        columns = [name for name, f in model._meta.fields_map.items() if name != pk
                   and isinstance(f, fields.CharField | fields.TextField | fields.JSONField)]
        for row in await model.all().values(pk, *columns):
            for column in columns:
                text = json.dumps(row[column]) if not isinstance(row[column], str) \
                    else row[column]
                if text and any(m in text or json.dumps(m)[1:-1] in text for m in markers):
                    found.append(f"{model._meta.db_table}.{column} #{row[pk]}: "
                                 f"{text[:80]!r}")
    return found


def assert_clean_headers(response: httpx.Response) -> None:
    """No header of the answer carries CR, LF or NUL (no header splitting), none sets a
    cookie."""
    for name, value in response.headers.raw:
        assert not any(c in name + value for c in (b"\r", b"\n", b"\0")), (name, value)
        assert name.lower() != b"set-cookie", (name, value)


class Watch:
    """Row counts and hostile markers in the database, before and after a request."""

    def __init__(self, app: SyncApp, markers: tuple[str, ...] = ()):
        self.app, self.markers = app, markers
        self.before = app.counts()

    def changes(self) -> dict[str, int]:
        after = self.app.counts()
        return {t: after[t] - self.before[t] for t in after if after[t] != self.before[t]}

    def assert_nothing_stored(self) -> None:
        assert self.changes() == {}, self.changes()
        self.assert_no_markers()

    def assert_nothing_lost(self) -> None:
        lost = {t: n for t, n in self.changes().items() if n < 0}
        assert lost == {}, lost
        self.assert_no_markers()

    def assert_no_markers(self) -> None:
        if self.markers:
            stored = self.app.run(stored_with(*self.markers))
            assert stored == [], f"hostile input stored: {stored}"


def chunks(body: bytes, size: int = 65536) -> Any:
    async def gen() -> Any:
        for i in range(0, len(body), size):
            yield body[i:i + size]
    return gen()


DEEP = b"[" * 10_000 + b"]" * 10_000


def all_models() -> list[type[Model]]:
    found: dict[str, type[Model]] = {}
    for module_name in MODEL_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Model) and value is not Model
                    and value.__module__ == module_name):
                found[value.__name__] = value
    return list(found.values())


@contextmanager
def sync_app(tmp_path: Path, monkeypatch: Any, **overrides: Any) -> Iterator[SyncApp]:
    """A quiet casp (no worker, no CA, no DNS, nothing sent out) for synchronous tests."""
    monkeypatch.setattr(domain_checks, "lookup", FakeLookup)
    monkeypatch.setattr(outbound, "resolve", fake_resolve)
    monkeypatch.setattr(outbound, "fetch", no_fetch)
    monkeypatch.setattr(apis.LexiconApi, "check", no_call)
    monkeypatch.setattr(apis.Rfc2136Api, "check", no_call)
    monkeypatch.setattr(outbound, "tls_certificate", no_handshake)
    settings = make_settings(tmp_path / "data", embedded_worker=False,
                             rate_limit="100000/minute", **overrides)
    app = SyncApp(settings)
    try:
        yield app
    finally:
        app.close()


# Every budget out of the way: the hostile-input tests send many requests on purpose.
HOSTILE_SETTINGS = {"auth_rate_limit": "100000/minute", "auth_ip_rate_limit": "100000/minute",
                    "renew_wait_seconds": 0}
