"""renewal.php: renewal statistics (the seed's two figures, and more)."""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response

from app.rest.dispatch import Action, Call, Resource
from app.rest.envelope import ok
from app.rest.v1.schemas import INT
from app.services.certificates import renewal_stats


async def show(call: Call) -> Response:
    figures = await renewal_stats.stats(user=call.me)
    nxt = figures.next_renewal_at
    return ok(asdict(figures) | {"next_renewal_at": nxt.isoformat() if nxt else None})


RESOURCE = Resource("/api/v1/renewal.php", (
    Action(("GET",), None, show, "Renewal statistics", data={
        "type": "object", "required": ["successful_renewals", "pending_renewals"],
        "properties": {"successful_renewals": INT, "pending_renewals": INT,
                       "failed_renewals": INT, "expiring_within_30_days": INT}}),
))
