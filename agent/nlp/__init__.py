"""Offline natural-language understanding: chat message -> structured intent."""

from agent.nlp.errors import PhraseError
from agent.nlp.intent_add import guess_task
from agent.nlp.intents import (
    AddReminder,
    AddTask,
    AddTasks,
    BulkAction,
    CompleteTask,
    Confirm,
    DeleteTask,
    Help,
    Intent,
    IntentAdapter,
    ListTasks,
    OtherLanguage,
    RemoveReminder,
    ReopenTask,
    SetRecurrence,
    SetTimezone,
    SmallTalk,
    Snooze,
    TaskFilter,
    Undo,
    Unknown,
    UpdateTask,
)
from agent.nlp.lists import drop_list_hint
from agent.nlp.parser import parse_message

__all__ = [
    "AddReminder",
    "AddTask",
    "AddTasks",
    "BulkAction",
    "CompleteTask",
    "Confirm",
    "DeleteTask",
    "Help",
    "Intent",
    "IntentAdapter",
    "ListTasks",
    "OtherLanguage",
    "PhraseError",
    "RemoveReminder",
    "ReopenTask",
    "SetRecurrence",
    "SetTimezone",
    "SmallTalk",
    "Snooze",
    "TaskFilter",
    "Undo",
    "Unknown",
    "UpdateTask",
    "drop_list_hint",
    "guess_task",
    "parse_message",
]
