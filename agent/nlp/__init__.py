"""Offline natural-language understanding: chat message -> structured intent."""

from agent.nlp.intents import (
    AddReminder,
    AddTask,
    CompleteTask,
    Confirm,
    DeleteTask,
    Help,
    Intent,
    IntentAdapter,
    ListTasks,
    RemoveReminder,
    ReopenTask,
    SetRecurrence,
    SetTimezone,
    Unknown,
    UpdateTask,
)
from agent.nlp.parser import parse_message

__all__ = [
    "AddReminder",
    "AddTask",
    "CompleteTask",
    "Confirm",
    "DeleteTask",
    "Help",
    "Intent",
    "IntentAdapter",
    "ListTasks",
    "RemoveReminder",
    "ReopenTask",
    "SetRecurrence",
    "SetTimezone",
    "Unknown",
    "UpdateTask",
    "parse_message",
]
