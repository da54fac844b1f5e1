"""Due-selection and scale benchmark: the scheduled sweep's selections (due renewals, due ARI
checks, certificates to mark expired, expiry warnings) over up to 1,000,000 certificates, on
SQLite and on PostgreSQL, through casp's own queries; whether a tick's cost stays flat while
the certificates that are not due grow; and (issue 7, Scale) the certificate list page's
p50/p99 at each size, its p99 at the largest within 2x of its p99 at the smallest.

    .venv/bin/python bench/due_selection.py [--rows 1000000] [--backend both] [--runs 20]

Each backend gets a fresh database made by casp's migrations (SQLite in a temp directory,
PostgreSQL a database of its own, dropped at the end). The same rows, with the same number
due at every size, go into both; the database grows between sizes (the smallest size's rows
belong to a few users, as many each as a user has at the largest: see owners_for). Writes
bench/results/due_selection.json and prints each figure beside its target; method and
figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import gc
import hashlib
import json
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from tortoise import connections  # noqa: E402

from app import db, reads  # noqa: E402
from app.config import Settings  # noqa: E402
from app.rest.v1.certificates import summary as rest_summary  # noqa: E402
from app.services.certificates import persist, renewal_policy, sweeps  # noqa: E402
from app.services.certificates import records as certificate_service  # noqa: E402
from app.services.certificates.cas import REGISTRY  # noqa: E402
from bench import common  # noqa: E402
from models.user import User  # noqa: E402

TARGET_MS = 100.0  # issue 4 point 8: selecting what is due, at 1,000,000 certificates
# "Flat": at the largest size within 2x of the smallest in rows selected, in the fastest of
# the runs (+1 ms) and in work (SQLite VM steps, PostgreSQL buffers; see verdict()).
FLAT_FACTOR, FLAT_SLACK_MS = 2.0, 1.0
# Issue 7, Scale: the certificate list page's p99 at the largest size within 2x of its p99
# at the smallest (+1 ms, as for FLAT: a millisecond is noise on this shared machine).
LIST_FACTOR, LIST_SLACK_MS = 2.0, 1.0
PER_PAGE = 20  # the REST list's default page
# The list pages timed: name -> (page, search, whole). "example" is in every name the bench
# makes, so the search counts and pages through all of a user's certificates (its worst
# case). whole: list_certificates (whole Certificate rows) instead of what the REST list
# calls, for comparison only (not in the verdict).
LIST_VIEWS: dict[str, tuple[int, str | None, bool]] = {
    "page_1": (1, None, False), "page_5": (5, None, False), "search": (1, "example", False),
    "page_1_whole": (1, None, True)}
LIST_VERDICT_VIEWS = ("page_1", "page_5", "search")
# A plan that sorts all the rows it reads (not PostgreSQL's Incremental Sort of an index's
# order, which only breaks ties): SQLite's temp B-tree, PostgreSQL's Sort node.
FULL_SORT = re.compile(r"TEMP B-TREE FOR ORDER BY|^\s*(->\s*)?Sort\s+\(")
NOISY_OTHER_CPU = 0.25  # share of a core other processes used: the list page measured again
LIST_INDEX = ("user_id", "created_at")  # models/certificate.py, for newest first per user
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/casp_bench"
CHUNK = 50_000
DAY = 86_400.0
HOUR = 3_600.0

# The certificates table, in the order the migrations create its columns.
COLUMNS = (
    "id", "domains", "search_text", "ca_provider", "challenge_type", "key_type", "auto_renew",
    "status", "stage", "key_encrypted", "csr_pem", "directory_url", "order_url", "dns_records",
    "certificate_pem", "chain_pem", "serial", "fingerprint_sha256", "issuer", "issued_at",
    "expires_at", "last_error", "revoked_at", "revocation_reason", "created_at", "updated_at",
    "user_id", "expiry_notified_days", "renew_at", "renewal_csr_pem", "renewal_failures",
    "renewal_key_encrypted", "renewal_order_url", "renewal_started_at", "ari_check_at",
    "ari_window_end", "ari_window_start", "expiry_warn_at", "profile", "persist_until",
    "persist_warned", "persist_warn_at")
USER_COLUMNS = ("id", "email", "name", "password_hash", "email_verified", "disabled",
                "token_hash", "token_encrypted", "created_at", "updated_at")
DATETIMES = frozenset({"issued_at", "expires_at", "revoked_at", "created_at", "updated_at",
                       "renew_at", "renewal_started_at", "ari_check_at", "ari_window_end",
                       "ari_window_start", "expiry_warn_at", "persist_until",
                       "persist_warn_at"})

# What run_sweep selects, in its order, and the index each selection is meant to use (each
# held to a range of it by tests/test_due_query_plan.py), the dns-persist-01 warning
# (persist.warn_expiring) included since it reads persist_warn_at.
QUERIES: dict[str, tuple[str, ...]] = {
    "due_for_renewal": ("status", "auto_renew", "renew_at"),
    "due_for_ari": ("status", "ari_check_at"),
    "mark_expired": ("status", "expires_at"),
    "warn_expiring": ("status", "expiry_warn_at"),
    "persist_warning": ("status", "persist_warn_at"),
}
SELECTIONS: dict[str, tuple[str, ...]] = QUERIES


@dataclasses.dataclass(frozen=True)
class Due:
    """What is due at `now`, the same at every size."""

    renewal: int = 500  # a tenth of them expired certificates whose renewal is retried
    ari: int = 200
    expired: int = 50
    warning: int = 100  # a quarter at each threshold (14, 7, 3, 1 days) just crossed
    # dns-persist-01 records to warn about: half with persistUntil within 14 days, half
    # later but before the certificate's next renewal (persist.warn_expiring's two cases).
    persist: int = 20

    @property
    def total(self) -> int:
        return self.renewal + self.ari + self.expired + self.warning + self.persist

    def expected(self) -> dict[str, int]:
        return {"due_for_renewal": self.renewal, "due_for_ari": self.ari,
                "mark_expired": self.expired, "warn_expiring": self.warning,
                "persist_warning": self.persist}


# -- data ------------------------------------------------------------------------------------

def _pem(label: str, size: int, rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n"


def crossed(left: timedelta) -> int | None:
    """The expiry threshold (days) a certificate with `left` to live has crossed."""
    days = [t for t in renewal_policy.WARNINGS if left <= timedelta(days=t)]
    return min(days) if days else None


ISSUERS = {"letsencrypt": "CN=E6,O=Let's Encrypt,C=US", "google": "CN=WE1,O=Google Trust "
           "Services,C=US", "zerossl": "CN=ZeroSSL ECC Domain Secure Site CA,O=ZeroSSL,C=AT",
           "sslcom": "CN=SSL.com TLS Issuing ECC CA R2,O=SSL Corporation,C=US",
           "litessl": "CN=TrustAsia DV TLS ECC CA G3,O=TrustAsia Technologies,C=CN"}
ARI_CAS = frozenset(name for name, ca in REGISTRY.items() if ca.ari)
# Weighted draws: half the certificates from a CA with renewalInfo (Let's Encrypt, Google).
CA_SLOTS = ("letsencrypt",) * 4 + ("google", "zerossl", "zerossl", "zerossl", "sslcom",
                                   "litessl")
KEY_SLOTS = ("ec-256",) * 6 + ("ec-384", "rsa-2048", "rsa-2048", "rsa-3072")
REASONS = ("keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged")
PENDING_STAGES = ("queued", "key_ready", "authorizing", "awaiting_dns")


class Fleet:
    """Certificate rows relative to `now`, deterministic per (seed, first id): the due set
    first, then any number of rows that are not due, chunk by chunk.

    `owners` (users, certificates each): the first users x certificates rows belong to users
    1, 2, ... that many each, in turn, and no later row goes to them; the others go to the
    remaining users at random. (0, 0), the default: every row to a random user."""

    def __init__(self, now: datetime, users: int, seed: int, manual_share: float,
                 failing_share: float, due: Due, owners: tuple[int, int] = (0, 0),
                 persist_share: float = 0.02):
        self.now, self.users, self.seed, self.due = now, users, seed, due
        self.persist_share = persist_share
        if owners[0] and not (0 < owners[0] < users and owners[1] > 0):
            raise ValueError(f"owners {owners}: fewer users than {users}, and certificates")
        self.owners = owners if owners[0] else (0, 0)
        self.manual_share, self.failing_share = manual_share, failing_share
        rng = random.Random(seed)  # noqa: S311 (synthetic data)
        # Sizes of real ones: an ECDSA leaf and one intermediate, about 1.5 kB of PEM each.
        self.leaves = [_pem("CERTIFICATE", 1100, rng) for _ in range(64)]
        self.chains = [_pem("CERTIFICATE", 1150, rng) for _ in range(8)]
        self.csrs = [_pem("CERTIFICATE REQUEST", 420, rng) for _ in range(64)]
        self.keys = [base64.urlsafe_b64encode(rng.randbytes(300)).decode() for _ in range(64)]

    def _at(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=seconds)

    def _cert(self, rng: random.Random, cid: int, status: str, *, auto_renew: bool = True,
              ca: str | None = None, issued_at: datetime | None = None,
              renew_at: datetime | None = None, notified: int | None = None,
              ari_check_at: datetime | None = None, failures: int = 0, stage: str = "done",
              created_at: datetime | None = None, revoked: bool = False,
              persist_until: datetime | None = None,
              persist_warned: bool = False) -> tuple[Any, ...]:
        owners, each = self.owners
        user_id = rng.randrange(self.users - owners) + owners + 1
        if cid <= owners * each:
            user_id = (cid - 1) // each + 1
        host = f"h{cid}.u{user_id}.example.com"
        names = [host, f"www.{host}"] if rng.random() < 0.3 else [host]
        ca = ca or CA_SLOTS[int(rng.random() * len(CA_SLOTS))]
        directory = REGISTRY[ca].directory
        key_type = KEY_SLOTS[int(rng.random() * len(KEY_SLOTS))]
        challenge = "dns-01" if rng.random() < 0.3 else "http-01"
        if persist_until is not None:  # the record's persistUntil, kept by persist.check
            challenge = persist.TYPE
        k = cid & 63
        has_cert = issued_at is not None
        expires_at = issued_at + timedelta(days=90) if issued_at else None
        serial = f"{rng.getrandbits(144):036x}" if has_cert else None
        fingerprint = (":".join(f"{b:02X}" for b in rng.randbytes(32)) if has_cert else None)
        created = created_at or (issued_at - timedelta(seconds=rng.uniform(60, 400 * DAY))
                                 if issued_at else self._at(-rng.uniform(0, 3 * DAY)))
        updated = max(created, issued_at or created)
        order_url = (f"{directory.rsplit('/', 1)[0]}/order/{user_id}/{cid}"
                     if has_cert or stage in ("authorizing", "awaiting_dns") else None)
        dns_records = (f'[{{"name":"_acme-challenge.{host}","type":"TXT",'
                       f'"value":"{self.keys[k][:43]}"}}]' if stage == "awaiting_dns" else None)
        last_error = None
        if failures or status == "failed":
            last_error = ('{"type":"urn:ietf:params:acme:error:unauthorized","detail":'
                          f'"Invalid response from http://{host}/.well-known/acme-challenge/: '
                          '404","status":403}')
        ari_window = (expires_at - timedelta(days=32), expires_at - timedelta(days=30)) \
            if ari_check_at is not None and expires_at is not None else (None, None)
        return (
            cid, "[" + ",".join(f'"{n}"' for n in names) + "]", " " + " ".join(names) + " ",
            ca, "dns-01" if stage == "awaiting_dns" else challenge, key_type, auto_renew,
            status, stage, self.keys[k] if stage != "queued" else None,
            self.csrs[k] if stage != "queued" else None, directory, order_url, dns_records,
            self.leaves[k] if has_cert else None, self.chains[k & 7] if has_cert else None,
            serial, fingerprint, ISSUERS[ca] if has_cert else None, issued_at, expires_at,
            last_error, self._at(-rng.uniform(0, 60 * DAY)) if revoked else None,
            REASONS[cid % len(REASONS)] if revoked else None, created, updated, user_id,
            notified, renew_at, None, failures, None, None, None, ari_check_at, ari_window[1],
            ari_window[0], renewal_policy.next_warning(issued_at, expires_at, notified)
            if issued_at and expires_at else None, None, persist_until, persist_warned,
            renewal_policy.persist_warning_at(persist_until, persist_warned, auto_renew,
                                              renew_at, self._at(0)))

    def _ari(self, rng: random.Random, ca: str) -> datetime | None:
        """Next renewalInfo check: within the next 24 hours for a CA that has renewalInfo."""
        return self._at(rng.uniform(60, 24 * HOUR)) if ca in ARI_CAS else None

    # The certificates due now.

    def due_rows(self) -> list[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:due")  # noqa: S311
        rows, cid, due = [], 1, self.due
        for i in range(due.renewal):
            renew = self._at(-rng.uniform(1, 2 * HOUR))
            if i < due.renewal // 10:  # expired, its renewal retried after backoff
                issued = self._at(-rng.uniform(91 * DAY, 100 * DAY))
                rows.append(self._cert(rng, cid, "expired", issued_at=issued, renew_at=renew,
                                       notified=1, failures=rng.randint(2, 5),
                                       stage="renewal_failed"))
            else:  # one third of the lifetime left (and the jitter) reached just now
                issued = renew - timedelta(days=60) + timedelta(seconds=rng.uniform(0, 4 * DAY))
                ca = CA_SLOTS[int(rng.random() * len(CA_SLOTS))]
                rows.append(self._cert(rng, cid, "issued", ca=ca, issued_at=issued,
                                       renew_at=renew, ari_check_at=self._ari(rng, ca)))
            cid += 1
        for _ in range(due.ari):
            issued = self._at(-rng.uniform(0, 50 * DAY))
            rows.append(self._cert(rng, cid, "issued", ca="letsencrypt", issued_at=issued,
                                   renew_at=issued + timedelta(days=60),
                                   ari_check_at=self._at(-rng.uniform(1, HOUR))))
            cid += 1
        for _ in range(due.expired):  # auto-renew off: runs out now
            issued = self._at(-90 * DAY - rng.uniform(1, HOUR))
            rows.append(self._cert(rng, cid, "issued", auto_renew=False, issued_at=issued,
                                   renew_at=issued + timedelta(days=60), notified=1))
            cid += 1
        for i in range(due.persist):  # dns-persist-01, auto-renew on, nothing else due
            issued = self._at(-rng.uniform(0, 20 * DAY))
            renew = issued + timedelta(days=60)
            until = (self._at(rng.uniform(HOUR, 13 * DAY)) if i % 2 == 0  # within 14 days
                     else renew - timedelta(seconds=rng.uniform(DAY, 10 * DAY)))  # < renewal
            rows.append(self._cert(rng, cid, "issued", ca="zerossl", issued_at=issued,
                                   renew_at=renew, persist_until=until))
            cid += 1
        previous = {14: None, 7: 14, 3: 7, 1: 3}
        for i in range(due.warning):  # auto-renew off: a threshold crossed since the last tick
            days = renewal_policy.WARNINGS[i % len(renewal_policy.WARNINGS)]
            expires = self._at(days * DAY - rng.uniform(1, HOUR))
            issued = expires - timedelta(days=90)
            rows.append(self._cert(rng, cid, "issued", auto_renew=False, issued_at=issued,
                                   renew_at=issued + timedelta(days=60),
                                   notified=previous[days]))
            cid += 1
        return rows

    # Certificates that are not due.

    def rows(self, first_id: int, count: int) -> list[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:{first_id}")  # noqa: S311
        return [self._not_due(rng, cid) for cid in range(first_id, first_id + count)]

    def _not_due(self, rng: random.Random, cid: int) -> tuple[Any, ...]:
        r = rng.random()
        if r < 0.88:
            return self._issued(rng, cid)
        if r < 0.92:
            return self._expired(rng, cid)
        if r < 0.95:
            issued = self._at(-rng.uniform(0, 120 * DAY))
            return self._cert(rng, cid, "revoked", auto_renew=rng.random() < 0.9,
                              issued_at=issued, renew_at=issued + timedelta(days=60),
                              revoked=True)
        if r < 0.98:
            return self._cert(rng, cid, "failed", stage="failed",
                              created_at=self._at(-rng.uniform(0, 365 * DAY)))
        return self._cert(rng, cid, "pending", stage=PENDING_STAGES[cid % 4])

    def _persist(self, rng: random.Random) -> dict[str, Any]:
        """A share (persist_share) of issued certificates use dns-persist-01 with a
        persistUntil: mostly far ahead (after any renewal planned, not due), a tenth within
        14 days and already warned."""
        if rng.random() >= self.persist_share:
            return {}
        if rng.random() < 0.1:
            return {"persist_until": self._at(rng.uniform(HOUR, 14 * DAY)),
                    "persist_warned": True}
        return {"persist_until": self._at(rng.uniform(100 * DAY, 400 * DAY))}

    def _issued(self, rng: random.Random, cid: int) -> tuple[Any, ...]:
        ca = CA_SLOTS[int(rng.random() * len(CA_SLOTS))]
        lasting = self._persist(rng)
        if rng.random() < self.manual_share:
            # Auto-renew off: expiries spread over the whole lifetime; renew_at (set at
            # issuance) may be past; warned at each threshold already crossed.
            issued = self._at(-rng.uniform(0, 90 * DAY - HOUR))
            expires = issued + timedelta(days=90)
            return self._cert(rng, cid, "issued", auto_renew=False, ca=ca, issued_at=issued,
                              renew_at=issued + timedelta(days=60),
                              notified=crossed(expires - self.now),
                              ari_check_at=self._ari(rng, ca), **lasting)
        if rng.random() < self.failing_share:
            # Renewal failing since it came due: retried after a backoff of at most 24 h.
            failures = rng.randint(1, 6)
            expires = self._at(rng.uniform(HOUR, 30 * DAY))
            backoff = min(24 * HOUR, 2 ** (failures - 1) * HOUR)
            return self._cert(rng, cid, "issued", ca=ca, issued_at=expires - timedelta(days=90),
                              renew_at=self._at(rng.uniform(60, backoff)),
                              notified=crossed(expires - self.now), failures=failures,
                              stage="renewal_failed", ari_check_at=self._ari(rng, ca),
                              **lasting)
        # Healthy: renew_at (one third of the lifetime left, up to 5 % earlier) still ahead,
        # spread over the next 60 days.
        jitter = rng.uniform(0, 4.5 * DAY)
        issued = self._at(-rng.uniform(0, 60 * DAY - jitter - 60))
        return self._cert(rng, cid, "issued", ca=ca, issued_at=issued,
                          renew_at=issued + timedelta(days=60, seconds=-jitter),
                          ari_check_at=self._ari(rng, ca), **lasting)

    def _expired(self, rng: random.Random, cid: int) -> tuple[Any, ...]:
        ca = CA_SLOTS[int(rng.random() * len(CA_SLOTS))]
        issued = self._at(-90 * DAY - rng.uniform(HOUR, 365 * DAY))
        stale_ari = issued + timedelta(days=89) if ca in ARI_CAS else None  # left as it was
        if rng.random() < 0.8:  # auto-renew off, never renewed
            return self._cert(rng, cid, "expired", auto_renew=False, ca=ca, issued_at=issued,
                              renew_at=issued + timedelta(days=60), notified=1,
                              ari_check_at=stale_ari)
        failures = rng.randint(3, 30)  # renewal still retried, at most every 24 h
        return self._cert(rng, cid, "expired", ca=ca, issued_at=issued,
                          renew_at=self._at(rng.uniform(60, 24 * HOUR)), notified=1,
                          failures=failures, stage="renewal_failed", ari_check_at=stale_ari)

    def user_rows(self) -> list[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:users")  # noqa: S311
        created = self._at(-400 * DAY)
        password = ("$argon2id$v=19$m=65536,t=3,p=4$" + base64.b64encode(
            rng.randbytes(16)).decode().rstrip("=") + "$" + base64.b64encode(
            rng.randbytes(32)).decode().rstrip("="))
        token = base64.urlsafe_b64encode(rng.randbytes(100)).decode()
        return [(i, f"user{i}@example.com", f"User {i}", password, True, False,
                 hashlib.sha256(f"token{i}".encode()).hexdigest(), token, created, created)
                for i in range(1, self.users + 1)]


# -- backends --------------------------------------------------------------------------------

@dataclasses.dataclass
class Statement:
    sql: str
    values: list[Any]
    rows: int


class Backend:
    name: str
    settings: Settings

    async def create(self) -> None:
        await db.migrate(self.settings)
        await self.check_schema()

    async def check_schema(self) -> None:
        """Fail early if the certificates table has a NOT NULL column this bench does not
        fill (a migration newer than the bench); nullable newcomers are left NULL."""
        columns = await self.columns()
        unknown = {name: required for name, required in columns.items() if name not in COLUMNS}
        required = sorted(name for name, req in unknown.items() if req)
        if required:
            raise SystemExit(f"certificates has NOT NULL columns the bench does not fill: "
                             f"{required}; add them to bench/due_selection.py")
        missing = sorted(set(COLUMNS) - set(columns))
        if missing:
            raise SystemExit(f"certificates lacks columns the bench fills: {missing}")

    async def columns(self) -> dict[str, bool]:
        raise NotImplementedError

    def loader(self) -> contextlib.AbstractAsyncContextManager[
            Callable[[str, tuple[str, ...], list[tuple[Any, ...]]], Awaitable[None]]]:
        raise NotImplementedError

    async def analyze(self) -> None:
        raise NotImplementedError

    async def explain(self, stmt: Statement) -> dict[str, Any]:
        raise NotImplementedError

    async def indexes(self) -> dict[str, tuple[str, ...]]:
        raise NotImplementedError

    async def version(self) -> str:
        raise NotImplementedError

    async def drop(self) -> None:
        pass

    async def snapshot(self, tmp: Path) -> Backend:
        """A copy of the database as it is now (the smallest size's, to measure the list
        page on again beside the largest)."""
        raise NotImplementedError


def _sqlite_value(value: Any) -> Any:
    # Tortoise writes an aware datetime as str(): "2026-01-01 00:00:00.000001+00:00".
    return str(value) if isinstance(value, datetime) else value


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, settings: Settings):
        if settings.database_url:
            raise ValueError("SqliteBackend wants settings without a database_url")
        self.settings = settings
        self.path = settings.data_dir / "casp.sqlite3"

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    async def columns(self) -> dict[str, bool]:
        con = self._connect()
        try:
            info = con.execute("PRAGMA table_info(certificates)").fetchall()
        finally:
            con.close()
        return {row[1]: bool(row[3]) and row[4] is None for row in info}

    @contextlib.asynccontextmanager
    async def loader(self) -> AsyncIterator[Callable[..., Awaitable[None]]]:
        """One transaction through the sqlite3 module on the file (in a thread, so that
        PostgreSQL can load at the same time), no fsync and a large page cache while
        loading."""
        con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-1000000")
        con.execute("BEGIN")

        def insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
            dt = [i for i, c in enumerate(columns) if c in DATETIMES]
            converted = []
            for row in rows:
                values = list(row)
                for i in dt:
                    if values[i] is not None:
                        values[i] = str(values[i])
                converted.append(values)
            marks = ",".join("?" * len(columns))
            con.executemany(f'INSERT INTO "{table}" ({",".join(columns)}) '  # noqa: S608
                            f"VALUES ({marks})", converted)

        async def load(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
            await asyncio.to_thread(insert, table, columns, rows)

        try:
            yield load
            await asyncio.to_thread(con.execute, "COMMIT")
        finally:
            con.close()

    async def analyze(self) -> None:
        con = self._connect()
        try:
            con.execute("ANALYZE")
        finally:
            con.close()

    async def indexes(self) -> dict[str, tuple[str, ...]]:
        con = self._connect()
        try:
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='certificates'")]
            return {n: tuple(r[2] for r in con.execute(f'PRAGMA index_info("{n}")'))
                    for n in names}
        finally:
            con.close()

    async def explain(self, stmt: Statement) -> dict[str, Any]:
        """EXPLAIN QUERY PLAN, and the VM steps the statement takes (thousands, and hundreds
        for the list page's smaller statements, counted by a progress handler): a measure of
        work that does not depend on the machine's load."""
        values = [_sqlite_value(v) for v in stmt.values]
        con = self._connect()
        try:
            plan = [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {stmt.sql}", values)]
            steps = [0]

            def tick() -> int:
                steps[0] += 1
                return 0

            con.set_progress_handler(tick, 100)
            con.execute(stmt.sql, values).fetchall()
            con.set_progress_handler(None, 0)
        finally:
            con.close()
        used = sorted({word for line in plan for word in line.split()
                       if word.startswith(("idx_", "sqlite_autoindex_"))})
        full = any(line.startswith("SCAN certificates") and "INDEX" not in line
                   for line in plan)
        return {"plan": plan, "indexes": used, "full_scan": full,
                "work": {"vm_steps_thousands": steps[0] // 10, "vm_steps_hundreds": steps[0]}}

    async def version(self) -> str:
        return sqlite3.sqlite_version

    async def snapshot(self, tmp: Path) -> Backend:
        settings = dataclasses.replace(self.settings, data_dir=tmp / "sqlite-smallest")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        copy = SqliteBackend(settings)
        src, dst = self._connect(), sqlite3.connect(copy.path)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return copy


def pg_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _plan_facts(raw: Any) -> dict[str, Any]:
    """From EXPLAIN (ANALYZE, FORMAT JSON): the indexes used, whether certificates is
    scanned whole, the shared buffers touched, the rows the top node returned, the scan's
    estimated and actual rows, and whether the plan went parallel or was JIT-compiled."""
    doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    top = doc["Plan"]
    used: set[str] = set()
    scans: list[dict[str, Any]] = []
    full = parallel = False

    def walk(node: dict[str, Any]) -> None:
        nonlocal full, parallel
        if "Index Name" in node:
            used.add(node["Index Name"])
        if node.get("Relation Name") == "certificates" or "Index Name" in node:
            scans.append(node)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "certificates":
            full = True
        parallel = parallel or node["Node Type"].startswith("Gather")
        for child in node.get("Plans", []):
            walk(child)

    walk(top)
    scan = scans[-1] if scans else {}  # the innermost: the index (or table) scan itself
    return {"indexes": sorted(used), "full_scan": full, "rows": top.get("Actual Rows"),
            "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
            "scan_estimated_rows": scan.get("Plan Rows"),
            "scan_actual_rows": scan.get("Actual Rows"), "parallel": parallel,
            "jit": "JIT" in doc}


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, url: str, base: Settings):
        self.url = url
        parts = urlsplit(url)
        self.dbname = parts.path.lstrip("/")
        if not self.dbname or self.dbname in ("postgres", "template0", "template1"):
            raise SystemExit(f"--pg-url must name a database of the bench's own, got {url}")
        self.admin = urlunsplit(parts._replace(path="/postgres"))
        # One pooled connection (the sweep's queries run one after the other anyway), so
        # that pg_prepared_statements shows how the timed statements were planned.
        pooled = urlunsplit(parts._replace(query="&".join(filter(None, [
            parts.query, "minsize=1&maxsize=1"]))))
        self.settings = dataclasses.replace(base, database_url=pooled)

    async def create_database(self) -> None:
        """An empty database of the bench's own (dropped first if a run left it)."""
        admin = await asyncpg.connect(self.admin)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')
            await admin.execute(f'CREATE DATABASE "{self.dbname}"')
        finally:
            await admin.close()

    async def create(self) -> None:
        await self.create_database()
        await super().create()

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.admin)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')
        finally:
            await admin.close()

    async def snapshot(self, tmp: Path) -> Backend:
        name = f"{self.dbname}_smallest"
        url = urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))
        admin = await asyncpg.connect(self.admin)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.dbname}"')
        finally:
            await admin.close()
        copy = PostgresBackend(url, self.settings)
        await copy.analyze()  # a copy starts with no statistics of its own in pg_stat
        return copy

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        con = await asyncpg.connect(self.url)
        try:
            return await con.fetch(sql, *args)
        finally:
            await con.close()

    async def columns(self) -> dict[str, bool]:
        rows = await self._fetch(
            "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL AS required "
            "FROM information_schema.columns WHERE table_name = 'certificates'")
        return {r["column_name"]: r["required"] and r["column_name"] != "id" for r in rows}

    @contextlib.asynccontextmanager
    async def loader(self) -> AsyncIterator[Callable[..., Awaitable[None]]]:
        """COPY (binary, asyncpg copy_records_to_table), one per chunk; the foreign key
        checks are off meanwhile when the role may (the rows are consistent as made)."""
        con = await asyncpg.connect(self.url)
        triggers_off = []
        for table in ("users", "certificates"):
            with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
                await con.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
                triggers_off.append(table)

        async def load(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
            await con.copy_records_to_table(table, records=rows, columns=list(columns))

        try:
            yield load
            for table in triggers_off:
                await con.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
            for table in ("users", "certificates"):
                top = f"SELECT max(id) FROM {table}"  # noqa: S608
                await con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"({top}))")
        finally:
            await con.close()

    async def analyze(self) -> None:
        # What autovacuum would have done by then: statistics and the visibility map.
        con = await asyncpg.connect(self.url)
        try:
            await con.execute("VACUUM (ANALYZE) users")
            await con.execute("VACUUM (ANALYZE) certificates")
        finally:
            await con.close()

    async def indexes(self) -> dict[str, tuple[str, ...]]:
        rows = await self._fetch(
            "SELECT i.relname AS name, array_agg(a.attname ORDER BY k.n) AS cols "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = 'certificates' GROUP BY i.relname")
        return {r["name"]: tuple(r["cols"]) for r in rows}

    async def explain(self, stmt: Statement) -> dict[str, Any]:
        """EXPLAIN (ANALYZE, BUFFERS) twice, in a session set as casp sets its own: with
        the statement's parameters (a custom plan,
        what a prepared statement gets on its first five executions), and of the same
        statement PREPAREd and planned generically (plan_cache_mode force_generic_plan):
        after five executions PostgreSQL may keep using that plan instead (asyncpg, and so
        Tortoise, prepares every statement; `prepared_statements` tells which it did)."""
        # With casp's session settings (app/db.py: no JIT, no parallel workers).
        con = await asyncpg.connect(self.url, server_settings=dict(
            getattr(db, "PG_SERVER_SETTINGS", {})))
        try:
            text = [r[0] for r in await con.fetch(
                f"EXPLAIN (ANALYZE, BUFFERS) {stmt.sql}", *stmt.values)]
            raw = await con.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {stmt.sql}",
                                     *stmt.values)
            await con.execute(f"PREPARE casp_bench AS {stmt.sql}")
            await con.execute("SET plan_cache_mode = force_generic_plan")
            execute = f"EXECUTE casp_bench({', '.join(pg_literal(v) for v in stmt.values)})"
            generic = [r[0] for r in await con.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {execute}")]
            generic_raw = await con.fetchval(
                f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {execute}")
            await con.execute("DEALLOCATE casp_bench")
        finally:
            await con.close()
        custom, generic_facts = _plan_facts(raw), _plan_facts(generic_raw)
        return {"plan": text, "indexes": custom["indexes"], "full_scan": custom["full_scan"],
                "work": {"shared_buffers": custom["buffers"], "actual_rows": custom["rows"]},
                "estimate": {k: custom[k] for k in ("scan_estimated_rows", "scan_actual_rows",
                                                    "parallel", "jit")},
                "generic_estimate": {k: generic_facts[k] for k in (
                    "scan_estimated_rows", "scan_actual_rows", "parallel", "jit")},
                "generic_plan": generic, "generic_indexes": generic_facts["indexes"],
                "generic_full_scan": generic_facts["full_scan"],
                "generic_work": {"shared_buffers": generic_facts["buffers"],
                                 "actual_rows": generic_facts["rows"]}}

    async def version(self) -> str:
        return str((await self._fetch("SHOW server_version"))[0][0])

    async def plan_cache(self, like: str = '%FROM "certificates"%') -> list[dict[str, Any]]:
        """How the Tortoise connection's prepared statements were planned (PostgreSQL 14+)."""
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE $1", [like])
        return [dict(r) for r in rows]


# -- measuring -------------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def captured() -> AsyncIterator[list[Statement]]:
    """The statements Tortoise sends while inside (in this process only), and those app.reads
    sends past it; refuses writes."""
    conn = connections.get("default")
    seen: list[Statement] = []
    query, query_dict = conn.execute_query, conn.execute_query_dict

    def check(sql: str) -> None:
        if not sql.lstrip().upper().startswith("SELECT"):
            raise RuntimeError(f"the sweep wrote during the bench (stub it): {sql[:80]}")

    async def execute_query(sql: str, values: list[Any] | None = None) -> Any:
        check(sql)
        result = await query(sql, values)
        seen.append(Statement(sql, list(values or []), len(result[1])))
        return result

    async def execute_query_dict(sql: str, values: list[Any] | None = None) -> Any:
        check(sql)
        result = await query_dict(sql, values)
        seen.append(Statement(sql, list(values or []), len(result)))
        return result

    # app.reads.select runs short SELECTs on SQLite on a connection of its own, past the
    # client (the list page's count and page): recorded here when the client did not see it.
    read = reads.select

    async def select(db: Any, sql: str, values: Any) -> Any:
        check(sql)
        before = len(seen)
        rows = await read(db, sql, values)
        if len(seen) == before:
            seen.append(Statement(sql, list(values), len(rows)))
        return rows

    conn.execute_query, conn.execute_query_dict = execute_query, execute_query_dict
    reads.select = select  # type: ignore[assignment]
    try:
        yield seen
    finally:
        del conn.execute_query, conn.execute_query_dict
        reads.select = read  # type: ignore[assignment]


@contextlib.contextmanager
def sweep_without_writes() -> Iterator[list[dict[str, Any]]]:
    """mark_expired, warn_expiring and persist.warn_expiring as run_sweep calls them, their
    saves and notifications
    stubbed (in this process only): the selection and its loop run, nothing changes, so
    every run sees the same due set. Yields the notifications that would have been sent."""
    notified: list[dict[str, Any]] = []

    async def save(cert: Any, **changes: Any) -> None:
        return None

    async def notify(**kwargs: Any) -> bool:
        notified.append(kwargs)
        return True

    saved = [(module, module.save, module.notify) for module in (sweeps, persist)]
    for module, _, _ in saved:
        module.save, module.notify = save, notify  # type: ignore[assignment]
    try:
        yield notified
    finally:
        for module, was_save, was_notify in saved:
            module.save, module.notify = was_save, was_notify  # type: ignore[assignment]


def calls(now: datetime) -> dict[str, Callable[[], Awaitable[Any]]]:
    """One tick's selections, by the functions run_sweep uses (renew_due and
    check_renewal_info only add the enqueueing of what these two return)."""
    return {"due_for_renewal": lambda: sweeps.due_for_renewal(now),
            "due_for_ari": lambda: sweeps.due_for_ari(now),
            "mark_expired": lambda: sweeps.mark_expired(now),
            "warn_expiring": lambda: sweeps.warn_expiring(now),
            "persist_warning": lambda: persist.warn_expiring(now)}


async def capture(now: datetime) -> dict[str, tuple[Statement, int]]:
    """Each selection of a tick run once (inside sweep_without_writes, with Tortoise
    connected): the one statement it sent, and how many certificates it acted on."""
    out = {}
    for name, fn in calls(now).items():
        async with captured() as seen:
            result = await fn()
        if len(seen) != 1:
            raise RuntimeError(f"{name} sent {len(seen)} statements, expected one")
        out[name] = (seen[0], len(result) if isinstance(result, list) else int(result))
    return out


def pct(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(pct(ms, 0.95), 3),
            "min_ms": round(ms[0], 3), "max_ms": round(ms[-1], 3), "n": len(ms)}


async def measure(backend: Backend, now: datetime, runs: int, warmup: int,
                  due: Due) -> dict[str, Any]:
    """Each selection through casp's code: captured once (SQL, rows, what it acts on), then
    timed `runs` times after `warmup` untimed ticks, the five in run_sweep's order."""
    await db.connect(backend.settings)
    try:
        fns = calls(now)
        out: dict[str, Any] = {}
        with sweep_without_writes() as notified:
            selections = await capture(now)
            stmts = {name: stmt for name, (stmt, _) in selections.items()}
            for name, (stmt, acted) in selections.items():
                out[name] = {"sql": stmt.sql, "rows_selected": stmt.rows, "acted_on": acted,
                             "due": due.expected()[name]}
            # Which thresholds the warnings sent were for ("expiring:<id>:<serial>:<days>").
            sent = [n["dedupe_key"].rsplit(":", 1)[1] for n in notified
                    if n.get("type") == "expiring"
                    and str(n.get("dedupe_key")).startswith("expiring:")]
            out["warn_expiring"]["acted_on_by_threshold_days"] = {
                days: sent.count(days) for days in sorted(set(sent), key=int)}
            for _ in range(warmup):
                for fn in fns.values():
                    await fn()
            times: dict[str, list[float]] = {name: [] for name in fns}
            ticks: list[float] = []
            for _ in range(runs):
                tick = 0.0
                for name, fn in fns.items():
                    start = time.perf_counter()
                    await fn()
                    spent = time.perf_counter() - start
                    times[name].append(spent)
                    tick += spent
                ticks.append(tick)
        for name in fns:
            out[name].update(summary(times[name]))
        plan_cache = (await backend.plan_cache()
                      if isinstance(backend, PostgresBackend) else None)
    finally:
        await db.disconnect()
    indexes = await backend.indexes()
    for name, stmt in stmts.items():
        plan = await backend.explain(stmt)
        plan["index_columns"] = {i: list(indexes.get(i, ())) for i in plan["indexes"]}
        plan["expected_index_used"] = all(
            any(indexes.get(i) == SELECTIONS[name] for i in plan[key])
            for key in ("indexes", "generic_indexes") if key in plan)
        out[name].update(plan)
    result = {"queries": out, "tick": summary(ticks)}
    if plan_cache is not None:
        result["prepared_statements"] = plan_cache
    return result


# -- the certificate list page ---------------------------------------------------------------

def list_function(whole: bool = False) -> Callable[..., Awaitable[Any]]:
    """The service function the REST list calls (app/rest/v1/certificates.py list_or_show):
    list_summaries (SUMMARY_COLUMNS as dicts) where casp has it, else list_certificates;
    list_certificates itself when `whole`."""
    summaries = getattr(certificate_service, "list_summaries", None)
    return certificate_service.list_certificates if whole or summaries is None else summaries


async def list_page(user: User, page: int, search: str | None,
                    whole: bool = False) -> tuple[int, int]:
    """The REST list page (certificates.php GET, 20 a page, newest first, with its total)
    through casp's own code: the service's query, then the REST layer's summary of each
    certificate (what app/rest/v1/certificates.py puts in the body; the JSON encoding is
    left out). Returns (certificates on the page, total). The one place that knows the list
    functions' signature and return type: adapt it here when they change."""
    got = await list_function(whole)(user=user, page=page, per_page=PER_PAGE, search=search)
    body = [rest_summary(c) for c in got.items]
    return len(body), got.total


def owners_for(sizes: list[int], users: int) -> tuple[int, int]:
    """(users, certificates each) owning the smallest size's rows: each as many as a user
    has on average at the largest size (1,000,000 over 10,000: 100), so that the list page
    at the smallest size has the shape it has at the largest (1,000 certificates: 10 users
    x 100). (0, 0) when that leaves no user for the other rows."""
    each = max(1, round(sizes[-1] / users))
    owners = max(1, sizes[0] // each)
    each = min(each, sizes[0])
    return (owners, each) if owners < users else (0, 0)


@dataclasses.dataclass
class ListSample:
    """The users whose list page is timed at one size."""

    size: int
    counts: dict[int, int]  # certificates per user who has any
    ids: list[int]  # the sample, in the order timed
    top: int  # the user with the most


async def list_sample(backend: Backend, args: argparse.Namespace, size: int) -> ListSample:
    """Up to --list-sample users at random among those who have certificates, and the one
    with the most; the same for the same size and seed."""
    rng = random.Random(f"{args.seed}:list:{size}")  # noqa: S311
    await db.connect(backend.settings)
    try:
        counts = {r["user_id"]: r["n"] for r in await connections.get(
            "default").execute_query_dict(
            "SELECT user_id, COUNT(*) AS n FROM certificates GROUP BY user_id")}
    finally:
        await db.disconnect()
    top = max(counts, key=lambda u: (counts[u], -u))
    ids = sorted(rng.sample(sorted(counts), min(args.list_sample, len(counts))))
    if top not in ids:
        ids.append(top)
    rng.shuffle(ids)
    return ListSample(size, counts, ids, top)


async def list_pass(targets: list[tuple[Backend, ListSample]],
                    args: argparse.Namespace) -> dict[str, Any]:
    """One pass over every target (a database and its sample), in blocks of --list-block
    users taken in turn from each target, so that several targets see the same machine:
    for each block Tortoise is connected to the target as casp connects it, the first
    --list-warmup calls untimed, then each user's call of each view (LIST_VIEWS, one after
    the other) timed: its wall time and the bench process's CPU time. Until --list-calls
    users' calls per target are timed. Also how busy the machine's other processes were
    meanwhile, and at the end the statements one call of each view sends (captured, for
    the user with the most)."""
    per: list[dict[str, Any]] = []
    for backend, sample in targets:
        await db.connect(backend.settings)
        try:
            users = {u.id: u for u in await User.filter(id__in=sample.ids)}
        finally:
            await db.disconnect()
        per.append({"order": [users[i] for i in sample.ids], "done": 0,
                    "calls": max(args.list_calls, len(sample.ids)),
                    "times": {v: [] for v in LIST_VIEWS}, "cpu": {v: [] for v in LIST_VIEWS},
                    "returned": {v: [] for v in LIST_VIEWS}})
    wall = own = server = others = 0.0
    # The bench's own objects (the rows it made) out of the collector's way, as a server
    # would not have them.
    gc.collect()
    gc.freeze()
    try:
        while any(t["done"] < t["calls"] for t in per):
            for (backend, _), t in zip(targets, per, strict=True):
                if t["done"] >= t["calls"]:
                    continue
                await db.connect(backend.settings)
                try:
                    order = t["order"]
                    for i in range(args.list_warmup):
                        for page, search, whole in LIST_VIEWS.values():
                            await list_page(order[(t["done"] + i) % len(order)], page,
                                            search, whole)
                    server_pid = (await connections.get("default").execute_query_dict(
                        "SELECT pg_backend_pid() AS pid"))[0]["pid"] \
                        if isinstance(backend, PostgresBackend) else None
                    busy0, own0 = common.machine_busy_s(), time.process_time()
                    server0 = process_cpu_s(server_pid) if server_pid else 0.0
                    wall0 = time.perf_counter()
                    for _ in range(min(args.list_block, t["calls"] - t["done"])):
                        user = order[t["done"] % len(order)]
                        for view, (page, search, whole) in LIST_VIEWS.items():
                            start, cpu0 = time.perf_counter(), time.process_time()
                            got = await list_page(user, page, search, whole)
                            t["times"][view].append(time.perf_counter() - start)
                            t["cpu"][view].append(time.process_time() - cpu0)
                            t["returned"][view].append(got)
                        t["done"] += 1
                    spent = time.perf_counter() - wall0
                    mine = time.process_time() - own0
                    theirs = process_cpu_s(server_pid) - server0 if server_pid else 0.0
                    others += common.machine_busy_s() - busy0 - mine - theirs
                    wall, own, server = wall + spent, own + mine, server + theirs
                finally:
                    await db.disconnect()
    finally:
        gc.unfreeze()
    for (backend, sample), t in zip(targets, per, strict=True):
        await db.connect(backend.settings)
        try:
            top = next(u for u in t["order"] if u.id == sample.top)
            t["stmts"] = {}
            for view, (page, search, whole) in LIST_VIEWS.items():
                async with captured() as seen:
                    await list_page(top, page, search, whole)
                t["stmts"][view] = list(seen)
            t["plan_cache"] = (await backend.plan_cache('%WHERE "user_id"%')
                               if isinstance(backend, PostgresBackend) else None)
        finally:
            await db.disconnect()
        del t["order"], t["done"]
    return {"targets": per, "wall_s": round(wall, 3), "own_cpu_share": round(own / wall, 3),
            "server_cpu_share": round(server / wall, 3),
            "other_cpu_share": round(max(0.0, others) / wall, 3)}


async def measure_list(targets: list[tuple[Backend, ListSample]],
                       args: argparse.Namespace, label: str) -> list[dict[str, Any]]:
    """The list page on each target (list_pass); again, up to --list-retries times, while
    other processes took more than a quarter of a core (as bench/api.py does), keeping the
    quietest pass. Several targets: the smallest size's database measured again beside the
    largest, block by block, so that both see the same machine. One result per target
    (list_figures)."""
    loadavg = os.getloadavg()[0]
    passes = [await list_pass(targets, args)]
    while passes[-1]["other_cpu_share"] > NOISY_OTHER_CPU and len(passes) <= args.list_retries:
        print(f"{label} list page: other processes used {passes[-1]['other_cpu_share']:.0%} "
              "of a core; measuring again", flush=True)
        passes.append(await list_pass(targets, args))
    kept = min(range(len(passes)), key=lambda i: passes[i]["other_cpu_share"])
    loadavg_end = os.getloadavg()[0]
    out = []
    for j, (backend, smp) in enumerate(targets):
        fig = await list_figures(backend, smp, passes[kept]["targets"][j])
        fig.update(passes=[{k: v for k, v in p.items() if k != "targets"} for p in passes],
                   kept_pass=kept, measured_beside=[f"{s.size:,}" for _, s in targets],
                   loadavg_1m=[round(loadavg, 2), round(loadavg_end, 2)])
        out.append(fig)
    return out


async def list_figures(backend: Backend, sample: ListSample,
                       got: dict[str, Any]) -> dict[str, Any]:
    """p50 and p99 per view from a pass, and the plans and work of its statements."""
    indexes = await backend.indexes()
    counts, top = sample.counts, sample.top
    out: dict[str, Any] = {
        "rows": sample.size, "users_with_certificates": len(counts),
        "sample_users": len(sample.ids), "calls": got["calls"],
        "top_user": {"id": top, "certificates": counts[top]},
        "certificates_per_sampled_user": _spread([counts[u] for u in sample.ids]),
        "views": {}}
    for view, (page, search, whole) in LIST_VIEWS.items():
        times, cpu = got["times"][view], got["cpu"][view]
        fig = summary(times)
        fig["p50_ms"] = fig["median_ms"]
        fig["p99_ms"] = round(pct(sorted(t * 1000 for t in times), 0.99), 3)
        # The bench process's CPU time per call (SQLite: all of it, the aiosqlite thread
        # included; PostgreSQL: the client side only): what the wall times cost without the
        # waits for a core that other processes cause.
        cpu_ms = sorted(t * 1000 for t in cpu)
        fig["cpu_p50_ms"] = round(statistics.median(cpu_ms), 3)
        fig["cpu_p99_ms"] = round(pct(cpu_ms, 0.99), 3)
        fn = list_function(whole)
        fig.update(page=page, search=search, per_page=PER_PAGE,
                   function=f"{fn.__module__}.{fn.__name__}",
                   items=_spread([n for n, _ in got["returned"][view]]),
                   total=_spread([t for _, t in got["returned"][view]]), statements=[])
        for stmt in got["stmts"][view]:
            plan = await backend.explain(stmt)
            used = {i: list(indexes.get(i, ())) for i in plan["indexes"]}
            generic = plan.get("generic_indexes", plan["indexes"])
            sorted_page = "ORDER BY" in stmt.sql.upper()

            def led_by(names: list[str], want: tuple[str, ...]) -> bool:
                return any(indexes.get(i, ())[:len(want)] == want for i in names)

            fig["statements"].append({
                "sql": stmt.sql, "values": [str(v) for v in stmt.values], "rows": stmt.rows,
                "kind": "page" if sorted_page else "count", "index_columns": used,
                # Each statement on an index led by user_id (the user's rows only), both
                # plans, never the whole table; and whether the page came in order from
                # (user_id, created_at) (PostgreSQL may instead sort the user's rows).
                "expected_index_used": all(led_by(n, LIST_INDEX[:1])
                                           for n in (plan["indexes"], generic))
                and not plan["full_scan"] and not plan.get("generic_full_scan", False),
                "ordered_by_index": sorted_page and led_by(plan["indexes"], LIST_INDEX)
                and not any(FULL_SORT.search(line) for line in plan["plan"]),
                **{k: plan[k] for k in ("plan", "indexes", "full_scan", "work",
                                        "generic_plan", "generic_indexes",
                                        "generic_full_scan", "generic_work", "estimate")
                   if k in plan}})
        out["views"][view] = fig
    if got["plan_cache"] is not None:
        out["prepared_statements"] = got["plan_cache"]
    return out


def process_cpu_s(pid: int) -> float:
    """CPU seconds of a process (here: the PostgreSQL backend serving the bench)."""
    try:
        return common.process_cpu_s(pid)
    except OSError:  # a server on another machine: counted with the others
        return 0.0


def _spread(values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    return {"min": ordered[0], "median": statistics.median(ordered), "max": ordered[-1]}


def _work(view: dict[str, Any]) -> int:
    """SQLite: hundreds of VM steps; PostgreSQL: shared buffers (count + page)."""
    return sum(st["work"].get("vm_steps_hundreds", st["work"].get("shared_buffers", 0))
               for st in view["statements"])


def list_verdict(sizes: list[dict[str, Any]],
                 again: dict[str, Any] | None = None) -> dict[str, Any]:
    """Per view: p99 at the largest size <= LIST_FACTOR x p99 at the smallest + slack (the
    smallest as measured again beside the largest, when it was); and every statement on
    an index led by user_id at every size."""
    small, large = again or sizes[0]["list_page"], sizes[-1]["list_page"]
    out = {}
    for view in LIST_VIEWS:
        a, b = small["views"][view], large["views"][view]
        limit = LIST_FACTOR * a["p99_ms"] + LIST_SLACK_MS
        out[view] = {
            "rows_smallest": sizes[0]["rows"], "rows_largest": sizes[-1]["rows"],
            "smallest_measured": "again, beside the largest" if again else "at its turn",
            "p99_ms_smallest": a["p99_ms"], "p99_ms_largest": b["p99_ms"],
            "p50_ms_smallest": a["p50_ms"], "p50_ms_largest": b["p50_ms"],
            "p99_limit_ms": round(limit, 3), "within": b["p99_ms"] <= limit,
            "in_verdict": view in LIST_VERDICT_VIEWS,
            # Not judged, to read beside the times: the statements' work for the user with
            # the most certificates (SQLite thousands of VM steps, PostgreSQL buffers).
            "work_smallest": _work(a), "work_largest": _work(b),
            "work_within": _work(b) <= LIST_FACTOR * _work(a) + 10,
            "cpu_p99_ms_smallest": a["cpu_p99_ms"], "cpu_p99_ms_largest": b["cpu_p99_ms"],
            "cpu_within": b["cpu_p99_ms"] <= LIST_FACTOR * a["cpu_p99_ms"] + LIST_SLACK_MS,
            "index_used_at_every_size": all(
                st["expected_index_used"] for s in sizes
                for st in s["list_page"]["views"][view]["statements"]),
            "page_ordered_by_index_at_largest": all(
                st["ordered_by_index"] for st in b["statements"] if st["kind"] == "page")}
    return out


# -- the run ---------------------------------------------------------------------------------

def make_rows(fleet: Fleet, start: int | None, size: int) -> asyncio.Task[Any]:
    """The chunk of rows from `start` (up to `size` in all), made in a thread."""
    assert start is not None
    return asyncio.create_task(asyncio.to_thread(fleet.rows, start,
                                                 min(CHUNK, size + 1 - start)))


async def put(loaders: dict[str, Callable[..., Awaitable[None]]], spent: dict[str, float],
              table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """The same rows into every backend at once, adding up each one's time."""

    async def one(name: str, load: Callable[..., Awaitable[None]]) -> None:
        started = time.perf_counter()
        await load(table, columns, rows)
        spent[name] += time.perf_counter() - started

    await asyncio.gather(*(one(name, load) for name, load in loaders.items()))


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    due = Due(args.due_renewal, args.due_ari, args.due_expired, args.due_warning,
              args.due_persist)
    now = datetime.now(UTC)
    fleet = Fleet(now, args.users, args.seed, args.manual_share, args.failing_share, due,
                  owners=tuple(args.owners), persist_share=args.persist_share)
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(SqliteBackend(Settings(data_dir=tmp / "sqlite")))
    if args.backend in ("postgres", "both"):
        backends.append(PostgresBackend(args.pg_url, Settings(data_dir=tmp / "pg")))
    results: dict[str, Any] = {b.name: {"now": now.isoformat(), "sizes": []}
                               for b in backends}
    # Each backend's database at the smallest size, copied, and the sample timed on it.
    smallest: dict[str, tuple[Backend, ListSample]] = {}
    try:
        for b in backends:
            started = time.perf_counter()
            await b.create()
            results[b.name]["version"] = await b.version()
            results[b.name]["migrate_s"] = round(time.perf_counter() - started, 2)
        loaded = 0
        for size in args.sizes:
            # Each chunk is made once and goes into every backend.
            load_s = {b.name: 0.0 for b in backends}
            async with contextlib.AsyncExitStack() as stack:
                loaders = {b.name: await stack.enter_async_context(b.loader())
                           for b in backends}
                if loaded == 0:
                    await put(loaders, load_s, "users", USER_COLUMNS, fleet.user_rows())
                    await put(loaders, load_s, "certificates", COLUMNS, fleet.due_rows())
                    loaded = due.total
                # The next chunk is made (in a thread) while this one loads.
                starts: list[int | None] = list(range(loaded + 1, size + 1, CHUNK))
                ahead = make_rows(fleet, starts[0], size) if starts else None
                for following in [*starts[1:], None]:
                    if ahead is None:
                        break
                    rows = await ahead
                    ahead = make_rows(fleet, following, size) if following else None
                    await put(loaders, load_s, "certificates", COLUMNS, rows)
            for b in backends:
                started = time.perf_counter()
                await b.analyze()
                analyze_s = time.perf_counter() - started
                print(f"[{b.name}] {size:>9,} rows: loaded in {load_s[b.name]:.1f} s, "
                      f"analyzed in {analyze_s:.1f} s; measuring", flush=True)
                loadavg = os.getloadavg()
                figures = await measure(b, now, args.runs, args.warmup, due)
                figures.update(rows=size, load_s=round(load_s[b.name], 2),
                               analyze_s=round(analyze_s, 2),
                               loadavg_1m=[round(loadavg[0], 2), round(os.getloadavg()[0], 2)])
                results[b.name]["sizes"].append(figures)
                q = figures["queries"]
                print(f"[{b.name}] {size:>9,} rows: " + ", ".join(
                    f"{n} {q[n]['median_ms']:.2f} ms" for n in SELECTIONS)
                    + f"; tick {figures['tick']['median_ms']:.2f} ms", flush=True)
                if args.list_sample:
                    label = f"[{b.name}] {size:>9,} rows:"
                    targets = [(b, await list_sample(b, args, size))]
                    if size == args.sizes[-1] and b.name in smallest:
                        targets.insert(0, smallest[b.name])
                    figs = await measure_list(targets, args, label)
                    figures["list_page"] = figs[-1]
                    if len(figs) > 1:
                        results[b.name]["list_page_smallest_again"] = figs[0]
                    for lp in figs:
                        print(f"{label} list page at {lp['rows']:,} (p50/p99) " + ", ".join(
                            f"{v} {f['p50_ms']:.2f}/{f['p99_ms']:.2f} ms"
                            for v, f in lp["views"].items())
                            + f"; {lp['sample_users']} users", flush=True)
                    if size == args.sizes[0] and len(args.sizes) > 1:
                        smallest[b.name] = (await b.snapshot(tmp), targets[0][1])
            loaded = size
    finally:
        if not args.keep:
            for b in [*backends, *(copy for copy, _ in smallest.values())]:
                await b.drop()
    for b in backends:
        results[b.name]["verdict"] = verdict(results[b.name]["sizes"])
        if args.list_sample:
            results[b.name]["list_verdict"] = list_verdict(
                results[b.name]["sizes"], results[b.name].get("list_page_smallest_again"))
    return results


def verdict(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    small, large = sizes[0], sizes[-1]
    out: dict[str, Any] = {}
    for name in [*SELECTIONS, "tick"]:
        a = small["tick"] if name == "tick" else small["queries"][name]
        b = large["tick"] if name == "tick" else large["queries"][name]
        # Judged on the fastest run (the cost when the machine's other load stays out of
        # the way; the medians are the figures reported) and on the work count.
        flat_time = b["min_ms"] <= FLAT_FACTOR * a["min_ms"] + FLAT_SLACK_MS
        entry = {"median_ms_smallest": a["median_ms"], "median_ms_largest": b["median_ms"],
                 "min_ms_smallest": a["min_ms"], "min_ms_largest": b["min_ms"],
                 "flat_time": flat_time, "flat": flat_time}
        if name != "tick":
            wa, wb = (next(iter(s["queries"][name]["work"].values())) for s in (small, large))
            # Slack: 10,000 SQLite VM steps, or a PostgreSQL buffer per row returned (a
            # plan may fetch each row from another page: bounded by what is due).
            slack = b["rows_selected"] if "shared_buffers" in b["work"] else 10
            entry["flat_rows"] = b["rows_selected"] <= FLAT_FACTOR * a["rows_selected"]
            entry["flat_work"] = wb <= FLAT_FACTOR * wa + slack
            entry["flat"] = flat_time and entry["flat_work"] and entry["flat_rows"]
            entry.update(
                under_target=b["median_ms"] < TARGET_MS,
                index_used_at_largest=b["expected_index_used"] and not b["full_scan"]
                and not b.get("generic_full_scan", False),
                rows_selected=[s["queries"][name]["rows_selected"] for s in sizes],
                acted_on=[s["queries"][name]["acted_on"] for s in sizes],
                acted_on_all_due=all(s["queries"][name]["acted_on"] == s["queries"][name]["due"]
                                     for s in sizes),
                work=[s["queries"][name]["work"] for s in sizes])
        out[name] = entry
    return out


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    return {"nproc": os.cpu_count(), "cpu": common.cpu_model(), "ram_gib": common.ram_gib(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "packages": {p: version(p) for p in ("tortoise-orm", "aiosqlite", "asyncpg")}}


def table(result: dict[str, Any]) -> str:
    lines = []
    for name, backend in result["backends"].items():
        sizes = backend["sizes"]
        largest = sizes[-1]
        lines.append(f"{name} {backend['version']}: {largest['rows']:,} certificates, "
                     f"{result['params']['runs']} runs")
        lines.append(f"  {'selection':<16} {'median':>9} {'p95':>9} {'rows':>5} {'acts/due':>8}  "
                     f"{'target':<9} {'met':<4} index")
        for q in SELECTIONS:
            f = largest["queries"][q]
            index = ", ".join(f"{i} ({', '.join(c)})" for i, c in f["index_columns"].items())
            met = "yes" if f["median_ms"] < TARGET_MS else "NO"
            lines.append(f"  {q:<16} {f['median_ms']:>6.2f} ms {f['p95_ms']:>6.2f} ms "
                         f"{f['rows_selected']:>5} {f['acted_on']:>4}/{f['due']:<3}  "
                         f"< {TARGET_MS:g} ms "
                         f"{met:<4} {index or 'none'}"
                         + ("  FULL SCAN" if f["full_scan"] else "")
                         + (f"; generic plan: {', '.join(f['generic_indexes']) or 'no index'}"
                            + (" FULL SCAN" if f["generic_full_scan"] else "")
                            if "generic_indexes" in f
                            and f["generic_indexes"] != f["indexes"] else ""))
        for q in SELECTIONS:
            est = largest["queries"][q].get("estimate")
            if est and est["scan_estimated_rows"] and est["scan_actual_rows"] is not None and (
                    est["scan_estimated_rows"] > 10 * max(est["scan_actual_rows"], 1)
                    or est["parallel"] or est["jit"]):
                lines.append(f"  ! {q}: the planner expected {est['scan_estimated_rows']:,} "
                             f"rows from the scan, got {est['scan_actual_rows']:,}"
                             + ("; parallel plan" if est["parallel"] else "")
                             + ("; JIT-compiled" if est["jit"] else ""))
        t = largest["tick"]
        lines.append(f"  {'tick (all five)':<16} {t['median_ms']:>6.2f} ms {t['p95_ms']:>6.2f} ms")
        lines.append("")
        lines.append("  tick cost by size (median ms; rows selected in brackets):")
        head = "".join(f"{s['rows']:>16,}" for s in sizes)
        lines.append(f"  {'selection':<16}{head}   flat (fastest run, work)")
        for q in [*SELECTIONS, "tick"]:
            cells = []
            for s in sizes:
                f = s["tick"] if q == "tick" else s["queries"][q]
                rows = "" if q == "tick" else f" [{f['rows_selected']}]"
                cells.append(f"{f['median_ms']:.2f}{rows}".rjust(16))
            v = backend["verdict"][q]
            why = [] if v["flat"] else [k for k in ("rows", "time", "work")
                                        if not v.get(f"flat_{k}", True)]
            lines.append(f"  {q:<16}{''.join(cells)}   "
                         + ("yes" if v["flat"] else f"NO ({', '.join(why)})"))
        lines.append("  fastest run (ms):")
        for q in [*SELECTIONS, "tick"]:
            cells = "".join(f"{(s['tick'] if q == 'tick' else s['queries'][q])['min_ms']:.2f}"
                            .rjust(16) for s in sizes)
            lines.append(f"  {q:<16}{cells}")
        work_key = "vm_steps_thousands" if name == "sqlite" else "shared_buffers"
        lines.append(f"  work ({work_key.replace('_', ' ')}):")
        for q in SELECTIONS:
            cells = "".join(str(s["queries"][q]["work"][work_key]).rjust(16) for s in sizes)
            lines.append(f"  {q:<16}{cells}")
        by_days = largest["queries"]["warn_expiring"].get("acted_on_by_threshold_days")
        if by_days is not None:
            lines.append(f"  warn_expiring at {largest['rows']:,}: warnings sent by threshold "
                         f"(days: count) {by_days}, of {largest['queries']['warn_expiring']['due']}"
                         " due (a quarter at each threshold)")
        lines.append("")
        lines.append(f"  plans at {largest['rows']:,} rows:")
        for q in SELECTIONS:
            lines.append(f"  - {q}: {largest['queries'][q]['sql']}")
            lines.extend(f"      {p}" for p in largest["queries"][q]["plan"])
            if "generic_plan" in largest["queries"][q]:
                lines.append("    generic plan (PREPARE, plan_cache_mode=force_generic_plan):")
                lines.extend(f"      {p}" for p in largest["queries"][q]["generic_plan"])
        if "prepared_statements" in largest:
            lines.append("  prepared statements of the timed runs (generic / custom plans):")
            for st in largest["prepared_statements"]:
                if "pg_prepared_statements" not in st["statement"]:
                    lines.append(f"    {st['generic_plans']:>3} / {st['custom_plans']:<3} "
                                 f"{st['statement'][-90:]}")
        if "list_verdict" in backend:
            lines.extend(list_lines(backend))
        lines.append("")
    return "\n".join(lines)


def list_lines(backend: dict[str, Any]) -> list[str]:
    """The list page by size (and the smallest again, beside the largest), its verdict,
    and its plans at the largest size."""
    sizes, verdicts = backend["sizes"], backend["list_verdict"]
    pages = [s["list_page"] for s in sizes]
    heads = [f"{s['rows']:,}" for s in sizes]
    if "list_page_smallest_again" in backend:
        pages.append(backend["list_page_smallest_again"])
        heads.append(f"{sizes[0]['rows']:,} again")
    judged = "the smallest again" if "list_page_smallest_again" in backend else "the smallest"

    def row(name: str, cells: list[str], tail: str = "") -> str:
        return f"  {name:<16}" + "".join(c.rjust(16) for c in cells) + tail

    lines = ["", f"  certificate list page ({PER_PAGE} a page, newest first, with the total; "
             f"p50 / p99 ms); the largest against {judged}:",
             row("view", heads, f"   p99 <= {LIST_FACTOR:g} x + {LIST_SLACK_MS:g} ms")]
    for view in LIST_VIEWS:
        v = verdicts[view]
        lines.append(row(view, [f"{lp['views'][view]['p50_ms']:.2f} / "
                                f"{lp['views'][view]['p99_ms']:.2f}" for lp in pages],
                         "   " + ("yes" if v["within"] else "NO" if v["in_verdict"] else "no")
                         + f" ({v['p99_ms_largest']:.2f} vs {v['p99_limit_ms']:.2f} ms)"
                         + ("" if v["index_used_at_every_size"] else "  NOT ON ITS INDEX")
                         + ("" if v["in_verdict"] else "  (context, not judged)")))
    lines.append("  CPU time of the bench process per call, p50 / p99 ms (not judged):")
    for view in LIST_VIEWS:
        lines.append(row(view, [f"{lp['views'][view]['cpu_p50_ms']:.2f} / "
                                f"{lp['views'][view]['cpu_p99_ms']:.2f}" for lp in pages],
                         "   " + ("within" if verdicts[view]["cpu_within"] else "beyond")
                         + f" {LIST_FACTOR:g} x + {LIST_SLACK_MS:g} ms"))
    lines.append(row("users x certs", [
        f"{lp['sample_users']} x {lp['certificates_per_sampled_user']['median']:g}"
        for lp in pages], "   (users timed x their median certificates)"))
    lines.append(row("other processes", [
        f"{lp['passes'][lp['kept_pass']]['other_cpu_share']:.0%} ({len(lp['passes'])})"
        for lp in pages], "   (share of a core in the pass kept (passes))"))
    work_key = "vm_steps_hundreds" if "vm_steps_hundreds" in pages[-1]["views"]["page_1"][
        "statements"][0]["work"] else "shared_buffers"
    lines.append(f"  work for the user with the most ({work_key.replace('_', ' ')}, "
                 "count + page; not judged):")
    for view in LIST_VIEWS:
        lines.append(row(view, [" + ".join(str(st["work"][work_key])
                                           for st in lp["views"][view]["statements"])
                                for lp in pages]))
    largest = pages[len(sizes) - 1]
    top = largest["top_user"]
    lines.append(f"  list plans at {largest['rows']:,} rows (user {top['id']}, "
                 f"{top['certificates']} certificates):")
    for view in LIST_VIEWS:
        for st in largest["views"][view]["statements"]:
            sql = st["sql"] if len(st["sql"]) < 140 else f"{st['sql'][:60]}...{st['sql'][-70:]}"
            lines.append(f"  - {view} {st['kind']}: {sql}")
            lines.extend(f"      {p}" for p in st["plan"])
            if "generic_plan" in st and st["generic_indexes"] != st["indexes"]:
                lines.append("    generic plan:")
                lines.extend(f"      {p}" for p in st["generic_plan"])
    for st in largest.get("prepared_statements", []):
        lines.append(f"    {st['generic_plans']:>3} / {st['custom_plans']:<3} generic / custom: "
                     f"{st['statement'][-90:]}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="certificates at the largest size (default 1,000,000)")
    parser.add_argument("--sizes", type=str, default=None,
                        help="comma-separated sizes, ascending (default: 1,000, 10,000, "
                             "100,000 below --rows, then --rows)")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("CASP_BENCH_PG_URL", DEFAULT_PG_URL),
                        help="a database the bench creates and drops (default "
                             f"$CASP_BENCH_PG_URL or {DEFAULT_PG_URL})")
    parser.add_argument("--runs", type=int, default=20, help="timed ticks per size")
    parser.add_argument("--warmup", type=int, default=3, help="untimed ticks first")
    parser.add_argument("--manual-share", type=float, default=0.05,
                        help="share of issued certificates with auto-renew off (default 0.05)")
    parser.add_argument("--failing-share", type=float, default=0.005,
                        help="share of auto-renewed ones whose renewal keeps failing")
    parser.add_argument("--due-renewal", type=int, default=Due.renewal)
    parser.add_argument("--due-ari", type=int, default=Due.ari)
    parser.add_argument("--due-expired", type=int, default=Due.expired)
    parser.add_argument("--due-warning", type=int, default=Due.warning)
    parser.add_argument("--due-persist", type=int, default=Due.persist,
                        help="dns-persist-01 warnings due (default 20)")
    parser.add_argument("--persist-share", type=float, default=0.02,
                        help="share of issued certificates on dns-persist-01 with a "
                             "persistUntil (default 0.02)")
    parser.add_argument("--list-sample", type=int, default=200,
                        help="users whose certificate list page is timed at each size, at "
                             "random among those with certificates, and the one with the "
                             "most (default 200; 0: no list page)")
    parser.add_argument("--list-calls", type=int, default=400,
                        help="timed calls of each list view per size (default 400)")
    parser.add_argument("--list-block", type=int, default=50,
                        help="users' calls timed per connection before the next target's "
                             "turn (default 50)")
    parser.add_argument("--list-warmup", type=int, default=5,
                        help="untimed calls at the start of each block (default 5)")
    parser.add_argument("--list-retries", type=int, default=2,
                        help="list page measured again, up to this many times, while other "
                             f"processes use more than {NOISY_OTHER_CPU:.0%}% of a core")
    parser.add_argument("--random-owners", action="store_true",
                        help="every certificate to a random user (default: the smallest "
                             "size's certificates to a few users, as many each as a user "
                             "has at the largest size; see owners_for)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database and the SQLite file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/due_selection.json")
    args = parser.parse_args()
    due_total = (args.due_renewal + args.due_ari + args.due_expired + args.due_warning
                 + args.due_persist)
    if args.sizes:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    else:
        args.sizes = [s for s in (1_000, 10_000, 100_000) if s < args.rows] + [args.rows]
    if args.sizes != sorted(set(args.sizes)) or args.sizes[0] < due_total:
        parser.error(f"sizes must ascend and start at {due_total} (the due set) or more")
    if min(args.runs, args.users) < 1 or args.warmup < 0:
        parser.error("--runs and --users must be at least 1")
    if min(args.list_sample, args.list_calls, args.list_warmup, args.list_retries) < 0 \
            or args.list_block < 1:
        parser.error("--list-* must not be negative, --list-block at least 1")
    args.owners = (0, 0) if args.random_owners else owners_for(args.sizes, args.users)

    started = time.perf_counter()
    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                              "machine": machine(),
                              "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                              "params": {k: v for k, v in vars(args).items()
                                         if k not in ("out", "pg_url", "keep")},
                              "target_ms": TARGET_MS,
                              "flat_rule": f"at the largest size against the smallest: "
                                           f"rows selected <= {FLAT_FACTOR:g} x, fastest run "
                                           f"<= {FLAT_FACTOR:g} x + {FLAT_SLACK_MS:g} ms, work "
                                           f"<= {FLAT_FACTOR:g} x + 10 (SQLite, thousands of "
                                           "VM steps) or + one per row selected (PostgreSQL, "
                                           "shared buffers)",
                              "list_factor": LIST_FACTOR, "list_slack_ms": LIST_SLACK_MS,
                              "list_rule": f"list page p99 at the largest size <= "
                                           f"{LIST_FACTOR:g} x its p99 at the smallest + "
                                           f"{LIST_SLACK_MS:g} ms"}
    # The list page's implementation timed (it changes): the files it runs, by digest.
    result["list_sources_sha256"] = {
        str(f.relative_to(ROOT)): hashlib.sha256(f.read_bytes()).hexdigest()[:16]
        for f in (ROOT / "app/services/certificates/records.py",
                  ROOT / "app/services/certificates/listing.py",
                  ROOT / "app/services/certificates/view.py",
                  ROOT / "app/rest/v1/certificates.py") if f.exists()}
    keep = tempfile.mkdtemp(prefix="casp-due-") if args.keep else None
    with contextlib.ExitStack() as stack:
        tmp = Path(keep or stack.enter_context(tempfile.TemporaryDirectory(prefix="casp-due-")))
        result["backends"] = asyncio.run(run(args, tmp))
        if keep:
            print(f"kept: {tmp}")
    result["machine"]["postgres"] = result["backends"].get("postgres", {}).get("version")
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print()
    print(table(result))
    print(f"took {result['elapsed_s']:.0f} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
