"""The one place an AppError (or Starlette's own HTTP errors) becomes the REST envelope."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.errors import AppError, MethodNotAllowed, NotFound, ServerError
from app.rest.envelope import FastJSON


def error_body(exc: AppError) -> dict[str, Any]:
    """{"success": false, "error": {"code", "message"[, "details"]}} (the seed's shape)."""
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.details:
        error["details"] = exc.details
    return {"success": False, "error": error}


def error_response(exc: AppError) -> Response:
    return FastJSON(error_body(exc), status_code=exc.status, headers=exc.headers)


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc)


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
    return error_response(err)


EXCEPTION_HANDLERS = {AppError: app_error, HTTPException: http_error}
