"""Another user's data: every REST action and every GraphQL query, mutation and subscription
that takes an id answers a second user NOT_FOUND for the first user's ids, the very answer
an id that does not exist gets (byte for byte but the id in the message), and changes
nothing; every list (REST GET without an id, GraphQL query without arguments) shows the
second user none of the first user's rows.

The actions are read from the OpenAPI document and the operations from schema.graphql, so a
new one is covered without an edit here (or fails: an id of a kind nobody seeds)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import uvicorn

from app.clock import ManualClock
from app.config import Settings
from app.main import create_app
from app.rest.openapi import document
from app.rest.v1 import RESOURCES
from app.runtime import current
from app.services.certificates.saving import save
from models.certificate import Certificate, RenewalEvent
from tests.support.app import migrated, quiet_settings, running
from tests.support.gqlws import Subscriber, subscriber
from tests.support.net import free_port
from tests.support.rest import bearer, body_branches
from tests.support.robustness import catalog
from tests.support.robustness.harness import (
    FakeLookup,
    QuietAcme,
    Seeded,
    fake_resolve,
    no_call,
    no_fetch,
    no_handshake,
    row_counts,
    seed,
)

ALPHA, BRAVO = "alpha-owner.com", "bravo-other.com"  # "alpha" marks the owner's rows
SCHEMA = graphql.build_schema(
    (Path(__file__).resolve().parents[2] / "schema.graphql").read_text())


# What takes an id, read from the document and the schema

def rest_id_actions(doc: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    """(method, path, action, where the id goes) of every action that takes an id."""
    found = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            action_param = next((p for p in op["parameters"] if p["name"] == "action"), None)
            actions: list[str | None] = list(action_param["schema"]["enum"]) if action_param \
                else []
            if action_param is None or not action_param["required"]:
                actions.insert(0, None)
            query_id = any(p["name"] == "id" for p in op["parameters"])
            branches = body_branches(doc, path, method)
            for action in actions:
                title = f"action={action}" if action else "no action"
                branch = next((b for b in branches if b["x-casp-action"] == title), {})
                if "id" in branch.get("properties", {}):
                    found.append((method.upper(), path, action, "body"))
                elif query_id and method in {"get", "delete"} and _reads_id(
                        method.upper(), path, action):
                    found.append((method.upper(), path, action, "query"))
    return found


def _reads_id(method: str, path: str, action: str | None) -> bool:
    """The document merges the query parameters of a GET's (or DELETE's) actions, so it
    shows `id` for all of them; the declarations say which one reads it (not ca-providers)."""
    return any(c.param("id") for c in catalog.calls()
               if (c.method, c.path, c.action) == (method, path, action))


REST_ID_ACTIONS = rest_id_actions(document(RESOURCES))
# What the README lists; the generated list must hold at least these.
EXPECTED_REST = {
    ("GET", "/api/v1/certificates.php", None), ("GET", "/api/v1/certificates.php", "download"),
    ("POST", "/api/v1/certificates.php", "verify"), ("POST", "/api/v1/certificates.php",
                                                     "revoke"),
    ("POST", "/api/v1/certificates.php", "renew"), ("DELETE", "/api/v1/certificates.php", None),
    ("GET", "/api/v1/domains.php", None), ("POST", "/api/v1/domains.php", "verify"),
    ("DELETE", "/api/v1/domains.php", None),
    ("POST", "/api/v1/notifications.php", "mark-read"),
}


def graphql_id_fields() -> list[tuple[str, str]]:
    found = []
    for root in (SCHEMA.query_type, SCHEMA.mutation_type, SCHEMA.subscription_type):
        assert root is not None
        for name, field in root.fields.items():
            if "id" in field.args:
                found.append((root.name, name))
    return found


GRAPHQL_ID_FIELDS = graphql_id_fields()
EXPECTED_GRAPHQL = {
    ("Query", "certificate"), ("Query", "certificateDownload"), ("Query", "domain"),
    ("Mutation", "verifyDomain"), ("Mutation", "deleteDomain"),
    ("Mutation", "verifyCertificate"), ("Mutation", "renewCertificate"),
    ("Mutation", "revokeCertificate"), ("Mutation", "deleteCertificate"),
    ("Mutation", "markNotificationRead"), ("Subscription", "certificateEvents"),
}


def graphql_kind(name: str) -> str:
    lowered = name.lower()
    for word, kind in (("deploymenttarget", "target"), ("notification", "notification"),
                       ("certificate", "certificate"), ("domain", "domain"),
                       ("dnscredential", "dns_credential")):
        if word in lowered:
            return kind
    raise AssertionError(f"{name} takes an id of a kind the tests do not seed: add it")


def test_every_id_taking_action_is_listed():
    assert {(m, p, a) for m, p, a, _ in REST_ID_ACTIONS} >= EXPECTED_REST
    assert set(GRAPHQL_ID_FIELDS) >= EXPECTED_GRAPHQL
    for _, path, _, _ in REST_ID_ACTIONS:
        catalog.id_kind(path)  # every one has ids the tests seed
    for _, name in GRAPHQL_ID_FIELDS:
        graphql_kind(name)


# Two users, each with data

@dataclasses.dataclass
class Pair:
    client: httpx.AsyncClient
    owner: Seeded  # alpha: a domain, a pending and an issued certificate, a notification
    other: Seeded  # bravo: the same, its second certificate pending too
    acme: QuietAcme

    def ids(self, kind: str) -> list[int]:
        return {"certificate": [self.owner.pending_id, self.owner.issued_id],
                "domain": [self.owner.domain_id],
                "notification": [self.owner.note_id],
                "dns_credential": [self.owner.dns_credential_id],
                "target": [self.owner.target_id]}[kind]


async def seed_pair(client: httpx.AsyncClient, acme: QuietAcme) -> Pair:
    owner = await seed(client, "alpha@example.com", ALPHA)
    other = await seed(client, "bravo@example.com", BRAVO, issued=False)
    now = current().clock.now()
    for succeeded in (True, False):  # the owner's renewal history, for renewal.php
        await RenewalEvent.create(user_id=owner.user_id, certificate_id=owner.issued_id,
                                  ca_provider="letsencrypt", succeeded=succeeded,
                                  created_at=now - timedelta(days=1))
    return Pair(client, owner, other, acme)


def quiet(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    from app import outbound
    from app.services.dnsproviders import apis
    from app.services.domains import checks as domain_checks

    monkeypatch.setattr(domain_checks, "lookup", FakeLookup)
    monkeypatch.setattr(outbound, "resolve", fake_resolve)
    monkeypatch.setattr(outbound, "fetch", no_fetch)
    monkeypatch.setattr(apis.LexiconApi, "check", no_call)
    monkeypatch.setattr(outbound, "tls_certificate", no_handshake)
    return quiet_settings(settings, renew_wait_seconds=0)


@pytest.fixture
async def pair(settings: Settings, clock: ManualClock,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pair]:
    acme = QuietAcme()
    async with running(quiet(monkeypatch, settings), clock, acme=acme) as client:
        yield await seed_pair(client, acme)


async def owner_view(pair: Pair) -> dict[str, Any]:
    """Everything the owner can read, to compare before and after the other user's calls."""
    h = bearer(pair.owner.token)
    c = pair.client
    view = {path: (await c.get(path, headers=h)).json() for path in (
        "/api/v1/certificates.php", "/api/v1/domains.php", "/api/v1/notifications.php",
        "/api/v1/renewal.php", "/api/v1/account.php")}
    for cid in pair.ids("certificate"):
        view[f"cert {cid}"] = (await c.get("/api/v1/certificates.php", params={"id": cid},
                                           headers=h)).json()
    return view


def without_id(answer: Any, ident: int) -> str:
    """An answer (JSON text or data) with `ident` replaced in its messages, as JSON text."""
    data = json.loads(answer) if isinstance(answer, str) else answer

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if key == "message" and isinstance(node, str):
            return re.sub(rf"(?<![0-9]){ident}(?![0-9])", "<id>", node)
        return node

    return json.dumps(walk(data), sort_keys=True)


UNKNOWN = 987_654  # an id no row has (the tests make a few dozen rows)
VOLATILE = {"x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "content-length"}


# REST

@pytest.mark.parametrize(("method", "path", "action", "where"), REST_ID_ACTIONS,
                         ids=[f"{m}-{p.rsplit('/', 1)[-1]}-{a or ''}"
                              for m, p, a, _ in REST_ID_ACTIONS])
async def test_rest_another_users_id_is_not_found(pair: Pair, method: str, path: str,
                                                  action: str | None, where: str):
    c, h = pair.client, bearer(pair.other.token)

    async def call(ident: Any) -> httpx.Response:
        params = {"action": action} if action else {}
        if where == "query":
            return await c.request(method, path, params={**params, "id": ident}, headers=h)
        return await c.request(method, path, params=params, json={"id": ident}, headers=h)

    before, counts = await owner_view(pair), await row_counts()
    for theirs in pair.ids(catalog.id_kind(path)):
        unknown = await call(UNKNOWN)
        assert unknown.status_code == 404, unknown.text
        assert unknown.json()["error"]["code"] == "NOT_FOUND"
        for sent in (theirs, str(theirs)):  # ids as 7 or "7"
            r = await call(sent)
            assert r.status_code == 404, r.text
            assert without_id(r.text, theirs) == without_id(unknown.text, UNKNOWN), (
                r.text, unknown.text)
            assert {k: v for k, v in r.headers.items() if k not in VOLATILE} == {
                k: v for k, v in unknown.headers.items() if k not in VOLATILE}
    assert await owner_view(pair) == before
    assert await row_counts() == counts
    assert pair.acme.revoked == []


async def test_rest_lists_show_only_ones_own_rows(pair: Pair):
    c, h = pair.client, bearer(pair.other.token)
    for call in catalog.calls():
        if call.method != "GET" or not call.auth or any(p.required for p in call.params):
            continue
        query = {"action": call.action} if call.action else {}
        for extra in ({}, {"search": "alpha"}, {"domain": ALPHA}, {"status": "issued"},
                      {"per_page": 100}, {"unread_only": "true"}):
            params = {**query, **{k: v for k, v in extra.items() if call.param(k)}}
            r = await c.get(call.path, params=params, headers=h)
            assert r.status_code == 200, (call.id, r.text)
            assert "alpha" not in r.text.lower(), (call.id, params, r.text)
    certs = (await c.get("/api/v1/certificates.php", headers=h)).json()["data"]
    assert {x["id"] for x in certs["certificates"]} == {pair.other.pending_id,
                                                       pair.other.issued_id}
    assert certs["total"] == 2
    domains = (await c.get("/api/v1/domains.php", headers=h)).json()["data"]
    assert [d["id"] for d in domains["domains"]] == [pair.other.domain_id]
    notes = (await c.get("/api/v1/notifications.php", headers=h)).json()["data"]
    assert [n["id"] for n in notes["notifications"]] == [pair.other.note_id]
    assert notes["unread_count"] == notes["total"] == 1
    stats = (await c.get("/api/v1/renewal.php", headers=h)).json()["data"]
    assert stats == {"successful_renewals": 0, "pending_renewals": 0, "failed_renewals": 0,
                     "next_renewal_at": None, "expiring_within_30_days": 0, "by_ca": {}}
    mine = (await c.get("/api/v1/renewal.php", headers=bearer(pair.owner.token))).json()
    assert mine["data"]["successful_renewals"] == mine["data"]["failed_renewals"] == 1
    assert mine["data"]["pending_renewals"] == mine["data"]["expiring_within_30_days"] == 1


async def test_mark_all_read_marks_only_ones_own(pair: Pair):
    r = await pair.client.post("/api/v1/notifications.php?action=mark-read",
                               json={"id": "all"}, headers=bearer(pair.other.token))
    assert r.json() == {"success": True}
    mine = (await pair.client.get("/api/v1/notifications.php",
                                  headers=bearer(pair.owner.token))).json()["data"]
    assert mine["unread_count"] == 1


# GraphQL

async def gql(client: httpx.AsyncClient, token: str, query: str,
              **variables: Any) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query, "variables": variables},
                          headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def id_operation(root: str, name: str) -> str:
    keyword = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}[root]
    return f"{keyword}($id: Int!) {{ {name}(id: $id) {{ __typename }} }}"


@pytest.mark.parametrize(("root", "name"), [f for f in GRAPHQL_ID_FIELDS
                                            if f[0] != "Subscription"],
                         ids=[n for r, n in GRAPHQL_ID_FIELDS if r != "Subscription"])
async def test_graphql_another_users_id_is_not_found(pair: Pair, root: str, name: str):
    query = id_operation(root, name)
    before, counts = await owner_view(pair), await row_counts()
    unknown = await gql(pair.client, pair.other.token, query, id=UNKNOWN)
    assert unknown["data"] is None, unknown
    assert unknown["errors"][0]["extensions"] == {"code": "NOT_FOUND"}, unknown
    for theirs in pair.ids(graphql_kind(name)):
        answer = await gql(pair.client, pair.other.token, query, id=theirs)
        assert without_id(answer, theirs) == without_id(unknown, UNKNOWN)
    assert await owner_view(pair) == before
    assert await row_counts() == counts
    assert pair.acme.revoked == []


def selection(type_: Any, depth: int = 3) -> str:
    """Every field of an object type, nested `depth` levels (fields with required
    arguments left out)."""
    type_ = graphql.get_named_type(type_)
    if not isinstance(type_, graphql.GraphQLObjectType):
        return ""
    parts = []
    for name, field in type_.fields.items():
        if any(graphql.is_required_argument(a) for a in field.args.values()):
            continue
        inner = graphql.get_named_type(field.type)
        if isinstance(inner, graphql.GraphQLObjectType):
            if depth > 1:
                parts.append(f"{name} {{ {selection(inner, depth - 1)} }}")
        else:
            parts.append(name)
    return " ".join(parts)


LIST_QUERIES = [name for name, field in (SCHEMA.query_type.fields.items()
                                         if SCHEMA.query_type else [])
                if not any(graphql.is_required_argument(a) for a in field.args.values())]


@pytest.mark.parametrize("name", LIST_QUERIES)
async def test_graphql_lists_show_only_ones_own_rows(pair: Pair, name: str):
    assert SCHEMA.query_type is not None
    field = SCHEMA.query_type.fields[name]
    inner = selection(field.type)
    query = f"{{ {name} {{ {inner} }} }}" if inner else f"{{ {name} }}"
    answer = await gql(pair.client, pair.other.token, query)
    assert "errors" not in answer, answer
    assert "alpha" not in json.dumps(answer).lower(), answer
    if name == "renewalStats":
        stats = answer["data"]["renewalStats"]
        assert (stats["successfulRenewals"], stats["failedRenewals"],
                stats["pendingRenewals"], stats["expiringWithin30Days"],
                stats["byCa"]) == (0, 0, 0, 0, [])


async def test_two_owners_of_one_name_see_only_their_own(pair: Pair):
    """A name both users added: each certificate's domainRecords, the search and deleting
    one's own domain see only one's own rows."""
    c = pair.client
    shared = "shared-name.com"
    ids = {}
    for who in (pair.owner, pair.other):
        r = await c.post("/api/v1/domains.php", json={"domain": shared},
                         headers=bearer(who.token))
        assert r.status_code == 200, r.text
        ids[who.email] = r.json()["data"]["id"]
    r = await c.post("/api/v1/certificates.php", headers=bearer(pair.owner.token),
                     json={"ca_provider": "letsencrypt", "domains": [shared]})
    assert r.status_code == 201
    owner_cert = r.json()["data"]["id"]
    r = await c.post("/api/v1/certificates.php", headers=bearer(pair.other.token),
                     json={"ca_provider": "letsencrypt", "domains": [f"www.{shared}"]})
    other_cert = r.json()["data"]["id"]
    q = "query($id: Int!) { certificate(id: $id) { domainRecords { id domain } } }"
    for who, cert in ((pair.owner, owner_cert), (pair.other, other_cert)):
        records = (await gql(c, who.token, q, id=cert))["data"]["certificate"]
        assert records["domainRecords"] == [{"id": ids[who.email], "domain": shared}]
    many = "{ certificates(perPage: 100) { certificates { id domainRecords { id } } } }"
    listed = (await gql(c, pair.other.token, many))["data"]["certificates"]["certificates"]
    assert ids[pair.owner.email] not in {d["id"] for x in listed for d in x["domainRecords"]}
    search = (await c.get("/api/v1/certificates.php", params={"search": shared},
                          headers=bearer(pair.other.token))).json()["data"]
    assert [x["id"] for x in search["certificates"]] == [other_cert]
    # The owner's live certificate for the name does not hold the other's domain back...
    r = await c.request("DELETE", "/api/v1/domains.php", params={"id": ids[pair.other.email]},
                        headers=bearer(pair.other.token))
    assert r.status_code == 400  # ...their own live certificate does (www.shared-name.com)
    await c.request("DELETE", "/api/v1/certificates.php", params={"id": other_cert},
                    headers=bearer(pair.other.token))
    r = await c.request("DELETE", "/api/v1/domains.php", params={"id": ids[pair.other.email]},
                        headers=bearer(pair.other.token))
    assert r.status_code == 200, r.text
    r = await c.get("/api/v1/domains.php", params={"id": ids[pair.owner.email]},
                    headers=bearer(pair.owner.token))
    assert r.status_code == 200


# The subscription, over a real socket

@asynccontextmanager
async def served(settings: Settings, clock: ManualClock,
                 acme: QuietAcme) -> AsyncIterator[httpx.AsyncClient]:
    """casp on a loopback port (WebSockets need a server), with the quiet CA."""
    port = free_port()
    await migrated(settings)
    app = create_app(settings, clock=clock, acme=acme)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="on", access_log=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            yield c
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest.mark.slow  # about 2 s
async def test_subscription_to_another_users_certificate(settings: Settings,
                                                         clock: ManualClock,
                                                         monkeypatch: pytest.MonkeyPatch):
    acme = QuietAcme()
    async with served(quiet(monkeypatch, settings), clock, acme) as client:
        pair = await seed_pair(client, acme)
        base = str(client.base_url)
        query = id_operation("Subscription", "certificateEvents")
        answers = {}
        async with subscriber(base, pair.other.token) as sub:
            for ident in (UNKNOWN, pair.owner.pending_id, pair.owner.issued_id):
                op = await sub.subscribe(query, {"id": ident})
                message = await sub.receive(within=10)
                assert message["id"] == op, message
                answers[ident] = without_id({**message, "id": "op"}, ident)
                if message["type"] == "next":  # an error as data: the operation completes
                    assert (await sub.receive(within=10))["type"] == "complete"
            assert "NOT_FOUND" in answers[UNKNOWN], answers
            assert answers[pair.owner.pending_id] == answers[UNKNOWN]
            assert answers[pair.owner.issued_id] == answers[UNKNOWN]
            # Subscribed to all of its own, the other user hears only of its own pending
            # certificates (their state on subscribing), none of the owner's: not the owner's
            # state on subscribing, nor its revocation, failed attempt or new renewal time.
            everything = "subscription { certificateEvents { certificateId status changed } }"
            async with subscriber(base, pair.owner.token) as owner_sub:
                mine = await owner_sub.subscribe(everything)
                theirs = await sub.subscribe(everything)
                await asyncio.sleep(0.2)
                await owner_changes(pair)
                heard_ids = [(await owner_sub.receive(within=10))["payload"]["data"][
                    "certificateEvents"]["certificateId"] for _ in range(4)]
                assert heard_ids == [pair.owner.pending_id, pair.owner.issued_id,
                                     pair.owner.pending_id, pair.owner.issued_id], heard_ids
                told = await all_received(sub)
                assert {m["id"] for m in told} == {theirs}, told
                assert sorted(m["payload"]["data"]["certificateEvents"]["certificateId"]
                              for m in told) == [pair.other.pending_id, pair.other.issued_id], (
                    f"the other user heard what is not its own: {told} (owner's op {mine})")


async def all_received(sub: Subscriber, within: float = 1.5) -> list[dict[str, Any]]:
    """Every message until none comes for `within` seconds."""
    told = []
    while True:
        try:
            told.append(await sub.receive(within=within))
        except TimeoutError:
            return told


async def owner_changes(pair: Pair) -> None:
    """The owner's certificates change: revoked; a failed attempt that sets only lastError;
    a renewal moment moved."""
    r = await pair.client.post("/api/v1/certificates.php?action=revoke",
                               json={"id": pair.owner.issued_id},
                               headers=bearer(pair.owner.token))
    assert r.status_code == 200, r.text
    pending = await Certificate.get(id=pair.owner.pending_id)
    await save(pending, last_error={"type": "casp:unavailable", "detail": "CA away"})
    issued = await Certificate.get(id=pair.owner.issued_id)
    await save(issued, auto_renew=True, renew_at=current().clock.now() + timedelta(days=9))
