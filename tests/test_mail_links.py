"""The links a user gets from `casp serve`: a mail's link works when copied from the outbox
file read as plain text (no quoted-printable soft wrap), the log line of the mail says where
the file is and which link it holds, and the links follow `--port` unless CASP_PUBLIC_URL is
set."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from tests.support.cli import casp_serve
from tests.support.rest import PASSWORD

pytestmark = pytest.mark.slow  # casp serve as a process

VERIFY = re.compile(r"https?://\S+action=verify-email&token=\S+")
DASHBOARD = re.compile(r"https?://\S+/#/verify-email\?token=\S+")


def _register(base: str, email: str = "me@example.com") -> None:
    r = httpx.post(f"{base}/api/v1/auth.php?action=register",
                   json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text


def _mail_file(data: Path) -> str:
    """The one mail in the outbox, read as plain text (it is sent by a job: waited for)."""
    deadline = time.monotonic() + 10
    while not (found := list((data / "outbox").glob("*.eml"))):
        assert time.monotonic() < deadline, "no mail in the outbox"
        time.sleep(0.05)
    (eml,) = found
    return eml.read_text()


def test_the_link_copied_from_the_outbox_file_verifies_the_account(tmp_path: Path) -> None:
    with casp_serve(tmp_path) as served:
        _register(served.base)
        text = _mail_file(tmp_path)
        assert "quoted-printable" not in text
        links = VERIFY.findall(text)
        assert len(links) == 1, text
        assert links[0].startswith(f"{served.base}/api/v1/auth.php?")  # the port served on
        r = httpx.get(links[0])
        assert r.status_code == 200, r.text
        assert r.json()["data"]["email_verified"] is True
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    line = next(ln for ln in served.output.splitlines() if "Confirm your email" in ln)
    assert str(eml) in line  # where the whole link is
    # the whole links, to follow from the terminal: in outbox mode no mail leaves the
    # machine. The dashboard's comes first: a browser opens it (tests/dashboard/).
    (page,) = DASHBOARD.findall(text)
    assert page.startswith(f"{served.base}/#/verify-email?token=")
    assert page.split("token=")[1] == links[0].split("token=")[1]
    assert f"links: {page} {links[0]}" in line, line


def test_domain_instructions_follow_the_port(tmp_path: Path) -> None:
    with casp_serve(tmp_path) as served:
        _register(served.base)
        token = httpx.post(f"{served.base}/api/v1/auth.php?action=login", json={
            "email": "me@example.com", "password": PASSWORD}).json()["data"]["token"]
        r = httpx.post(f"{served.base}/api/v1/domains.php",
                       headers={"Authorization": f"Bearer {token}"},
                       json={"domain": "www.example.test", "verification_method": "http-01"})
        assert r.status_code == 200, r.text
        how = r.json()["data"]["instructions"]["how"]
        assert f"{served.base}/.well-known/acme-challenge/" in how, how


def test_a_set_public_url_wins_over_the_port(tmp_path: Path) -> None:
    with casp_serve(tmp_path, CASP_PUBLIC_URL="https://casp.example.org/") as served:
        _register(served.base)
        (link,) = VERIFY.findall(_mail_file(tmp_path))
    assert link.startswith("https://casp.example.org/api/v1/auth.php?"), link
