"""Deliveries beyond the inbox: one "deliver" job per notification and channel (email,
webhook), retried with backoff for about a day. A delivery never holds up or breaks the
work that wrote the notification (issuance, renewal, the sweep)."""

from __future__ import annotations

import logging

from app import outbound
from app.jobs.queue import RetryLater, announce_queued, enqueue
from app.mail import MailFailed
from app.runtime import current
from app.services.notifications import settings as notification_settings
from app.services.notifications import webhooks
from models.job import Job
from models.notification import Notification
from models.user import User

log = logging.getLogger(__name__)

# Seconds to wait after failed attempt 1, 2, ...: 30 s, 2 min, 10 min, 30 min, 2 h, 6 h,
# 15 h; the 8th attempt (about a day after the first) is the last.
RETRY_DELAYS = (30, 120, 600, 1800, 7200, 21600, 54000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


async def schedule(note: Notification) -> None:
    """Queue the deliveries the user wants for this notification; never raises."""
    try:
        user = await User.get(id=note.user_id)
        prefs = await notification_settings.get(user=user)
        channels = prefs.channels_for(note.type)
        for channel in channels:
            await enqueue("deliver", {"notification_id": note.id, "channel": channel},
                          key=f"deliver:{note.id}:{channel}", user_id=note.user_id,
                          announce=False)
        if channels:
            await announce_queued()  # once for all channels
    except Exception:  # the inbox row is stored; a lost delivery must not fail the caller
        log.exception("could not queue the deliveries of notification %s", note.id)


async def run_delivery(job: Job) -> None:
    """The "deliver" task. The user's settings are read now, not when it was queued: a
    channel turned off (or a webhook removed) since then drops the delivery."""
    note = await Notification.get_or_none(id=job.payload["notification_id"])
    channel = job.payload["channel"]
    if note is None:  # deleted with its user
        return
    user = await User.get(id=note.user_id)
    prefs = await notification_settings.get(user=user)
    if channel not in prefs.channels_for(note.type):
        log.info("notification %s: %s delivery dropped (turned off)", note.id, channel)
        return
    try:
        await _send(channel, note, prefs, job.attempts)
    except outbound.PrivateAddress as exc:  # a rule, not a failure: trying again won't help
        log.warning("notification %s: webhook refused: %s (%s is %s)", note.id, exc,
                    exc.address, exc.reason)
    except (webhooks.WebhookFailed, MailFailed) as exc:
        _retry_or_give_up(job, note, channel, exc)


async def _send(channel: str, note: Notification,
                prefs: notification_settings.DeliverySettings, attempt: int) -> None:
    if channel == "email":
        await current().mailer.send(prefs.email, note.title, mail_body(note))
    elif channel == "webhook":
        assert prefs.webhook_url and prefs.webhook_secret
        await webhooks.deliver(note, url=prefs.webhook_url, secret=prefs.webhook_secret,
                               attempt=attempt)
    log.info("notification %s delivered by %s", note.id, channel)


def _retry_or_give_up(job: Job, note: Notification, channel: str, exc: Exception) -> None:
    if job.attempts >= MAX_ATTEMPTS:
        log.warning("notification %s: %s delivery given up after %d attempts: %s",
                    note.id, channel, job.attempts, exc)
        return
    delay = RETRY_DELAYS[max(0, job.attempts - 1)]
    log.info("notification %s: %s delivery failed (%s), again in %d s", note.id, channel,
             exc, delay)
    raise RetryLater(delay, f"{channel}: {exc}")


def mail_body(note: Notification) -> str:
    base = current().settings.public_url
    lines = [note.message, ""]
    if note.certificate_id is not None:
        lines.append(f"Certificate: {base}/api/v1/certificates.php?id={note.certificate_id}")
    lines += [f"Sent by casp on {note.created_at:%Y-%m-%d %H:%M} UTC.", "",
              "To choose which notifications are mailed: "
              f"{base}/api/v1/account.php?action=notification-settings"]
    return "\n".join(lines) + "\n"
