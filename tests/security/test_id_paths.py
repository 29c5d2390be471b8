"""Issue 20, item 1: an id is never a path. Ids that a tool, a chat action or a REST call
passes on went into URL paths, and httpx collapses `..`: an admin's token with
`remove_reminder(reminder_id="../../../admin/users/<name>")` purged an account, a chat action's
`notification_id="../../events/reminder?q="` reached a runtime-only route.

Every tool argument, every action payload field and every REST path parameter that holds an
id is tried with ids that walk (`..`, `/`, `%2e%2e`, `?`, `#`, ...), on the embedded runtime:
each is refused where it enters (a 4xx, a tool error, "Sorry"), no service receives a call
outside the routes a user's tools may reach, and nothing changes. The tools run with an
admin's token: the worst case of the issue.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest

from agent.memory import Conversation
from agent.task_client import TaskClient
from agent.tools import REGISTRY, ToolContext, run_tool
from backend_services.contracts import AppId
from backend_services.notification_service.models import Notification
from backend_services.platform.db import session_scope
from backend_services.platform.service_paths import UnsafePath, checked_path, service_path
from backend_services.task_service.users import service as users
from chat_ui import actions
from launch.services import BACKEND_SERVICES
from tests.support.embedded_env import EmbeddedEnv
from tests.support.path_recorder import PathRecorder, record_invocations

pytestmark = pytest.mark.anyio

ADMIN, VICTIM = "root", "victim"

# ids that walk, in every spelling; "{id}" is the target's own (valid) id
WALKING_IDS = [
    "..",
    ".",
    "../..",
    "../../admin/users/victim",
    "../../../admin/users/victim",
    "../../events/reminder?q=",
    "../../{id}",
    "%2e%2e",
    "%2E%2E",
    "%2e%2e%2f%2e%2e%2fadmin%2fusers%2fvictim",
    "..%2f..%2fadmin",
    ".%2e/.%2e/admin/users/victim",
    "a/b",
    "/",
    "?",
    "?q=1",
    "#",
    "#frag",
    "\\..\\..\\admin",
    ";",
    "",
    "\x00",
    "\n",
    "x" * 300,
    "{id}/..",
    "{id}/../..",
    "{id}/../../../admin/users/victim",
    "{id}?x=1",
    "{id}#x",
    "{id}%00",
    "{id}%2f..",
    "{id}\n",
    "{id}x",
]


def walking(own_id: str) -> list[str]:
    return [bad.replace("{id}", own_id) for bad in WALKING_IDS]


# --- the world an attempt must leave as it was ------------------------------------------
@dataclass
class World:
    env: EmbeddedEnv
    token: str  # the admin's
    task_id: str  # the admin's own task, with one reminder
    reminder_id: str
    notification_id: str
    token_id: str
    victim_task: str
    recorder: PathRecorder

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    async def snapshot(self) -> Any:
        env = self.env
        root = self.headers()
        victim = env.user(VICTIM)
        with session_scope(env.engine) as session:
            accounts = sorted(u.id for u in users.list_users(session))
            note = session.get(Notification, self.notification_id)
            assert note is not None
            acked = note.acked_at
        return (
            accounts,
            (await env.client.get(f"/tasks/{self.task_id}", headers=root)).json(),
            (await env.client.get("/tasks", headers=root)).json()["total"],
            (await env.client.get(f"/tasks/{self.victim_task}", headers=victim)).json(),
            (await env.client.get("/tokens", headers=root)).json(),
            acked,
        )


async def a_world(env: EmbeddedEnv) -> World:
    root = env.user(ADMIN, role="admin")
    victim = env.user(VICTIM)
    body = {"title": "mine", "reminders": [{"at": "2031-01-01T09:00:00Z"}]}
    task = (await env.client.post("/tasks", json=body, headers=root)).json()
    victim_task = await env.client.post("/tasks", json={"title": "theirs"}, headers=victim)
    token = (await env.client.post("/tokens", json={"name": "ci"}, headers=root)).json()
    with session_scope(env.engine) as session:
        note = Notification(
            user_id=ADMIN,
            source_event_id=str(uuid.uuid4()),
            title="mine",
            body="b",
            task_id=task["id"],
            reminder_id=task["reminders"][0]["id"],
        )
        session.add(note)
        session.flush()
        note_id = note.id
    return World(
        env,
        root["authorization"].removeprefix("Bearer "),
        task["id"],
        task["reminders"][0]["id"],
        note_id,
        token["id"],
        victim_task.json()["id"],
        await record_invocations(env.runtime),
    )


# --- the helper every URL is built with -------------------------------------------------
@pytest.mark.parametrize("bad", WALKING_IDS)
def test_a_segment_never_leaves_its_place(bad: str) -> None:
    value = bad.replace("{id}", str(uuid.uuid4()))
    try:
        path = service_path("tasks", value, "reminders")
    except UnsafePath:
        assert value in ("", ".", "..")
        return
    assert path.count("/") == 2 and path.startswith("tasks/") and path.endswith("/reminders")
    assert not {"?", "#", "\\"} & set(path)
    middle = path.split("/")[1]
    assert middle not in (".", "..")
    try:
        checked_path(path)  # what the runtimes send: a segment decoding to `/` is refused too
    except UnsafePath:
        assert (set("/\\?#%\x7f") | {chr(c) for c in range(0x20)}) & set(value), value


@pytest.mark.parametrize(
    "path",
    [
        "tasks/..",
        "tasks/../admin/users/victim",
        "tasks/%2e%2e/admin",
        "tasks/%2E./admin",
        "tasks/a%2Fb",
        "tasks/a%5C..",
        "notifications/../../events/reminder?q=/ack",
        "tasks/x#y",
        "tasks//x",
        "tasks/x y",
        "",
    ],
)
async def test_both_runtimes_refuse_a_path_built_by_hand(env: EmbeddedEnv, path: str) -> None:
    recorder = await record_invocations(env.runtime)
    with pytest.raises(ValueError):
        await env.runtime.invoke(AppId.NOTIFICATIONS.value, path, http_method="POST")
    from backend_services.platform.sidecar_runtime import SidecarRuntime

    sidecar = SidecarRuntime(1)  # never started: a refusal comes before any connection
    with pytest.raises(UnsafePath):
        await sidecar.invoke(AppId.NOTIFICATIONS.value, path, http_method="POST")
    assert recorder.calls == []


async def test_issue_20_a_hand_built_action_path_never_reaches_a_runtime_route(
    env: EmbeddedEnv,
) -> None:
    """What the chat action did with `notification_id="../../events/reminder?q="`: the
    runtime now refuses the path (before: POST /events/reminder with the app token)."""
    recorder = await record_invocations(env.runtime)
    nid = "../../events/reminder?q="
    with pytest.raises(ValueError):
        await env.runtime.invoke(
            AppId.NOTIFICATIONS.value, f"notifications/{nid}/ack", http_method="POST"
        )
    assert recorder.calls == []


@pytest.mark.parametrize("key", ["..", ".", "a/b", "../../x", "a\\b", ""])
async def test_state_keys_and_job_names_are_refused_alike(env: EmbeddedEnv, key: str) -> None:
    """On the sidecar they are URL segments: the embedded runtime refuses what daprd's
    paths would (tests/integration/test_id_paths_stack.py checks the sidecar itself)."""
    runtime = env.runtime.for_app(AppId.CHAT_UI.value)
    with pytest.raises(UnsafePath):
        await runtime.save_state("statestore", key, {"x": 1})
    with pytest.raises(UnsafePath):
        await runtime.get_job(key)


# --- tool arguments (the chat's model, MCP) ---------------------------------------------
ID_FIELDS = {"task", "reminder_id"}
NOT_IDS = {
    "title", "description", "due_at", "priority", "tags", "recurrence",
    "repeat_from_completion", "list_name", "remind_at", "remind_before_minutes", "status",
    "search", "tag", "overdue", "add_tags", "confirmed", "at", "before_minutes", "rrule",
    "first_due_at", "timezone", "allow_duplicate", "tasks", "due", "keep_date", "keep_time",
    "action", "filter", "minutes", "deadline", "duration_minutes", "clear",
}  # fmt: skip
# the rest of a call that would do something if the id were the real one
TOOL_CALLS: dict[str, dict[str, Any]] = {
    "update_task": {"title": "renamed"},
    "complete_task": {},
    "reopen_task": {},
    "delete_task": {"confirmed": True},
    "add_reminder": {"at": "2031-06-01T09:00"},
    "remove_reminder": {},
    "set_recurrence": {"rrule": "FREQ=DAILY"},
    "snooze_task": {"minutes": 60},
}
TOOL_IDS = sorted(
    (name, field) for name, tool in REGISTRY.items() for field in tool.args.model_fields
    if field in ID_FIELDS
)  # fmt: skip


def test_every_tool_argument_is_known_as_an_id_or_not() -> None:
    """A new tool argument must be classified here (and an id one is then tried below)."""
    fields = {field for tool in REGISTRY.values() for field in tool.args.model_fields}
    assert fields <= ID_FIELDS | NOT_IDS, fields - ID_FIELDS - NOT_IDS
    assert {name for name, _ in TOOL_IDS} == set(TOOL_CALLS)


def test_id_arguments_say_their_shape_in_the_tool_schema() -> None:
    schema = REGISTRY["remove_reminder"].args.model_json_schema()
    shapes = schema["properties"]["reminder_id"]["anyOf"]
    assert any("pattern" in s and "[0-9a-fA-F]{8}" in s["pattern"] for s in shapes), shapes


@pytest.mark.parametrize(("tool", "field"), TOOL_IDS)
async def test_every_tool_refuses_walking_ids(env: EmbeddedEnv, tool: str, field: str) -> None:
    world = await a_world(env)
    before = await world.snapshot()
    chat_runtime = env.runtime.for_app(AppId.CHAT_UI.value)
    for bad in walking(world.task_id):
        world.recorder.clear()
        args = {"task": world.task_id, **TOOL_CALLS[tool], field: bad}
        ctx = ToolContext(TaskClient(chat_runtime, world.token), "UTC", Conversation())
        result = await run_tool(ctx, tool, args)
        assert result.ok is False, (tool, field, bad, result)
        assert result.message, (tool, field, bad)
        assert world.recorder.outside() == [], (tool, field, bad, world.recorder.calls)
        assert await world.snapshot() == before, (tool, field, bad)


async def test_issue_20_remove_reminder_cannot_purge_an_account(env: EmbeddedEnv) -> None:
    """The admin's `remove_reminder(reminder_id="../../../admin/users/<name>")`, and a user's
    `reminder_id="../../<own task id>"` (a delete without the confirmation)."""
    world = await a_world(env)
    ctx = ToolContext(
        TaskClient(env.runtime.for_app(AppId.CHAT_UI.value), world.token), "UTC", Conversation()
    )
    for rid in ("../../../admin/users/victim", f"../../{world.task_id}"):
        result = await run_tool(ctx, "remove_reminder", {"task": world.task_id, "reminder_id": rid})
        assert result.ok is False
        assert "reminder_id" in result.message and "not a reminder id" in result.message
    with session_scope(env.engine) as session:
        assert session.get(users.User, VICTIM) is not None
    mine = await env.client.get(f"/tasks/{world.task_id}", headers=world.headers())
    assert mine.status_code == 200 and len(mine.json()["reminders"]) == 1
    assert world.recorder.calls == []


async def test_the_task_client_refuses_walking_ids_before_sending(env: EmbeddedEnv) -> None:
    """The last line: ids that did not come through a tool (memory, a caller's bug)."""
    world = await a_world(env)
    client = TaskClient(env.runtime.for_app(AppId.CHAT_UI.value), world.token)
    calls = [
        lambda bad: client.get(bad),
        lambda bad: client.update(bad, {"title": "x"}),
        lambda bad: client.complete(bad),
        lambda bad: client.reopen(bad),
        lambda bad: client.delete(bad),
        lambda bad: client.add_reminder(bad, {"at": "2031-01-01T09:00:00Z"}),
        lambda bad: client.remove_reminder(bad, world.reminder_id),
        lambda bad: client.remove_reminder(world.task_id, bad),
    ]
    from agent.task_client import ToolError

    for call in calls:
        for bad in walking(world.task_id):
            with pytest.raises(ToolError, match="is not a"):
                await call(bad)
    assert world.recorder.calls == []


# --- chat action payloads ---------------------------------------------------------------
ACTION_FIELDS = [
    ("mark_done", "notification_id"),
    ("mark_done", "task_id"),
    ("snooze", "notification_id"),
    ("snooze", "task_id"),
    ("snooze", "snooze"),
    ("panel_complete", "task_id"),
]


async def run_action(world: World, name: str, payload: dict[str, Any]) -> str | None:
    runtime = world.env.runtime.for_app(AppId.CHAT_UI.value)
    if name == "panel_complete":
        return await actions.panel_complete(runtime, world.token, payload)
    verb: actions.Verb = "done" if name == "mark_done" else "snooze"
    return await actions.reminder_action(runtime, world.token, payload, verb)


@pytest.mark.parametrize(("name", "field"), ACTION_FIELDS)
async def test_every_action_refuses_walking_ids(env: EmbeddedEnv, name: str, field: str) -> None:
    world = await a_world(env)
    before = await world.snapshot()
    for bad in walking(world.task_id):
        world.recorder.clear()
        payload: dict[str, Any] = {
            "notification_id": world.notification_id,
            "task_id": world.task_id,
            "snooze": "1h",
            field: bad,
        }
        reply = await run_action(world, name, payload)
        assert reply is not None and reply.startswith("Sorry"), (name, field, bad, reply)
        assert world.recorder.calls == [], (name, field, bad, world.recorder.calls)
        assert await world.snapshot() == before, (name, field, bad)


async def test_actions_with_real_ids_still_work(env: EmbeddedEnv) -> None:
    world = await a_world(env)
    payload = {"notification_id": world.notification_id.upper(), "task_id": world.task_id}
    reply = await run_action(world, "snooze", {**payload, "snooze": "1h"})
    assert reply is not None and reply.startswith("Snoozed 'mine'"), reply
    assert await run_action(world, "panel_complete", {"task_id": world.task_id}) is None
    assert world.recorder.outside() == []
    with session_scope(env.engine) as session:
        note = session.get(Notification, world.notification_id)
        assert note is not None and note.acked_at is not None
    done = await env.client.get(f"/tasks/{world.task_id}", headers=world.headers())
    assert done.json()["status"] == "completed"


async def test_issue_20_a_chat_action_cannot_reach_a_runtime_route(env: EmbeddedEnv) -> None:
    world = await a_world(env)
    payload = {"notification_id": "../../events/reminder?q=", "task_id": world.task_id}
    reply = await run_action(world, "mark_done", payload)
    assert reply is not None and "notification_id" in reply and "not a notification id" in reply
    assert world.recorder.calls == []  # not even the task: the payload is refused as a whole
    mine = await env.client.get(f"/tasks/{world.task_id}", headers=world.headers())
    assert mine.json()["status"] == "pending"


# --- REST path parameters ---------------------------------------------------------------
def path_operations(env: EmbeddedEnv) -> list[tuple[str, str, list[str]]]:
    """(method, template, its parameters) of every service's OpenAPI, admin API included."""
    found = []
    for app_id in BACKEND_SERVICES:
        schema = env.gateway.apps[app_id].openapi()
        for path, ops in schema["paths"].items():
            params = re.findall(r"{(\w+)}", path)
            if params:
                found += [(method, path, params) for method in ops]
    return sorted(set((m, p, tuple(ps)) for m, p, ps in found))  # type: ignore[misc]


BODIES: dict[str, Any] = {
    "/tasks/{task_id}": {"title": "pwned"},
    "/tasks/{task_id}/reminders": {"at": "2031-06-01T09:00:00Z"},
    "/admin/users/{username}/password": {"password": "a new long password"},
}


def fill(world: World, param: str) -> str:
    return {
        "task_id": world.task_id,
        "reminder_id": world.reminder_id,
        "token_id": world.token_id,
        "grant_id": world.token_id,  # any UUID: the walked parameter is the one that matters
        "notification_id": world.notification_id,
        "action": "ack",
        "letter_id": "1",
        "verb": "discard",
        "username": VICTIM,
        "secret": "x" * 43,  # a feed secret's shape: the walked parameter is the one that matters
    }[param]


async def test_every_path_parameter_is_typed(env: EmbeddedEnv) -> None:
    """Every path parameter of every service has a shape in its OpenAPI (a pattern, an
    integer range or a list of values): a new one without is caught here."""
    for app_id in BACKEND_SERVICES:
        schema = env.gateway.apps[app_id].openapi()
        for path, ops in schema["paths"].items():
            for op in ops.values():
                for param in op.get("parameters", []):
                    if param["in"] == "path":
                        shape = param["schema"]
                        typed = "pattern" in shape or "enum" in shape or "const" in shape
                        assert typed or shape.get("type") == "integer", (app_id, path, param)


async def test_every_rest_path_parameter_refuses_walking_ids(env: EmbeddedEnv) -> None:
    world = await a_world(env)
    before = await world.snapshot()
    operations = path_operations(env)
    assert len(operations) >= 14, operations
    for method, template, params in operations:
        for param in params:
            for bad in walking(world.task_id):
                world.recorder.clear()
                values = {p: fill(world, p) for p in params}
                # dots too: a client collapses a literal `..` before sending (httpx does)
                values[param] = quote(bad, safe="", errors="surrogatepass").replace(".", "%2E")
                path = template.format(**values)
                resp = await env.client.request(
                    method, path, headers=world.headers(), json=BODIES.get(template)
                )
                what = (method, template, param, bad, resp.status_code, resp.text[:300])
                if resp.status_code == 307:  # "/tasks/" → "/tasks": an empty last segment
                    assert unquote(path).endswith("/"), what
                    continue
                assert resp.status_code in (404, 405, 422), what
                body = resp.json()
                if resp.status_code == 422:
                    assert body["error"] == "invalid", what
                assert world.recorder.outside(re.compile(r"^$")) == [], (what, world.recorder)
                assert await world.snapshot() == before, what


async def test_the_internal_next_occurrence_route_refuses_walking_ids(env: EmbeddedEnv) -> None:
    """The recurring worker's route (not in the OpenAPI): ids from events, same type."""
    world = await a_world(env)
    service = env.signer().issue_service(AppId.RECURRING.value)
    tried = 0
    for bad in walking(world.task_id):
        try:
            path = checked_path(service_path("internal", "tasks", bad, "next-occurrence"))
        except UnsafePath:
            continue  # the runtime refuses it itself (above)
        resp = await env.runtime.invoke(
            AppId.TASKS.value,
            path,
            http_method="POST",
            headers={"authorization": f"Bearer {service}"},
        )
        assert resp.status_code == 422, (bad, resp.status_code, resp.body)
        tried += 1
    assert tried >= 3  # x*300, "<id>x", ";": the rest never leaves the runtime


async def test_real_ids_in_any_letter_case_still_reach_their_task(env: EmbeddedEnv) -> None:
    world = await a_world(env)
    upper = world.task_id.upper()
    resp = await env.client.get(f"/tasks/{upper}", headers=world.headers())
    assert resp.status_code == 200 and resp.json()["id"] == world.task_id
    gone = await env.client.delete(
        f"/tasks/{world.task_id}/reminders/{world.reminder_id.upper()}", headers=world.headers()
    )
    assert gone.status_code == 200 and gone.json()["reminders"] == []
    admin = await env.client.post("/admin/users/VICTIM/disable", headers=world.headers())
    assert admin.status_code == 200 and admin.json()["id"] == VICTIM
