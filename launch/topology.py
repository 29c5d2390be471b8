"""The system's topology, declared once: the app ids (in start order), the ports an app listens
on in a cluster, the topics and who subscribes to them, the Dapr components with their types
and scopes, and the public route prefixes.

Everything that spells these out again is rendered from here (``make topology``,
``python -m devtools.topology``), and tests/deploy/test_topology_render.py fails when a
checked-in copy drifts:

- ``components/*.yaml`` (the local stack's Dapr resources): each file's ``scopes`` and the
  Resiliency's ``targets.apps``;
- ``deploy/helm/todo-assistant/templates/_topology.tpl``: the chart's app ids, component scopes,
  state-store apps and ports (the chart's templates include them);
- the local stack (devtools/stack) and cluster (devtools/k8s) read this module directly.

The names themselves (app ids, topics, component names) are the code's: the event contracts in
backend_services/contracts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_services.contracts import (
    BROADCAST_PUBSUB,
    PUBSUB,
    REMINDER_SWEEP_BINDING,
    SECRETSTORE,
    STATESTORE,
    AppId,
    Topic,
)

# Every app id, in start order (the local stack starts them so, status lists them so).
APP_IDS: tuple[str, ...] = tuple(app.value for app in AppId)


@dataclass(frozen=True)
class ClusterPorts:
    """The ports of one app's pod (the same for every app; the chart's ``_topology.tpl``)."""

    app: int = 8001  # loopback only: what its daprd calls (deliveries, jobs, bindings)
    public: int = 8000  # the Service, the Ingress, the probes
    metrics: int = 9464  # the app's Prometheus metrics
    dapr_metrics: int = 9090  # its daprd's


CLUSTER_PORTS = ClusterPorts()


@dataclass(frozen=True)
class Subscription:
    """``app_id`` subscribes to ``topic`` on ``pubsub`` (programmatic: its /dapr/subscribe)."""

    app_id: str
    pubsub: str
    topic: str


_ALL_TOPICS = tuple(Topic)
SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(AppId.TASKS.value, PUBSUB, Topic.REMINDERS.value),
    Subscription(AppId.REMINDERS.value, PUBSUB, Topic.TASK_EVENTS.value),
    Subscription(AppId.RECURRING.value, PUBSUB, Topic.TASK_EVENTS.value),
    Subscription(AppId.NOTIFICATIONS.value, PUBSUB, Topic.REMINDERS.value),
    Subscription(AppId.NOTIFICATIONS.value, PUBSUB, Topic.TASK_EVENTS.value),
    # chat-ui: live notifications and task changes on every replica, account deletion once
    Subscription(AppId.CHAT_UI.value, BROADCAST_PUBSUB, Topic.TASK_UPDATES.value),
    Subscription(AppId.CHAT_UI.value, BROADCAST_PUBSUB, Topic.TASK_EVENTS.value),
    Subscription(AppId.CHAT_UI.value, PUBSUB, Topic.TASK_EVENTS.value),
    # audit-service records every topic and keeps every dead letter
    *(
        Subscription(
            AppId.AUDIT.value,
            BROADCAST_PUBSUB if topic is Topic.TASK_UPDATES else PUBSUB,
            name,
        )
        for topic in _ALL_TOPICS
        for name in (topic.value, topic.dead_letter)
    ),
)


@dataclass(frozen=True)
class Component:
    """A Dapr component: its name (the code's), its type locally and in a cluster, and the
    app ids whose sidecars load it."""

    name: str
    local_type: str
    cluster_type: str
    scopes: tuple[str, ...]


COMPONENTS: tuple[Component, ...] = (
    # domain events: every app publishes or subscribes
    Component(PUBSUB, "pubsub.kafka", "pubsub.kafka", APP_IDS),
    # live notifications: notification-service publishes, every chat-ui replica receives,
    # audit-service records
    Component(
        BROADCAST_PUBSUB,
        "pubsub.kafka",
        "pubsub.kafka",
        (AppId.CHAT_UI.value, AppId.NOTIFICATIONS.value, AppId.AUDIT.value),
    ),
    Component(
        STATESTORE,
        "state.postgresql",
        "state.postgresql",
        (AppId.CHAT_UI.value, AppId.REMINDERS.value),
    ),
    Component(SECRETSTORE, "secretstores.local.file", "secretstores.kubernetes", APP_IDS),
    Component(REMINDER_SWEEP_BINDING, "bindings.cron", "bindings.cron", (AppId.REMINDERS.value,)),
)

# The Resiliency and the Configuration apply to every sidecar.
RESILIENCY_SCOPES: tuple[str, ...] = APP_IDS


def component(name: str) -> Component:
    for found in COMPONENTS:
        if found.name == name:
            return found
    raise KeyError(name)


def state_store_apps() -> tuple[str, ...]:
    """The app ids whose sidecars load the state store (in start order)."""
    scopes = component(STATESTORE).scopes
    return tuple(app_id for app_id in APP_IDS if app_id in scopes)


# Where the embedded gateway and the API Ingress send each public path prefix (everything
# else: the chat UI).
PUBLIC_ROUTES: dict[str, str] = {
    "/tasks": AppId.TASKS.value,
    "/lists": AppId.TASKS.value,
    "/auth/login": AppId.TASKS.value,
    "/me": AppId.TASKS.value,
    "/calendar": AppId.TASKS.value,
    "/tokens": AppId.TASKS.value,
    "/admin": AppId.TASKS.value,
    "/docs": AppId.TASKS.value,
    "/openapi.json": AppId.TASKS.value,
    "/notifications": AppId.NOTIFICATIONS.value,
    "/reminders": AppId.REMINDERS.value,
    "/audit": AppId.AUDIT.value,
    "/dead-letters": AppId.AUDIT.value,
}
