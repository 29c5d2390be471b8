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
from agent.nlp.lists import drop_list_hint
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
    "drop_list_hint",
    "parse_message",
]
