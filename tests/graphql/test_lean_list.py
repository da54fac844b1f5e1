"""The certificate list reads only the summary's columns when the query asks none of the
whole record's fields (certificatePem, chainPem, renewAt, renewalWindow), and whole rows as
soon as it asks one: through an alias, a fragment or an inline fragment alike."""

from __future__ import annotations

import httpx
import pytest

from app.services.certificates import records
from tests.support.graphql import data_of, gql, make_issued, rest, user

CERTS = "/api/v1/certificates.php"
SUMMARY = "id domains status serial issuer expiresAt history { serial }"


@pytest.fixture
async def token(quiet: httpx.AsyncClient) -> str:
    token = await user(quiet, "lean@example.com", "example.com")
    made = await rest(quiet, "POST", CERTS, token, status=201,
                      body={"ca_provider": "letsencrypt", "domains": ["example.com"]})
    await make_issued(made["id"], versions=1)
    return token


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which service read each list: whole rows or summaries."""
    called: list[str] = []
    for name in ("list_certificates", "list_summaries"):
        real = getattr(records, name)

        async def spy(*args: object, _real=real, _name=name, **kwargs: object) -> object:
            called.append(_name)
            return await _real(*args, **kwargs)
        monkeypatch.setattr(records, name, spy)
    return called


@pytest.mark.parametrize(("query", "reader"), [
    ("{ certificates { certificates { " + SUMMARY + " } total } }", "list_summaries"),
    ("{ certificates { total } }", "list_summaries"),
    ("{ certificates { certificates { " + SUMMARY + " pem: certificatePem } } }",
     "list_certificates"),
    ("{ certificates { ...F } } fragment F on CertificatePage { certificates { renewAt } }",
     "list_certificates"),
    ("{ certificates { certificates { ... on Certificate { chainPem } } } }",
     "list_certificates"),
])
async def test_the_list_reads_what_the_query_asks(quiet: httpx.AsyncClient, token: str,
                                                  readers: list[str], query: str, reader: str):
    data_of(await gql(quiet, query, token))
    assert readers == [reader]


async def test_lean_and_whole_lists_answer_alike(quiet: httpx.AsyncClient, token: str):
    lean = data_of(await gql(quiet, "{ certificates { certificates { " + SUMMARY + " } } }",
                             token))["certificates"]["certificates"]
    whole = data_of(await gql(
        quiet, "{ certificates { certificates { " + SUMMARY + " certificatePem } } }",
        token))["certificates"]["certificates"]
    assert whole[0].pop("certificatePem").startswith("-----BEGIN CERTIFICATE-----")
    assert lean == whole and lean[0]["serial"] and lean[0]["history"]
