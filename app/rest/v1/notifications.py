"""notifications.php: the inbox, and mark-read (one, or "all")."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Call, Resource
from app.rest.envelope import bare_ok, ok
from app.rest.params import Param
from app.services.notifications import inbox as notifications
from app.services.notifications.inbox import NotificationView


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


RESOURCE = Resource("/api/v1/notifications.php", (
    Action(("GET",), None, inbox, "Your notifications, newest first", params=(
        Param("unread_only", "boolean", description="Only unread ones"),
        Param("page", "integer", minimum=1, description="Page, from 1"),
        Param("per_page", "integer", minimum=1, description="Items a page (20, at most 100)")),
           data={"type": "object", "required": ["notifications", "unread_count", "total"]}),
    Action(("POST",), "mark-read", mark_read, "Mark one notification read, or all with id=all",
           params=(Param("id", "name_or_code", required=True, max_length=20,
                         description="A notification id, or \"all\""),), bare=True),
))
