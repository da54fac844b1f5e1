"""renewal.php: renewal statistics (the seed's two figures, and more)."""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.v1.schemas import CA_NAME, fields_of, named, record
from app.services.certificates import renewal_stats
from app.services.certificates.renewal_stats import CaCounts, RenewalStats


async def show(call: Call) -> Response:
    figures = await renewal_stats.stats(user=call.me)
    nxt = figures.next_renewal_at
    return ok(asdict(figures) | {"next_renewal_at": nxt.isoformat() if nxt else None})


COUNTS = named("RenewalCounts", "Renewals that succeeded, are pending, failed",
               record(fields_of(CaCounts)))
STATS = Action(("GET",), None, show, "Renewal statistics", data=named(
    "RenewalStats", "Your renewals: the seed's two figures, and more", record(fields_of(
        RenewalStats, override={"by_ca": {
            "type": "object", "propertyNames": CA_NAME, "additionalProperties": COUNTS,
            "description": "The same counts by CA (only CAs with something to count)"}}))))
RESOURCE = Resource("/api/v1/renewal.php", (STATS,))
ALIASES = (Alias("GET", "/api/v1/renewal/stats", STATS, "getRenewalStats"),)
