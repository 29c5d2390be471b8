"""One exception hierarchy carrying HTTP status codes, rendered by one handler.

Also the last line of defence for bad input that got past the request models: a value the
database refuses is a 422, a row changed or deleted by a concurrent request a 409, and no
error body can fail to render (a NaN or an unpaired surrogate echoed back from the input)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from backend_services.platform.inputs import json_safe

if TYPE_CHECKING:  # FastAPI is imported when an app is built, not by the CLI's service calls
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

log = logging.getLogger("todo.errors")


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


class Unavailable(AppError):
    status_code = 503
    error = "unavailable"


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError
    from sqlalchemy.orm.exc import StaleDataError

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
        return JSONResponse(json_safe(body), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own shape (with BadRequest's "error"), but the echoed input may hold NaN,
        # Infinity or a lone surrogate
        detail = json_safe(jsonable_encoder(exc.errors()))
        return JSONResponse({"error": BadRequest.error, "detail": detail}, 422)

    @app.exception_handler(StaleDataError)
    async def _raced(request: Request, exc: StaleDataError) -> JSONResponse:
        log.info("%s %r lost a race: %s", request.method, request.url.path, exc)
        return await _render(
            request,
            Conflict("changed or deleted by another request at the same time; reload and retry"),
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        log.warning(
            "%s %r: the database refused a value: %s",
            request.method,
            request.url.path,
            type(exc.orig).__name__,
        )
        return await _render(
            request, BadRequest("a value cannot be stored (invalid or out of range)")
        )
