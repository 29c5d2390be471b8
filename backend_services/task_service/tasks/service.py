"""Task logic: the one module every entry point calls (REST, agent tools via invoke, workers).

Every change stages its event in the outbox inside the same transaction.
Another user's task is indistinguishable from a missing one (NotFound).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, case, cast, func, or_, update
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select

from backend_services.contracts import (
    AppId,
    EventPayload,
    TaskCompleted,
    TaskCreated,
    TaskDeleted,
    TaskReopened,
    TaskSnapshot,
    TaskUpdated,
)
from backend_services.kernel.rrule import RecurrenceError, next_in_range
from backend_services.kernel.task_schemas import (
    DEFAULT_LIST,
    MAX_REMINDERS,
    ListSummary,
    ReminderIn,
    ReminderPublic,
    TaskCreate,
    TaskPage,
    TaskPublic,
    TaskQuery,
    TaskUpdate,
    check_repeat_from_completion,
)
from backend_services.platform.errors import BadRequest, NotFound
from backend_services.platform.inputs import LATEST, encodable
from backend_services.platform.outbox import add_event
from backend_services.platform.timeutil import utcnow
from backend_services.task_service.tasks.models import Reminder, Task, new_id

SOURCE = AppId.TASKS.value
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2, "none": 3}


def to_public(task: Task) -> TaskPublic:
    # `encodable`: a row stored before the API refused unpaired surrogates (only the JSON
    # tags column could hold one) must not make every listing of its owner fail
    return TaskPublic(
        id=task.id,
        user_id=task.user_id,
        title=encodable(task.title),
        description=None if task.description is None else encodable(task.description),
        status=task.status,  # type: ignore[arg-type]
        priority=task.priority,  # type: ignore[arg-type]
        tags=[encodable(t) for t in task.tags],
        due_at=task.due_at,
        recurrence=task.recurrence,
        series_id=task.series_id,
        repeat_from_completion=task.repeat_from_completion,
        list_name=task.list_name,
        deadline=task.deadline,
        duration_minutes=task.duration_minutes,
        reminders=[ReminderPublic.model_validate(r.snapshot()) for r in task.reminders],
        created_at=task.created_at,
        updated_at=task.updated_at,
        completed_at=task.completed_at,
    )


def snapshot(task: Task) -> TaskSnapshot:
    return TaskSnapshot.model_validate(to_public(task).model_dump())


def _emit(session: Session, payload: EventPayload) -> None:
    add_event(session, payload, source=SOURCE)


def get_task(session: Session, user_id: str, task_id: str) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.user_id != user_id:
        raise NotFound(f"no task {task_id!r}")
    return task


def create_task(session: Session, user_id: str, data: TaskCreate, *, timezone: str) -> Task:
    task = Task(
        user_id=user_id,
        title=data.title,
        description=data.description,
        priority=data.priority,
        tags=data.tags,
        due_at=data.due_at,
        timezone=timezone,
        recurrence=data.recurrence,
        repeat_from_completion=data.repeat_from_completion,
        list_name=_known_list_name(session, user_id, data.list_name),
        deadline=data.deadline,
        duration_minutes=data.duration_minutes,
    )
    if task.recurrence:
        task.series_id, task.series_start = new_id(), task.due_at
    task.reminders = []  # known to be empty: no selectin load of it after the flush
    for spec in data.reminders:
        _attach_reminder(task, spec)
    session.add(task)
    session.flush()
    _emit(session, TaskCreated(user_id=user_id, task=snapshot(task)))
    session.commit()
    return task


def list_tasks(session: Session, user_id: str, query: TaskQuery) -> TaskPage:
    stmt = select(Task).where(Task.user_id == user_id)
    if query.q:
        pattern = f"%{_like_literal(query.q.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Task.title).like(pattern, escape=_LIKE_ESCAPE),
                func.lower(func.coalesce(Task.description, "")).like(pattern, escape=_LIKE_ESCAPE),
            )
        )
    if query.status:
        stmt = stmt.where(Task.status == query.status)
    if query.priority:
        stmt = stmt.where(Task.priority == query.priority)
    if query.tag:
        # the tag as the JSON column spells it (quoted, escaped as json.dumps escapes it)
        tag = json.dumps(query.tag.strip().lstrip("#").lower())
        stmt = stmt.where(
            cast(col(Task.tags), String).like(f"%{_like_literal(tag)}%", escape=_LIKE_ESCAPE)
        )
    if query.list_name:
        stmt = stmt.where(func.lower(Task.list_name) == query.list_name.lower())
    if query.due_before:
        stmt = stmt.where(col(Task.due_at) < query.due_before)
    if query.due_after:
        stmt = stmt.where(col(Task.due_at) >= query.due_after)
    if query.deadline_before:
        stmt = stmt.where(col(Task.deadline) <= query.deadline_before)
    if query.deadline_after:
        stmt = stmt.where(col(Task.deadline) >= query.deadline_after)
    if query.has_deadline is not None:
        has = col(Task.deadline).is_not(None)
        stmt = stmt.where(has if query.has_deadline else ~has)
    if query.overdue is not None:
        overdue = (col(Task.due_at) < utcnow()) & (Task.status == "pending")
        stmt = stmt.where(overdue if query.overdue else ~overdue | col(Task.due_at).is_(None))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(*_ordering(query.sort)).offset(query.offset).limit(query.limit)
    ).all()
    return TaskPage(
        items=[to_public(t) for t in rows], total=total, limit=query.limit, offset=query.offset
    )


_LIKE_ESCAPE = "\\"


def _like_literal(text: str) -> str:
    """`text` matched literally by LIKE: its wildcards and the escape character escaped."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


def _ordering(sort: str) -> list[Any]:
    key, desc = sort.lstrip("-"), sort.startswith("-")
    column: Any = {
        "due": col(Task.due_at),
        "deadline": col(Task.deadline),
        "created": col(Task.created_at),
        "title": func.lower(Task.title),
        "priority": case(_PRIORITY_RANK, value=Task.priority, else_=4),
    }[key]
    primary = column.desc() if desc else column.asc()
    dated = {"due": col(Task.due_at), "deadline": col(Task.deadline)}
    nulls_last = dated[key].is_(None) if key in dated else None
    order = [primary] if nulls_last is None else [nulls_last, primary]
    return [*order, col(Task.created_at).asc(), col(Task.id)]


def list_summaries(session: Session, user_id: str) -> list[ListSummary]:
    """The user's lists with their task counts; the Inbox is always there."""
    pending = func.sum(case((col(Task.status) == "pending", 1), else_=0))
    rows = session.exec(
        select(Task.list_name, pending, func.count())
        .where(Task.user_id == user_id)
        .group_by(Task.list_name)
        .order_by(func.lower(Task.list_name))
    ).all()
    out = [ListSummary(name=name, pending=int(p or 0), total=int(n)) for name, p, n in rows]
    inbox = [s for s in out if s.name == DEFAULT_LIST] or [
        ListSummary(name=DEFAULT_LIST, pending=0, total=0)
    ]
    return inbox + [s for s in out if s.name != DEFAULT_LIST]


def _known_list_name(session: Session, user_id: str, name: str) -> str:
    """The spelling the user's existing list already has ("groceries" joins "Groceries")."""
    if name.lower() == DEFAULT_LIST.lower():
        return DEFAULT_LIST
    existing = session.exec(
        select(Task.list_name)
        .where(Task.user_id == user_id, func.lower(Task.list_name) == name.lower())
        .limit(1)
    ).first()
    return existing or name


def update_task(session: Session, user_id: str, task_id: str, data: TaskUpdate) -> Task:
    task = get_task(session, user_id, task_id)
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise BadRequest("title: must not be null", field="title")
    if changes.get("list_name") is not None:
        changes["list_name"] = _known_list_name(session, user_id, changes["list_name"])
    changed: list[str] = []
    for field, value in changes.items():
        if field in {"priority", "tags", "list_name", "repeat_from_completion"} and value is None:
            continue
        if getattr(task, field) != value:
            setattr(task, field, value)
            changed.append(field)
    if task.recurrence and task.due_at is None:
        raise BadRequest("recurrence needs due_at (its first occurrence)", field="due_at")
    try:
        check_repeat_from_completion(task.recurrence, task.repeat_from_completion)
    except ValueError as exc:
        raise BadRequest(str(exc), field="recurrence") from exc
    if "recurrence" in changed and task.recurrence and not task.series_id:
        task.series_id, task.series_start = new_id(), task.due_at
    if "due_at" in changed:
        if task.recurrence and task.series_start is None:
            task.series_start = task.due_at
        _move_relative_reminders(task)
    if changed:
        _touch(session, task)
        _emit(session, TaskUpdated(user_id=user_id, task=snapshot(task), changed=changed))
    session.commit()
    return task


def complete_task(session: Session, user_id: str, task_id: str) -> Task:
    task = get_task(session, user_id, task_id)
    if task.status != "completed":
        task.status, task.completed_at = "completed", utcnow()
        _touch(session, task)
        _emit(session, TaskCompleted(user_id=user_id, task=snapshot(task)))
    session.commit()
    return task


def ends_its_series(task: Task) -> bool:
    """For a completed recurring task: does no next occurrence follow (COUNT, UNTIL, or the
    next date at or past the date bound)? False for a rule that cannot be evaluated (the
    recurring worker dead-letters that one) and for a task that is not part of a series."""
    if task.status != "completed" or not task.recurrence or task.due_at is None:
        return False
    try:
        if task.repeat_from_completion:
            return _next_from_completion(task)[1] is None
        return (
            next_in_range(
                task.recurrence, task.series_start or task.due_at, task.due_at, task.timezone
            )
            is None
        )
    except RecurrenceError:
        return False


def reopen_task(session: Session, user_id: str, task_id: str) -> Task:
    task = get_task(session, user_id, task_id)
    if task.status != "pending":
        task.status, task.completed_at = "pending", None
        _touch(session, task)
        _emit(session, TaskReopened(user_id=user_id, task=snapshot(task)))
    session.commit()
    return task


def delete_task(session: Session, user_id: str, task_id: str) -> TaskPublic:
    task = get_task(session, user_id, task_id)
    gone = to_public(task)
    # a statement, not session.delete: when a concurrent request deleted the row since we
    # read it, the rowcount says so and nothing (no second TaskDeleted) is committed
    # (reminders go by the foreign key's ON DELETE CASCADE)
    deleted = session.connection().execute(sa_delete(Task).where(col(Task.id) == task.id))
    if deleted.rowcount != 1:
        session.rollback()
        raise NotFound(f"no task {task_id!r}")
    _emit(session, TaskDeleted(user_id=user_id, task=snapshot(task)))
    session.commit()
    return gone


def stage_deleting_all(session: Session, user_id: str) -> int:
    """Delete every task of `user_id`, each with its TaskDeleted (reminders are cancelled and
    the audit log records it); part of deleting the account, whose unit of work commits."""
    owned = list(session.exec(select(Task).where(Task.user_id == user_id)))
    for task in owned:
        _emit(session, TaskDeleted(user_id=user_id, task=snapshot(task)))
    session.execute(sa_delete(Task).where(col(Task.user_id) == user_id))
    return len(owned)


def add_reminder(session: Session, user_id: str, task_id: str, spec: ReminderIn) -> Task:
    # the task's row is locked before its reminders are counted (a write: a row lock on
    # PostgreSQL, the write lock on SQLite), so concurrent adds count one after the other and
    # never pass the cap together
    table = Task.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == task_id, table.c.user_id == user_id)
        .values(updated_at=utcnow())
    )
    session.expire_all()
    task = get_task(session, user_id, task_id)
    if len(task.reminders) >= MAX_REMINDERS:
        raise BadRequest(f"at most {MAX_REMINDERS} reminders per task", field="reminders")
    if spec.before_minutes is not None and task.due_at is None:
        raise BadRequest("this task has no due time to count back from", field="before_minutes")
    _attach_reminder(task, spec)
    _touch(session, task)
    _emit(session, TaskUpdated(user_id=user_id, task=snapshot(task), changed=["reminders"]))
    session.commit()
    return task


def remove_reminder(session: Session, user_id: str, task_id: str, reminder_id: str) -> Task:
    task = get_task(session, user_id, task_id)
    reminder = next((r for r in task.reminders if r.id == reminder_id), None)
    if reminder is None:
        raise NotFound(f"no reminder {reminder_id!r} on this task")
    task.reminders.remove(reminder)
    _touch(session, task)
    _emit(session, TaskUpdated(user_id=user_id, task=snapshot(task), changed=["reminders"]))
    session.commit()
    return task


def mark_reminders_fired(session: Session, fired: list[tuple[str, datetime]]) -> None:
    """Record firings reported by the reminder service (no event: they are a consequence),
    a delivery's worth in one executemany; the first firing recorded stays."""
    if fired:
        table = Reminder.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("rid"), table.c.fired_at.is_(None))
            .values(fired_at=bindparam("when_fired")),
            [{"rid": rid, "when_fired": at} for rid, at in fired],
        )
    session.commit()


def spawn_next_occurrence(session: Session, task_id: str) -> Task | None:
    """Create the series' next occurrence after this (completed) one; idempotent per series
    and occurrence, so a redelivered or repeated completion never forks the series."""
    task = session.get(Task, task_id)
    if task is None or not task.recurrence or task.due_at is None or task.series_id is None:
        return None
    start = task.series_start or task.due_at
    if task.repeat_from_completion:
        start, due = _next_from_completion(task)
    else:
        due = next_in_range(task.recurrence, start, task.due_at, task.timezone)
    if due is None:  # COUNT, UNTIL or the date bound ended the series
        return None
    existing = session.exec(
        select(Task).where(Task.series_id == task.series_id, Task.due_at == due)
    ).first()
    if existing is not None:
        return existing
    if task.repeat_from_completion and (later := _open_successor(session, task)) is not None:
        return later  # completed again after a reopen: the series already moved on
    successor = Task(
        user_id=task.user_id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        tags=list(task.tags),
        due_at=due,
        timezone=task.timezone,
        recurrence=task.recurrence,
        series_id=task.series_id,
        series_start=start,
        repeat_from_completion=task.repeat_from_completion,
        list_name=task.list_name,
        duration_minutes=task.duration_minutes,
    )
    for reminder in task.reminders:
        if reminder.offset_minutes is not None:
            _attach_reminder(successor, ReminderIn(before_minutes=reminder.offset_minutes))
        elif (moved := reminder.at + (due - task.due_at)) < LATEST:  # past it: no reminder
            _attach_reminder(successor, ReminderIn(at=moved))
    session.add(successor)
    session.flush()
    _emit(session, TaskCreated(user_id=task.user_id, task=snapshot(successor)))
    session.commit()
    return successor


def _next_from_completion(task: Task) -> tuple[datetime, datetime | None]:
    """For "every 3 days after I finish": the rule restarts at the completion day, at the
    task's own time of day, and the next occurrence is its first instance after that.
    UNTIL still ends the series (COUNT is refused for such rules)."""
    assert task.due_at is not None and task.recurrence is not None
    zone = ZoneInfo(task.timezone)
    done = (task.completed_at or utcnow()).astimezone(zone)
    due_local = task.due_at.astimezone(zone)
    start = datetime.combine(done.date(), due_local.timetz().replace(tzinfo=None), zone)
    return start, next_in_range(task.recurrence, start, start, task.timezone)


def _open_successor(session: Session, task: Task) -> Task | None:
    return session.exec(
        select(Task).where(
            Task.series_id == task.series_id, Task.id != task.id, Task.status == "pending"
        )
    ).first()


def _attach_reminder(task: Task, spec: ReminderIn) -> None:
    if spec.before_minutes is not None:
        assert task.due_at is not None
        at = task.due_at - timedelta(minutes=spec.before_minutes)
    else:
        assert spec.at is not None
        at = spec.at
    task.reminders.append(Reminder(task_id=task.id, at=at, offset_minutes=spec.before_minutes))


def _move_relative_reminders(task: Task) -> None:
    for reminder in task.reminders:
        if reminder.offset_minutes is None:
            continue
        if task.due_at is None:
            continue
        reminder.at = task.due_at - timedelta(minutes=reminder.offset_minutes)
        reminder.fired_at = None


def keep_wall_times(session: Session, user_id: str, old_zone: str, new_zone: str) -> int:
    """The account's zone changes from `old_zone` to `new_zone`: each pending task stated in
    `old_zone` (its `timezone`) keeps its wall-clock times in the new zone ("call mom tomorrow
    17:00" stays 17:00), and is stated in the new zone from then on: due time, series start,
    unfired reminders (one counted back from the due time keeps its offset). One TaskUpdated
    each, so reminder jobs move with them. The caller commits. Returns how many changed."""
    before, after = ZoneInfo(old_zone), ZoneInfo(new_zone)

    def same_wall_time(at: datetime) -> datetime:
        return at.astimezone(before).replace(tzinfo=after).astimezone(at.tzinfo)

    tasks = session.exec(
        select(Task).where(
            Task.user_id == user_id, Task.status == "pending", Task.timezone == old_zone
        )
    ).all()
    for task in tasks:
        changed = ["timezone"]
        task.timezone = new_zone
        if task.due_at is not None:
            task.due_at = same_wall_time(task.due_at)
            changed.append("due_at")
        if task.series_start is not None:
            task.series_start = same_wall_time(task.series_start)
        pending = [r for r in task.reminders if r.fired_at is None]
        for reminder in pending:
            if reminder.offset_minutes is not None and task.due_at is not None:
                reminder.at = task.due_at - timedelta(minutes=reminder.offset_minutes)
            else:
                reminder.at = same_wall_time(reminder.at)
        if pending:
            changed.append("reminders")
        _touch(session, task)
        _emit(session, TaskUpdated(user_id=user_id, task=snapshot(task), changed=changed))
    return len(tasks)


def _touch(session: Session, task: Task) -> None:
    task.updated_at = utcnow()
    session.add(task)
    session.flush()
