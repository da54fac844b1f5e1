"""http-01 answers for any Host, from the database, so every casp instance can serve them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from models.certificate import HttpChallenge


async def acme_challenge(request: Request) -> PlainTextResponse:
    token = request.path_params["token"]
    row = await HttpChallenge.get_or_none(token=token) if len(token) <= 128 else None
    if row is None:
        return PlainTextResponse("not found", status_code=404)
    return PlainTextResponse(row.key_authorization)
