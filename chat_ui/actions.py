"""What the chat's action buttons do: Mark done / Snooze on a reminder card (in the chat or
the task panel), a checkbox in the panel. Chainlit's callbacks (chat_ui/app.py) only call
these and show the text they return.

An action's payload comes back from the browser: anything may be in it. Its ids are checked
as what they are (platform/ids.py) before any call is made; a payload that does not fit is
answered "Sorry: ..." and nothing is sent on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from agent.task_client import TaskClient, ToolError
from backend_services.contracts import AppId
from backend_services.kernel import wording
from backend_services.platform.ids import NotificationId, TaskId
from backend_services.platform.runtime import Runtime
from backend_services.platform.service_paths import service_path
from backend_services.platform.timeutil import utcnow

# Snooze choices on a reminder card: payload value → (delay, how the reply says it)
SNOOZES: dict[str, tuple[timedelta | None, str]] = {
    "10m": (timedelta(minutes=10), "for 10 minutes"),
    "1h": (timedelta(hours=1), "for an hour"),
    "tomorrow": (None, "until tomorrow 9:00"),  # 9:00 tomorrow in the user's zone
}
Verb = Literal["done", "snooze"]


class ReminderAction(BaseModel):
    """A reminder card's payload (extra keys, such as the panel's `text`, are ignored)."""

    notification_id: NotificationId
    task_id: TaskId
    snooze: Literal["10m", "1h", "tomorrow"] = "10m"


class PanelComplete(BaseModel):
    task_id: TaskId


def refusal(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "payload"
    return f"Sorry: that action was not understood ({where}: {first['msg']})."


async def reminder_action(
    runtime: Runtime, token: str, payload: Mapping[str, Any], verb: Verb
) -> str:
    """Complete or snooze the card's task, then acknowledge its notification; the reply."""
    try:
        action = ReminderAction.model_validate(dict(payload))
    except ValidationError as exc:
        return refusal(exc)
    client = TaskClient(runtime, token)
    try:
        if verb == "done":
            task = await client.complete(action.task_id)
            text = wording.completed(task)
        else:
            delay, words = SNOOZES[action.snooze]
            if delay is None:
                zone = ZoneInfo((await client.me())["timezone"])
                at = wording.next_morning(zone, datetime.now(zone))
            else:
                at = utcnow() + delay
            task = await client.add_reminder(action.task_id, {"at": at.isoformat()})
            text = f"Snoozed '{task['title']}' {words}."
    except ToolError as exc:
        text = f"Sorry: {exc}."
    await runtime.invoke(
        AppId.NOTIFICATIONS.value,
        service_path("notifications", action.notification_id, "ack"),
        http_method="POST",
        headers={"authorization": f"Bearer {token}"},
    )
    return text


async def panel_complete(runtime: Runtime, token: str, payload: Mapping[str, Any]) -> str | None:
    """A checkbox in the task panel: the call the chat's complete_task makes. None when done
    (and the series goes on), else what to tell the user."""
    try:
        action = PanelComplete.model_validate(dict(payload))
    except ValidationError as exc:
        return refusal(exc)
    try:
        done = await TaskClient(runtime, token).complete(action.task_id)
    except ToolError as exc:
        return f"Sorry: {exc}."
    if done.get("series_ended"):  # the checkbox alone would not say that none follows
        return wording.completed(done)
    return None
