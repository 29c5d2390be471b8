"""docs/events.md's topic → consumer table, rendered from each app's handler declarations
(`backend_services/platform/event_handlers.py`).

    python -m launch.events_doc          # exit 1 if the doc differs from the declarations
    python -m launch.events_doc --write  # rewrite the table in docs/events.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from backend_services.audit_service.handlers import handlers as audit
from backend_services.notification_service.handlers import handlers as notifications
from backend_services.platform.event_handlers import EventHandlers, consumer_table
from backend_services.recurring_worker.handlers import handlers as recurring
from backend_services.reminder_service.handlers import handlers as reminders
from backend_services.task_service.handlers import handlers as tasks
from chat_ui.event_handlers import handlers as chat_ui

EVERY_APP: tuple[EventHandlers, ...] = (tasks, reminders, recurring, notifications, audit, chat_ui)
EVENTS_DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"
BEGIN = "<!-- consumers: generated from the handlers by `python -m launch.events_doc --write` -->"
END = "<!-- end of the generated consumers -->"


def with_table(doc: str) -> str:
    """`doc` with the text between the markers replaced by the table."""
    head, begin, rest = doc.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"docs/events.md lacks the markers {BEGIN!r} ... {END!r}")
    return f"{head}{BEGIN}\n{consumer_table(EVERY_APP)}{END}{tail}"


def main(argv: list[str]) -> int:
    doc = EVENTS_DOC.read_text()
    wanted = with_table(doc)
    if "--write" in argv:
        EVENTS_DOC.write_text(wanted)
        return 0
    if wanted != doc:
        print("docs/events.md differs from the handlers: python -m launch.events_doc --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
