"""The committed SDL (schema.graphql) is the schema the code builds."""

from __future__ import annotations

from schema.__main__ import DEFAULT, sdl


def test_schema_graphql_matches_the_code():
    assert DEFAULT.exists(), "schema.graphql is missing: run `.venv/bin/python -m schema`"
    assert DEFAULT.read_text() == sdl(), (
        "schema.graphql differs from the schema in code: run `.venv/bin/python -m schema` "
        "and commit the file")


def test_the_schema_has_every_capability():
    text = sdl()
    for name in ("me", "certificates(", "certificate(", "certificateDownload(", "domains",
                 "domain(", "renewalStats", "notifications(", "caProviders", "register(",
                 "login(", "verifyEmail(", "forgotPassword(", "resetPassword(",
                 "regenerateApiToken", "setEabCredentials(", "addDomain(", "verifyDomain(",
                 "deleteDomain(", "requestCertificate(", "verifyCertificate(",
                 "renewCertificate(", "revokeCertificate(", "deleteCertificate(",
                 "markNotificationRead(", "markAllNotificationsRead", "notificationSettings",
                 "updateNotificationSettings(",
                 "certificateEvents("):
        assert name in text, name
