"""dns_provider mode end to end: casp writes the dns-01 TXT records through the user's
stored credential, against real DNS servers (PowerDNS Authoritative through lexicon's
powerdns provider, BIND through RFC 2136 with TSIG) with Pebble resolving through them; the
records are removed after success, after a failed challenge and, left by a dead attempt,
by the sweep; a credential the provider stops accepting fails the certificate clearly."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.acme.interface import Challenge
from app.runtime import current
from app.services.certificates.challenges import IssuanceHooks
from app.services.dnsproviders import records as provider_records
from models.dns_credential import DnsCredential, DnsProviderRecord
from tests.support.acme import request_cert, user_token, wait_for
from tests.support.app import raw_database
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pdns import PowerDns
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.reach import (
    ACCOUNT,
    add_credential,
    pdns_body,
    pebble_through,
    provider_domain,
    provider_settings,
)
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble, PowerDNS and BIND


@pytest.fixture(scope="module")
def casp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def pdns_ca(pebble_factory: PebbleFactory, powerdns: PowerDns,
            casp_port: int) -> Iterator[PebbleServer]:
    """A Pebble whose VA resolves through PowerDNS (pebble_factory's is BIND)."""
    with pebble_through(powerdns, casp_port) as server:
        yield server


@pytest.fixture(scope="module")
def bind_ca(pebble_factory: PebbleFactory, casp_port: int) -> PebbleServer:
    return pebble_factory(http_port=casp_port)


async def test_powerdns_issues_a_wildcard_and_removes_its_records(
        tmp_path: Path, pdns_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int):
    settings = provider_settings(tmp_path, pdns_ca, bind_server, casp_port, powerdns.address)
    name = f"w{casp_port}.{powerdns.zone}"
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        wrong = await add_credential(client, token, **pdns_body(powerdns, "not-the-key"))
        error = assert_error(wrong, 400, "VALIDATION_ERROR")
        assert error["details"]["fields"] == {"credentials": error["message"]}
        assert "the check failed" in error["message"] and "HTTP 401" in error["message"]
        assert "not-the-key" not in wrong.text

        r = await add_credential(client, token, **pdns_body(powerdns))
        assert r.status_code == 200, r.text
        saved = r.json()["data"]
        assert saved["provider"] == "powerdns" and saved["label"] == "my pdns"
        assert set(saved) == {"id", "provider", "label", "zone", "created_at", "last_used_at"}
        await provider_domain(client, token, name, saved["id"])

        cert = await request_cert(client, token, domains=[f"*.{name}", name])
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        verify_chain(done["certificate_pem"] + done["chain_pem"], pdns_ca.roots_pem(),
                     [name, f"*.{name}"])
        assert done["dns_records"] is None  # nothing for the user to publish
        assert powerdns.txt(f"_acme-challenge.{name}") == []  # removed afterwards
        assert await DnsProviderRecord.all().count() == 0
        listed = (await client.get(ACCOUNT, params={"action": "dns-credentials"},
                                   headers=bearer(token))).json()["data"]
        assert [c["id"] for c in listed["dns_credentials"]] == [saved["id"]]
        assert listed["dns_credentials"][0]["last_used_at"] >= saved["last_used_at"]
        assert powerdns.api_key.encode() not in await raw_database(settings)


async def test_a_credential_the_provider_stops_accepting_fails_clearly(
        tmp_path: Path, pdns_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int):
    settings = provider_settings(tmp_path, pdns_ca, bind_server, casp_port, powerdns.address)
    name = f"k{casp_port}.{powerdns.zone}"
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        saved = (await add_credential(client, token, **pdns_body(powerdns))).json()["data"]
        await provider_domain(client, token, name, saved["id"])
        # The key is revoked at the provider (here: the stored one replaced by a stale one).
        row = await DnsCredential.get(id=saved["id"])
        row.secret_encrypted = current().box.encrypt(json.dumps(
            {"auth_token": "revoked-key", "pdns_server": powerdns.api_url}))
        await row.save(update_fields=["secret_encrypted"])

        r = await client.post(f"{ACCOUNT}?action=check-dns-credential", headers=bearer(token),
                              json={"id": saved["id"]})
        check = r.json()["data"]
        assert r.json()["message"] == "DNS credential check failed: see error"
        assert check["ok"] is False and "HTTP 401" in check["error"]

        cert = await request_cert(client, token, domains=[name])
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "failed"
        assert done["last_error"]["type"] == "casp:dnsProvider"
        assert "powerdns" in done["last_error"]["detail"]
        assert "HTTP 401" in done["last_error"]["detail"]
        assert "revoked-key" not in json.dumps(done)


async def test_records_are_removed_after_a_failed_challenge(
        tmp_path: Path, bind_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int):
    """casp writes to PowerDNS and sees the record there; this CA looks in BIND and finds
    none: the challenge fails, and casp takes its record down."""
    settings = provider_settings(tmp_path, bind_ca, bind_server, casp_port, powerdns.address)
    name = f"f{casp_port}.{powerdns.zone}"
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        saved = (await add_credential(client, token, **pdns_body(powerdns))).json()["data"]
        await provider_domain(client, token, name, saved["id"])
        cert = await request_cert(client, token, domains=[name])
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "failed"
        assert done["last_error"]["type"].startswith("urn:ietf:params:acme:error:")
        row = await DnsCredential.get(id=saved["id"])
        assert row.last_used_at.isoformat() > saved["last_used_at"]  # it wrote the record
        assert powerdns.txt(f"_acme-challenge.{name}") == []
        assert await DnsProviderRecord.all().count() == 0


async def test_records_left_by_a_dead_attempt_are_removed_by_the_sweep(
        tmp_path: Path, pdns_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int):
    """A worker killed after writing (its rows saved, nothing removed): the sweep removes
    what is older than any attempt lasts, and leaves what a running attempt may still use."""
    settings = provider_settings(tmp_path, pdns_ca, bind_server, casp_port, powerdns.address)
    old, fresh = f"_acme-challenge.o{casp_port}.{powerdns.zone}", \
        f"_acme-challenge.n{casp_port}.{powerdns.zone}"
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        saved = (await add_credential(client, token, **pdns_body(powerdns))).json()["data"]
        row = await DnsCredential.get(id=saved["id"])
        await provider_records.write(41, row, old, "left-by-a-dead-worker")
        assert powerdns.txt(old) == ["left-by-a-dead-worker"]
        later = current().clock.now() + timedelta(seconds=settings.issuance_deadline_seconds
                                                  + settings.dns_propagation_seconds
                                                  + 301)
        await provider_records.write(42, row, fresh, "still-in-use")
        await DnsProviderRecord.filter(certificate_id=42).update(
            created_at=later - timedelta(seconds=10))
        assert await provider_records.sweep(later) == 1
        assert powerdns.txt(old) == []
        assert powerdns.txt(fresh) == ["still-in-use"]
        assert [r.certificate_id for r in await DnsProviderRecord.all()] == [42]


async def test_rfc2136_to_the_users_bind_through_graphql(
        tmp_path: Path, bind_ca: PebbleServer, bind_server: BindServer, casp_port: int):
    settings = provider_settings(tmp_path, bind_ca, bind_server, casp_port, bind_server.address)
    settings = dataclasses.replace(settings, dns_zone=None, dns_update_server=None,
                                   dns_tsig_key=None)  # no delegation: the user's own server
    name = f"r{casp_port}.{bind_server.users_zone.rstrip('.')}"
    key = f"{bind_server.tsig_algorithm}:{bind_server.tsig_key_name}:{bind_server.tsig_secret}"
    add = """mutation($c: JSON!) { addDnsCredential(provider: "rfc2136", label: "bind",
               zone: "example.test", credentials: $c) { id provider zone lastUsedAt } }"""
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        bad = await gql(client, add, token, c={"server": bind_server.address,
                                                "tsig_key": key[:-6] + "AAAAA="})
        assert bad["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
        assert "refused the TSIG key" in bad["errors"][0]["message"]
        made = data_of(await gql(client, add, token,
                                 c={"server": bind_server.address, "tsig_key": key}))
        credential = made["addDnsCredential"]
        domain = data_of(await gql(client, f'mutation {{ addDomain(domain: "{name}") {{ id }} }}',
                                   token))["addDomain"]
        chosen = data_of(await gql(
            client, "mutation($d: Int!, $c: Int) { setDomainDnsCredential(id: $d, "
                    "dnsCredentialId: $c) { dnsCredentialId } }", token,
            d=domain["id"], c=credential["id"]))
        assert chosen["setDomainDnsCredential"]["dnsCredentialId"] == credential["id"]
        requested = data_of(await gql(
            client, f'mutation {{ requestCertificate(domains: ["*.{name}", "{name}"], '
                    "caProvider: LETSENCRYPT, challengeType: DNS_01) { id } }", token))
        done = await wait_for(client, token, requested["requestCertificate"]["id"])
        assert done["status"] == "issued", done["last_error"]
        verify_chain(done["certificate_pem"] + done["chain_pem"], bind_ca.roots_pem(),
                     [name, f"*.{name}"])
        assert bind_server.query(f"_acme-challenge.{name}", "TXT") == []
        assert await DnsProviderRecord.all().count() == 0
        assert bind_server.tsig_secret.encode() not in await raw_database(settings)


async def test_a_crash_mid_attempt_removes_what_it_wrote(
        tmp_path: Path, pdns_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int, monkeypatch: pytest.MonkeyPatch):
    """The first attempt dies of an unexpected error once its records are up: they are
    removed as the attempt ends, and the worker's retry issues."""
    settings = provider_settings(tmp_path, pdns_ca, bind_server, casp_port, powerdns.address)
    name = f"c{casp_port}.{powerdns.zone}"
    record = f"_acme-challenge.{name}"
    seen: list[list[str]] = []
    original = IssuanceHooks._publish_dns

    async def crashing(self: IssuanceHooks, dns: list[Challenge]) -> None:
        seen.append(powerdns.txt(record))  # what the attempt finds before writing
        await original(self, dns)
        if len(seen) == 1:
            seen.append(powerdns.txt(record))
            raise RuntimeError("simulated crash mid-attempt")

    monkeypatch.setattr(IssuanceHooks, "_publish_dns", crashing)
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        saved = (await add_credential(client, token, **pdns_body(powerdns))).json()["data"]
        await provider_domain(client, token, name, saved["id"])
        cert = await request_cert(client, token, domains=[name])
        done = await wait_for(client, token, cert["id"], within=30)
        assert done["status"] == "issued", done["last_error"]
        first_before, first_written, retry_before = seen[:3]
        assert first_before == [] and len(first_written) == 1
        assert retry_before == []  # the crashed attempt removed its value
        assert powerdns.txt(record) == []
        assert await DnsProviderRecord.all().count() == 0
