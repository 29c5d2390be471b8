"""One exception hierarchy carrying HTTP status codes, rendered by one handler."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class AppError(Exception):
    status_code = 400
    error = "bad_request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(AppError):
    status_code = 404
    error = "not_found"


class BadRequest(AppError):
    status_code = 422
    error = "invalid"


class Unauthorized(AppError):
    status_code = 401
    error = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    error = "forbidden"


class Conflict(AppError):
    status_code = 409
    error = "conflict"


class TooMany(AppError):
    status_code = 429
    error = "rate_limited"


class PayloadTooLarge(AppError):
    status_code = 413
    error = "too_large"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _render(_request: Request, exc: AppError) -> JSONResponse:
        detail: Any = exc.detail
        if isinstance(exc, BadRequest):
            # the same shape as FastAPI's own 422s, so clients parse one format
            field = exc.extra.get("field")
            detail = [
                {
                    "loc": ["body", field] if field else ["body"],
                    "msg": exc.detail,
                    "type": "value_error",
                }
            ]
        body: dict[str, Any] = {"error": exc.error, "detail": detail, **exc.extra}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
