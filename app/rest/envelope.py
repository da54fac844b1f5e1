"""The seed's envelope: {"success", "message", "data"} and {"success": false, "error": {...}}."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from app.errors import AppError

DEFAULT_MESSAGE = "操作成功"  # the seed's own success message


class FastJSON(JSONResponse):
    """Starlette's compact UTF-8 JSON, rendered by orjson (several times faster on a list)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(data: Any = None, message: str = DEFAULT_MESSAGE, status: int = 200) -> JSONResponse:
    return FastJSON({"success": True, "message": message, "data": data}, status_code=status)


def bare_ok() -> JSONResponse:
    """`{"success": true}` and nothing else, where the seed shows exactly that."""
    return FastJSON({"success": True})


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"success": False, "error": error}


def error_response(exc: AppError, headers: dict[str, str] | None = None) -> JSONResponse:
    return FastJSON(error_body(exc.code, exc.message, exc.details), status_code=exc.status,
                        headers=headers)
