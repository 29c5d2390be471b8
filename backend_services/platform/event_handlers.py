"""Event handlers that say, beside their code, which topic they consume.

An app's `handlers.py` makes one `EventHandlers(app_id)` and decorates each handler, a
top-level function whose first argument is the app's `AppContext`:

    handlers = EventHandlers(AppId.NOTIFICATIONS)

    @handlers.batch(PUBSUB, Topic.REMINDERS, "/events/reminder", acts_on=(ReminderTriggered,))
    async def on_reminders(ctx, events): ...

`create_app` mounts `handlers.subscriptions(ctx)` (the `Subscribed` list daprd and the embedded
runtime read); the topic → consumer table in docs/events.md is rendered from the same
declarations (`consumer_table`), so neither can drift from the code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from backend_services.contracts import EVENT_TYPES, EventPayload
from backend_services.platform.subscriptions import Subscribed

if TYPE_CHECKING:
    from backend_services.platform.app_support import AppContext

Kind = Literal["event", "batch", "dead-letters"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Declared:
    """One subscription: who consumes which topic, on which route, with which function."""

    app_id: str
    pubsub: str
    topic: str
    route: str
    kind: Kind
    function: Callable[..., Any]
    # the payload types the handler acts on; empty: every event on the topic
    acts_on: tuple[type[EventPayload], ...] = ()
    bulk: bool = True
    dead_letter: bool = True
    note: str = ""
    # a cheap test of an event as delivered (its JSON form), after its type: False
    # acknowledges it without handling it (chat-ui: a change for a user with no open session)
    accepts: Callable[[AppContext, dict[str, Any]], bool] | None = None

    def skipped_types(self) -> frozenset[str] | None:
        """The types the subscription acts on, when its topic carries others too: those are
        acknowledged before they are parsed or handled (the embedded runtime does not even
        deliver them). None: every event on the topic is delivered."""
        on_topic = {t for t, cls in EVENT_TYPES.items() if cls.topic.value == self.topic}
        wanted = frozenset(self.event_types)
        return wanted if wanted and on_topic - wanted else None

    def subscribed(self, ctx: AppContext) -> Subscribed:
        bound = functools.partial(self.function, ctx)
        accepts = functools.partial(self.accepts, ctx) if self.accepts is not None else None
        if self.kind == "batch":
            return Subscribed(
                self.pubsub,
                self.topic,
                self.route,
                batch_handler=bound,
                bulk=self.bulk,
                dead_letter=self.dead_letter,
                event_types=self.skipped_types(),
                accepts=accepts,
            )
        if self.kind == "dead-letters":
            keeper = functools.partial(self.function, ctx, self.topic)
            return Subscribed(
                self.pubsub, self.topic, self.route, raw_handler=keeper, dead_letter=False
            )
        return Subscribed(
            self.pubsub,
            self.topic,
            self.route,
            bound,
            bulk=self.bulk,
            dead_letter=self.dead_letter,
            event_types=self.skipped_types(),
            accepts=accepts,
        )

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(p.event_type for p in self.acts_on)


def _text(value: str | StrEnum) -> str:
    return value.value if isinstance(value, StrEnum) else value


class EventHandlers:
    """The handlers of one app id, in declaration order."""

    def __init__(self, app_id: str | StrEnum) -> None:
        self.app_id = _text(app_id)
        self.declared: list[Declared] = []

    def _declare(
        self, kind: Kind, pubsub: str, topic: str | StrEnum, route: str, **options: Any
    ) -> Callable[[F], F]:
        def register(function: F) -> F:
            self.declared.append(
                Declared(self.app_id, pubsub, _text(topic), route, kind, function, **options)
            )
            return function

        return register

    def event(
        self,
        pubsub: str,
        topic: str | StrEnum,
        route: str,
        *,
        acts_on: tuple[type[EventPayload], ...] = (),
        bulk: bool = True,
        dead_letter: bool = True,
        note: str = "",
        accepts: Callable[[AppContext, dict[str, Any]], bool] | None = None,
    ) -> Callable[[F], F]:
        """`function(ctx, event, payload)`: one event at a time."""
        return self._declare(
            "event",
            pubsub,
            topic,
            route,
            acts_on=acts_on,
            bulk=bulk,
            dead_letter=dead_letter,
            note=note,
            accepts=accepts,
        )

    def batch(
        self,
        pubsub: str,
        topic: str | StrEnum,
        route: str,
        *,
        acts_on: tuple[type[EventPayload], ...] = (),
        note: str = "",
    ) -> Callable[[F], F]:
        """`function(ctx, [(event, payload), ...])`: a whole bulk delivery at once."""
        return self._declare("batch", pubsub, topic, route, acts_on=acts_on, note=note)

    def dead_letters(self, pubsub: str, topic: str, route: str) -> Callable[[F], F]:
        """`function(ctx, topic, body)`: the raw body of a message dead-lettered on `topic`.
        Stackable: one function may keep the dead letters of several topics."""
        return self._declare("dead-letters", pubsub, topic, route)

    def subscriptions(self, ctx: AppContext) -> list[Subscribed]:
        return [d.subscribed(ctx) for d in self.declared]


def consumer_table(apps: Iterable[EventHandlers]) -> str:
    """The markdown table of docs/events.md: each topic's consumers, from the declarations."""
    rows = sorted(
        (d for handlers in apps for d in handlers.declared),
        key=lambda d: (d.topic.endswith("-dlq"), d.topic, d.app_id, d.route),
    )
    lines = [
        "| topic | pubsub | consumer | route | acts on | handler |",
        "|---|---|---|---|---|---|",
    ]
    for d in rows:
        if d.kind == "dead-letters":
            acts = "dead-lettered messages (raw)"
        elif d.acts_on:
            acts = ", ".join(f"`{t}`" for t in d.event_types)
        else:
            acts = "every event"
        if d.note:
            acts += f" ({d.note})"
        handler = f"`{d.function.__module__}.{d.function.__name__}`"
        lines.append(
            f"| `{d.topic}` | `{d.pubsub}` | {d.app_id} | `{d.route}` | {acts} | {handler} |"
        )
    return "\n".join(lines) + "\n"
