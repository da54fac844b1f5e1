"""http-01 answers, from the database, so every casp instance can serve them; each only for a
Host that the certificate's user holds (the service decides)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from app.services.certificates import challenges


async def acme_challenge(request: Request) -> PlainTextResponse:
    answer = await challenges.http01_answer(request.path_params["token"],
                                            request.headers.get("host"))
    if answer is None:
        return PlainTextResponse("not found", status_code=404)
    return PlainTextResponse(answer)
