"""Issue 4's "done when", end to end against real Pebble: a certificate is renewed by casp
on its own once the (moved) clock reaches its renewal moment; the user sees it in the inbox,
by mail (a real SMTP server) and by a signed webhook (a real HTTP server on loopback);
renewal.php counts it; and the seed's renew call answers with the new expires_at."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import ManualClock
from app.jobs.queue import enqueue
from models.certificate import Certificate
from tests.support.acme import casp_settings, issue_http01, user_token, wait_renewed
from tests.support.deliveries import Receiver, Smtp, casp, eventually, signed
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.pebble import PebbleFactory
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"


async def test_renewed_on_its_own_seen_everywhere(tmp_path: Path, pebble_factory: PebbleFactory,
                                                  bind_server: BindServer, port: int,
                                                  smtp: Smtp, receiver: Receiver):
    ca = pebble_factory(http_port=port)
    smtp.start()
    settings = casp(casp_settings(tmp_path / "data", ca, bind_server, port), smtp)
    clock = ManualClock()
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        r = await client.post("/api/v1/account.php?action=notification-settings",
                              headers=bearer(token), json={"webhook_url": receiver.url})
        secret = r.json()["data"]["webhook_secret"]
        first = await issue_http01(client, token, "r")

        row = await Certificate.get(id=first["id"])
        clock._now = row.renew_at + timedelta(seconds=1)  # type: ignore[operator]
        await enqueue("sweep", {}, key="sweep")
        renewed = await wait_renewed(client, token, first["id"], first["serial"])
        assert renewed["id"] == first["id"] and renewed["history"][0]["serial"] == \
            first["serial"]

        inbox = (await client.get("/api/v1/notifications.php",
                                  headers=bearer(token))).json()["data"]
        assert inbox["notifications"][0]["type"] == "renewal_succeeded"
        assert inbox["notifications"][0]["certificate_id"] == first["id"]
        mails = await eventually(lambda: smtp.mails("Certificate renewed"))
        assert renewed["domains"][0] in mails[0]["Subject"]

        def renewal_hooks() -> list:  # type: ignore[type-arg]
            return [h for h in receiver.hits if h.headers["X-Casp-Event"] == "renewal_succeeded"]
        [hook] = await eventually(renewal_hooks)
        assert signed(hook, secret)
        assert json.loads(hook.body)["certificate_id"] == first["id"]

        stats = (await client.get("/api/v1/renewal.php", headers=bearer(token))).json()["data"]
        assert stats["successful_renewals"] == 1 and stats["failed_renewals"] == 0

        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": first["id"]})
        assert r.status_code == 200, r.text
        again = (await client.get(URL, params={"id": first["id"]},
                                  headers=bearer(token))).json()["data"]
        assert r.json()["data"] == {"expires_at": again["expires_at"], "id": first["id"],
                                    "status": "issued"}
        assert again["serial"] not in (first["serial"], renewed["serial"])
