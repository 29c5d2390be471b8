"""The calendar feed: a secret URL per user that serves their dated tasks as iCalendar.

The URL is `<public base>/calendar/<secret>.ics`; it names no user. The secret is the
HMAC-SHA256 of a random nonce under the service's signing key (`TokenSigner.derive`), so the
owner can be shown the URL again while the table alone yields none; a request is looked up by
the SHA-256 of the secret it presents (an index lookup on a hash the caller cannot steer) and
then compared in constant time. Rotating draws a new nonce, deleting turns the feed off: the
old URL is 404 at once, as is one whose owner is disabled or gone.

What the feed holds: every pending task with a due time or a deadline. A due time is a timed
event in the task's zone (DURATION from the task's duration), repeating by the task's RRULE
(a COUNT is reduced to the occurrences left; a rule counted from completion is shown as its
next occurrence only, as its later dates move with each completion), with its reminders as
alarms relative to the due time. A deadline is an all-day event of its own ("Deadline: ...").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from sqlmodel import Session, col, or_, select

from backend_services.kernel.accounts import User
from backend_services.platform.auth import TokenSigner
from backend_services.platform.errors import NotFound
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.tasks.feed_models import CalendarFeed
from backend_services.task_service.tasks.ics import Calendar, FeedAlarm, FeedEvent, render_calendar
from backend_services.task_service.tasks.models import Task

PURPOSE = "calendar-feed"
FEED_PATH = "/calendar"
MAX_FEED_TASKS = 2000
UID_DOMAIN = "todo-assistant"
MAX_COUNT_STEPS = 10_000  # instances counted to find how many of a COUNT are left
# what a secret looks like: 256 bits, base64url without padding
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class FeedOwner:
    user_id: str
    timezone: str
    display_name: str


def _secret(signer: TokenSigner, nonce: str) -> str:
    return base64.urlsafe_b64encode(signer.derive(PURPOSE, nonce)).decode().rstrip("=")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_url(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}{FEED_PATH}/{secret}.ics"


def current_secret(session: Session, signer: TokenSigner, user_id: str) -> str | None:
    """The secret of the user's feed, or None when it is off."""
    feed = session.get(CalendarFeed, user_id)
    return None if feed is None else _secret(signer, feed.nonce)


def enable(session: Session, signer: TokenSigner, user_id: str, *, rotate: bool = False) -> str:
    """The feed's secret, turning the feed on first if needed; `rotate` always draws a new
    one (the old URL stops working with this commit)."""
    feed = session.get(CalendarFeed, user_id)
    if feed is not None and not rotate:
        return _secret(signer, feed.nonce)
    nonce = secrets.token_hex(32)
    secret = _secret(signer, nonce)
    if feed is None:
        feed = CalendarFeed(user_id=user_id, nonce=nonce, secret_hash=_hash(secret))
    else:
        feed.nonce, feed.secret_hash, feed.created_at = nonce, _hash(secret), utcnow()
    session.add(feed)
    session.commit()
    return secret


def disable(session: Session, user_id: str) -> bool:
    feed = session.get(CalendarFeed, user_id)
    if feed is None:
        return False
    session.delete(feed)
    session.commit()
    return True


def stage_deleting(session: Session, user_id: str) -> None:
    """Part of deleting the account (its unit of work commits)."""
    feed = session.get(CalendarFeed, user_id)
    if feed is not None:
        session.delete(feed)


def owner_of(session: Session, secret: str) -> FeedOwner:
    """The active user whose feed `secret` opens; NotFound for any other secret."""
    if not SECRET_SHAPE.fullmatch(secret):
        raise NotFound("no such calendar")
    wanted = _hash(secret)
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.secret_hash == wanted)).first()
    if feed is None or not hmac.compare_digest(feed.secret_hash, wanted):
        raise NotFound("no such calendar")
    user = session.get(User, feed.user_id)
    if user is None or user.disabled:
        raise NotFound("no such calendar")
    return FeedOwner(user.id, user.timezone, user.display_name)


def render_feed(session: Session, owner: FeedOwner, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    tasks = session.exec(
        select(Task)
        .where(
            Task.user_id == owner.user_id,
            Task.status == "pending",
            or_(col(Task.due_at).is_not(None), col(Task.deadline).is_not(None)),
        )
        .order_by(col(Task.due_at).is_(None), col(Task.due_at), col(Task.id))
        .limit(MAX_FEED_TASKS)
    ).all()
    calendar = Calendar(name="Tasks", zone=owner.timezone)
    for task in tasks:
        calendar.events += task_events(task)
    return render_calendar(calendar, now=now)


def task_events(task: Task) -> list[FeedEvent]:
    """The feed's events for one task: its due time and its deadline (each when set)."""
    events: list[FeedEvent] = []
    common = {
        "stamp": task.updated_at,
        "created": task.created_at,
        "description": task.description,
        "categories": tuple(dict.fromkeys([task.list_name, *task.tags])),
    }
    if task.due_at is not None:
        # one UID per series: the next occurrence replaces the completed one in the app
        events.append(
            FeedEvent(
                uid=f"{task.series_id or task.id}@{UID_DOMAIN}",
                summary=task.title,
                start=task.due_at,
                zone=task.timezone,
                duration=_minutes(task.duration_minutes),
                rrule=_feed_rule(task),
                alarms=tuple(_alarm(task.due_at, r.at, r.offset_minutes) for r in task.reminders),
                **common,  # type: ignore[arg-type]
            )
        )
    if task.deadline is not None:
        events.append(
            FeedEvent(
                uid=f"{task.id}-deadline@{UID_DOMAIN}",
                summary=f"Deadline: {task.title}",
                all_day=task.deadline,
                transparent=True,
                **common,  # type: ignore[arg-type]
            )
        )
    return events


def _minutes(value: int | None) -> timedelta | None:
    return None if not value else timedelta(minutes=value)


def _alarm(due: datetime, at: datetime, offset_minutes: int | None) -> FeedAlarm:
    if offset_minutes is not None:
        return FeedAlarm(before=timedelta(minutes=offset_minutes))
    return FeedAlarm(before=due - at)


def _feed_rule(task: Task) -> str | None:
    """The task's rule as the feed repeats it from this occurrence (None: no repetition)."""
    rule = task.recurrence
    if not rule or task.due_at is None or task.repeat_from_completion:
        return None
    parts = dict(p.split("=", 1) for p in rule.upper().removeprefix("RRULE:").split(";") if p)
    if "COUNT" not in parts or task.series_start is None:
        return rule
    done = _occurrences_before(task, rule)
    if done is None:  # too many to count: the next occurrence only
        return None
    left = int(parts["COUNT"]) - done
    if left <= 1:
        return None
    parts["COUNT"] = str(left)
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _occurrences_before(task: Task, rule: str) -> int | None:
    """How many instances of the series precede this occurrence (local wall-clock time);
    None when that is more than MAX_COUNT_STEPS or the stored rule cannot be read."""
    assert task.due_at is not None and task.series_start is not None
    zone = ZoneInfo(task.timezone)
    start = task.series_start.astimezone(zone).replace(tzinfo=None)
    due = task.due_at.astimezone(zone).replace(tzinfo=None)
    try:
        parsed = rrulestr(rule.upper().removeprefix("RRULE:"), dtstart=start, ignoretz=True)
    except (ValueError, TypeError, OverflowError):
        return None
    if not isinstance(parsed, rrule):
        return None
    seen = 0
    for instance in parsed:
        if instance >= due:
            return seen
        seen += 1
        if seen >= MAX_COUNT_STEPS:
            return None
    return seen
