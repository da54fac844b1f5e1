"""The one place an AppError (or Starlette's own HTTP errors) becomes the REST envelope."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.errors import AppError, MethodNotAllowed, NotFound, RateLimited, ServerError
from app.rest.envelope import error_response


def headers_for(exc: AppError) -> dict[str, str]:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, MethodNotAllowed):
        return {"Allow": ", ".join(exc.allowed)}
    return {}


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc, headers_for(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown path, wrong method) in the envelope too."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        err: AppError = NotFound(f"No such endpoint: {request.url.path}")
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "").split(", ")
        err = MethodNotAllowed(request.method, [m for m in allowed if m])
    else:
        err = ServerError("Request failed")
    return error_response(err, headers_for(err))


EXCEPTION_HANDLERS = {AppError: app_error, HTTPException: http_error}
