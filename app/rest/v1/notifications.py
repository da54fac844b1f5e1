"""notifications.php: the inbox, and mark-read (one, or "all")."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import bare_ok, ok
from app.rest.params import Param
from app.rest.v1.schemas import ID, INT, enum, fields_of, named, nullable, obj, record
from app.services.inputs import MAX_PAGE, MAX_PER_PAGE
from app.services.notifications import inbox as notifications
from app.services.notifications.inbox import TYPES, NotificationView


def view(item: NotificationView) -> dict[str, Any]:
    return {"id": item.id, "type": item.type, "title": item.title, "message": item.message,
            "certificate_id": item.certificate_id, "read": item.read,
            "created_at": item.created_at.isoformat()}


async def inbox(call: Call) -> Response:
    box = await notifications.list_notifications(user=call.me, **call.params)
    return ok({"notifications": [view(n) for n in box.items], "unread_count": box.unread_count,
               "total": box.total, "page": box.page, "per_page": box.per_page,
               "pages": box.pages})


async def mark_read(call: Call) -> Response:
    await notifications.mark_read(user=call.me, id=call.params["id"])
    return bare_ok()


NOTE = named("Notification", "One notification of your inbox", record(fields_of(
    NotificationView, override={"id": ID, "type": enum(TYPES),
                                "certificate_id": nullable(ID)})))
INBOX = Action(("GET",), None, inbox, "Your notifications, newest first", params=(
    Param("unread_only", "boolean", description="Only unread ones"),
    Param("page", "integer", minimum=1, maximum=MAX_PAGE, description="Page, from 1"),
    Param("per_page", "integer", minimum=1, maximum=MAX_PER_PAGE,
          description=f"Items a page (20, at most {MAX_PER_PAGE})")),
               data=named("NotificationPage", "One page of your inbox, and how many are "
                          "unread", obj(notifications={"type": "array", "items": NOTE},
                                        unread_count=INT, total=INT, page=INT, per_page=INT,
                                        pages=INT)))
MARK_READ = Action(("POST",), "mark-read", mark_read,
                   "Mark one notification read, or all with id=all",
                   params=(Param("id", "name_or_code", required=True, max_length=20,
                                 description="A notification id, or \"all\""),), bare=True)
RESOURCE = Resource("/api/v1/notifications.php", (INBOX, MARK_READ))
ALIASES = (
    Alias("GET", "/api/v1/notifications", INBOX, "listNotifications"),
    Alias("POST", "/api/v1/notifications/{id}/read", MARK_READ, "markNotificationRead",
          summary="Mark one notification read; the id \"all\" marks them all"),
)
