"""notificationSettings / updateNotificationSettings: the same service as account.php's
notification-settings, so both APIs show the same settings; errors name the argument."""

from __future__ import annotations

from tests.support.graphql import code_of, gql
from tests.support.rest import user

URL = "/api/v1/account.php?action=notification-settings"
FIELDS = "emailEnabled email webhookUrl webhookSecret types"
UPDATE = f"""mutation($url: String, $types: [NotificationType!], $email: Boolean) {{
  updateNotificationSettings(webhookUrl: $url, types: $types, emailEnabled: $email) {{
    {FIELDS} }} }}"""


async def test_graphql_and_rest_show_the_same_settings(app):
    headers = await user(app)
    token = headers["Authorization"].split()[1]
    changed = await gql(app, UPDATE, token, url="http://127.0.0.1:9/hook",
                        types=["EXPIRING", "EXPIRED"], email=False)
    got = changed["data"]["updateNotificationSettings"]
    assert got["webhookUrl"] == "http://127.0.0.1:9/hook" and len(got["webhookSecret"]) >= 16
    assert got["types"] == ["EXPIRING", "EXPIRED"] and got["emailEnabled"] is False
    rest = (await app.get(URL, headers=headers)).json()["data"]
    assert rest == {"email_enabled": False, "email": got["email"],
                    "webhook_url": got["webhookUrl"], "webhook_secret": got["webhookSecret"],
                    "types": ["expiring", "expired"]}
    shown = await gql(app, f"{{ notificationSettings {{ {FIELDS} }} }}", token)
    assert shown["data"]["notificationSettings"] == got


async def test_bad_url_is_a_field_error(app):
    headers = await user(app)
    token = headers["Authorization"].split()[1]
    result = await gql(app, UPDATE, token, url="ftp://example.com/x")
    assert code_of(result) == "VALIDATION_ERROR"
    assert "webhookUrl" in result["errors"][0]["extensions"]["fields"]
    assert code_of(await gql(app, f"{{ notificationSettings {{ {FIELDS} }} }}")) == \
        "UNAUTHORIZED"
