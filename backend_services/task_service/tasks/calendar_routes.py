"""The calendar feed's routes: the owner's link (`/me/calendar`) and the feed itself.

`GET /calendar/{secret}.ics` takes no bearer token (calendar apps cannot send one): the
secret in the path is the credential. It is rate limited per client address, answers 404 for
any secret that opens no feed, and says `Cache-Control: private` (no shared cache keeps it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field

from backend_services.platform.app_support import CtxDep, PrincipalDep, SessionDep
from backend_services.platform.rest_write_limit import limiter_for, rest_write_limit
from backend_services.task_service.tasks import calendar_feed

router = APIRouter(prefix="/me/calendar", tags=["calendar"])
feed = APIRouter(prefix=calendar_feed.FEED_PATH, tags=["calendar"])
CALENDAR_TYPE = "text/calendar; charset=utf-8"


class CalendarLink(BaseModel):
    url: str = Field(
        description="the feed's secret address: subscribe to it in a calendar app; anyone "
        "holding it can read your dated tasks, so rotate it if it leaks"
    )


def _link(request: Request, ctx: CtxDep, secret: str) -> CalendarLink:
    base = ctx.settings.public_url or str(request.base_url)
    return CalendarLink(url=calendar_feed.feed_url(base, secret))


@router.get("", response_model=CalendarLink, summary="Your calendar feed's address (turns it on)")
def get_calendar(
    request: Request, principal: PrincipalDep, session: SessionDep, ctx: CtxDep
) -> CalendarLink:
    secret = calendar_feed.enable(session, ctx.tokens(), principal.user_id)
    return _link(request, ctx, secret)


@router.post(
    "/rotate",
    response_model=CalendarLink,
    summary="A new feed address; the old one stops working",
    dependencies=[Depends(rest_write_limit)],
)
def rotate_calendar(
    request: Request, principal: PrincipalDep, session: SessionDep, ctx: CtxDep
) -> CalendarLink:
    secret = calendar_feed.enable(session, ctx.tokens(), principal.user_id, rotate=True)
    return _link(request, ctx, secret)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Turn the calendar feed off (its address stops working)",
    dependencies=[Depends(rest_write_limit)],
)
def delete_calendar(principal: PrincipalDep, session: SessionDep) -> Response:
    calendar_feed.disable(session, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# a loose shape (the exact one is checked by `owner_of`: any other length is a 404 like a
# wrong secret); a character no secret has is refused before anything is looked up
FeedSecret = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,100}$", description="the feed's secret")
]


def feed_limit(request: Request, ctx: CtxDep) -> None:
    client = request.client.host if request.client else "unknown"
    per_minute = ctx.settings.calendar_feed_requests_per_minute
    limiter_for(request, "calendar_feed", per_minute).check(client, "calendar requests")


@feed.head("/{secret}.ics", include_in_schema=False, dependencies=[Depends(feed_limit)])
@feed.get(
    "/{secret}.ics",
    summary="The calendar feed (iCalendar); the secret in the path is the credential",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"},
        404: {"description": "No feed has this address (rotated, turned off, or never)"},
        429: {"description": "Too many requests from this address"},
    },
    dependencies=[Depends(feed_limit)],
)
def calendar_feed_ics(secret: FeedSecret, session: SessionDep) -> Response:
    owner = calendar_feed.owner_of(session, secret)
    body = calendar_feed.render_feed(session, owner)
    return Response(
        content=body.encode("utf-8"),
        media_type=CALENDAR_TYPE,
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="tasks.ics"',
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex",
        },
    )
