"""The one exception hierarchy. Each class carries its stable code and HTTP status.

    AppError
    ├── Unauthorized          UNAUTHORIZED         401
    ├── ValidationFailed      VALIDATION_ERROR     400
    │   └── BodyTimeout       VALIDATION_ERROR     408  (the body did not arrive in time)
    ├── NotFound              NOT_FOUND            404
    │   └── MethodNotAllowed  NOT_FOUND            405  (the resource has no such method)
    ├── RateLimited           RATE_LIMIT_EXCEEDED  429
    └── ServerError           SERVER_ERROR         500

REST renders them in app/rest/errors.py, GraphQL in schema/errors.py; nowhere else. A message
names parameters, values and actions through app/wording.py: `message` is in REST's words,
`marked` keeps the marks for GraphQL to spell its own. An error
raised before either door runs (app/middleware.py) goes to the renderer of its path's door,
which app/main.py hands the middleware.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.wording import rest_word, spelled


class AppError(Exception):
    code: ClassVar[str] = "SERVER_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.marked = message or self.default_message
        self.message = spelled(self.marked, rest_word)
        self.details = details
        super().__init__(self.message)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that go with the error in either door (Retry-After, Allow)."""
        return {}


class Unauthorized(AppError):
    code = "UNAUTHORIZED"
    status = 401
    default_message = "Authentication required: send 'Authorization: Bearer <token>'"


class ValidationFailed(AppError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = "Request parameter validation failed"

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(message, details=details)
        if field is not None:
            self.details = {**(details or {}), "fields": {field: self.message}}
        self.field = field


class BodyTimeout(ValidationFailed):
    """The request body did not arrive within CASP_BODY_TIMEOUT_SECONDS; the connection is
    closed after the answer (what is left of the body would be read as the next request)."""

    status = 408

    def __init__(self, seconds: int):
        super().__init__(f"The request body did not arrive within {seconds} s")

    @property
    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class NotFound(AppError):
    code = "NOT_FOUND"
    status = 404
    default_message = "The requested resource does not exist"


class MethodNotAllowed(NotFound):
    status = 405

    def __init__(self, method: str, allowed: list[str]):
        super().__init__(
            f"Method {method} is not allowed here; allowed: {', '.join(allowed)}",
            details={"allowed_methods": allowed},
        )
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class RateLimited(AppError):
    code = "RATE_LIMIT_EXCEEDED"
    status = 429
    default_message = "Too many requests; try again later"

    def __init__(self, message: str | None = None, *, retry_after: int = 60,
                 details: dict[str, Any] | None = None):
        super().__init__(message, details={**(details or {}), "retry_after": retry_after})
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServerError(AppError):
    """Raised on purpose for a failure the client cannot fix (the message is shown)."""
