"""Offline natural-language understanding: chat message -> structured intent."""

from agent.nlp.errors import PhraseError
from agent.nlp.intents import (
    AddReminder,
    AddTask,
    AddTasks,
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
    "AddTasks",
    "CompleteTask",
    "Confirm",
    "DeleteTask",
    "Help",
    "Intent",
    "IntentAdapter",
    "ListTasks",
    "PhraseError",
    "RemoveReminder",
    "ReopenTask",
    "SetRecurrence",
    "SetTimezone",
    "Unknown",
    "UpdateTask",
    "parse_message",
]
