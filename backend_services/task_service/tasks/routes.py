"""Task REST endpoints: authentication, one service call, a response model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from backend_services.contracts import AppId
from backend_services.kernel.accounts import get_active_user
from backend_services.kernel.rrule import RecurrenceError
from backend_services.kernel.task_schemas import (
    CompletedTask,
    ListSummary,
    ReminderIn,
    TaskCreate,
    TaskPage,
    TaskPublic,
    TaskQuery,
    TaskUpdate,
)
from backend_services.platform.app_support import PrincipalDep, SessionDep, require_service
from backend_services.platform.auth import Principal
from backend_services.platform.errors import BadRequest
from backend_services.platform.ids import ReminderId, TaskId
from backend_services.platform.rest_write_limit import rest_write_limit
from backend_services.task_service.tasks import service

router = APIRouter(prefix="/tasks", tags=["tasks"], dependencies=[Depends(rest_write_limit)])
lists = APIRouter(prefix="/lists", tags=["lists"])
internal = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such task for this user"}}


async def current_user_id(principal: PrincipalDep) -> str:
    """The caller's user id; `get_principal` already refused unknown and disabled users."""
    return principal.user_id


UserId = Annotated[str, Depends(current_user_id)]


@router.post("", response_model=TaskPublic, status_code=status.HTTP_201_CREATED)
def create_task(body: TaskCreate, user_id: UserId, session: SessionDep) -> TaskPublic:
    user = get_active_user(session, user_id)
    return service.to_public(service.create_task(session, user_id, body, timezone=user.timezone))


@router.get("", response_model=TaskPage, summary="Search, filter, sort and page your tasks")
def list_tasks(
    query: Annotated[TaskQuery, Query()], user_id: UserId, session: SessionDep
) -> TaskPage:
    return service.list_tasks(session, user_id, query)


@router.get("/{task_id}", response_model=TaskPublic, responses=NOT_FOUND)
def get_task(task_id: TaskId, user_id: UserId, session: SessionDep) -> TaskPublic:
    return service.to_public(service.get_task(session, user_id, task_id))


@router.patch("/{task_id}", response_model=TaskPublic, responses=NOT_FOUND)
def update_task(
    task_id: TaskId, body: TaskUpdate, user_id: UserId, session: SessionDep
) -> TaskPublic:
    return service.to_public(service.update_task(session, user_id, task_id, body))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_task(task_id: TaskId, user_id: UserId, session: SessionDep) -> Response:
    service.delete_task(session, user_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{task_id}/complete", response_model=CompletedTask, responses=NOT_FOUND)
def complete_task(task_id: TaskId, user_id: UserId, session: SessionDep) -> CompletedTask:
    task = service.complete_task(session, user_id, task_id)
    return CompletedTask(
        **service.to_public(task).model_dump(), series_ended=service.ends_its_series(task)
    )


@router.post("/{task_id}/reopen", response_model=TaskPublic, responses=NOT_FOUND)
def reopen_task(task_id: TaskId, user_id: UserId, session: SessionDep) -> TaskPublic:
    return service.to_public(service.reopen_task(session, user_id, task_id))


@router.post(
    "/{task_id}/reminders", response_model=TaskPublic, status_code=201, responses=NOT_FOUND
)
def add_reminder(
    task_id: TaskId, body: ReminderIn, user_id: UserId, session: SessionDep
) -> TaskPublic:
    return service.to_public(service.add_reminder(session, user_id, task_id, body))


@router.delete("/{task_id}/reminders/{reminder_id}", response_model=TaskPublic, responses=NOT_FOUND)
def remove_reminder(
    task_id: TaskId, reminder_id: ReminderId, user_id: UserId, session: SessionDep
) -> TaskPublic:
    return service.to_public(service.remove_reminder(session, user_id, task_id, reminder_id))


@lists.get("", response_model=list[ListSummary], summary="Your lists with their task counts")
def list_lists(user_id: UserId, session: SessionDep) -> list[ListSummary]:
    return service.list_summaries(session, user_id)


RecurringWorker = Annotated[Principal, Depends(require_service(AppId.RECURRING.value))]


@internal.post("/tasks/{task_id}/next-occurrence", response_model=TaskPublic | None)
def next_occurrence(
    task_id: TaskId, _worker: RecurringWorker, session: SessionDep
) -> TaskPublic | None:
    try:
        successor = service.spawn_next_occurrence(session, task_id)
    except RecurrenceError as exc:  # a stored rule that is refused or has no next instance
        raise BadRequest(str(exc), field="recurrence") from exc
    return service.to_public(successor) if successor else None
