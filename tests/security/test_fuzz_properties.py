"""Property-based fuzzing of every write a user can make (issue 9, item 4): tasks, reminders,
complete/reopen/delete, tokens, the profile, list queries and a chat turn through the agent
(offline parser), with unpaired surrogates, control characters, NaN/Infinity/1e400, huge
integers and dates at both ends of the calendar in every field; and (issue 20, item 1) ids
that walk - `..`, `/`, `%2e%2e`, `?`, `#` and their mixes - in every REST path parameter,
every tool argument that holds an id and every chat action payload field.

Properties: no answer is a 5xx (nor an exception out of the app); a refused write changes
nothing; an id reaches no service route a user's tools may not reach and another account
stays; and after every example the user's list still lists (GET /tasks is a 200 whose body
is plain JSON). Bounded and repeatable: FUZZ_PROPERTY_EXAMPLES (default 60) derandomized
examples per test, no example database, no deadline; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from agent.events import TurnDone
from agent.memory import Conversation
from agent.service import Agent
from agent.task_client import TaskClient
from agent.tools import ToolContext, run_tool
from backend_services.contracts import AppId
from backend_services.platform.db import session_scope
from backend_services.task_service.users import service as users
from chat_ui import actions
from tests.security.test_bad_input import Raw, encode
from tests.security.test_id_paths import ACTION_FIELDS, TOOL_CALLS, TOOL_IDS, WALKING_IDS
from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings
from tests.support.path_recorder import PathRecorder, record_invocations

pytestmark = pytest.mark.anyio

EXAMPLES = int(os.environ.get("FUZZ_PROPERTY_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
USER = "mallory"
JSON = {"content-type": "application/json"}

# --- strategies -----------------------------------------------------------------------------
NASTY = [
    "\ud83d",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\x00",
    "\x01",
    "\x08",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\r",
    "\n",
    "\t",
    "\u2028",
    "\ufeff",
    "\u202e",
    "\ufffd",
    "%",
    "_",
    "\\",
    '"',
    "#",
    "😀",
]
characters = st.one_of(st.sampled_from(NASTY), st.characters())
texts = st.one_of(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=30),  # valid
    st.text(characters, max_size=30),
    st.sampled_from(["", " ", "x" * 501, "y" * 5001, "%", "_", "\\%"]),
)
numbers = st.one_of(
    st.integers(min_value=0, max_value=60 * 24 * 60),  # valid minutes
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e308", "-0", "1E2"]).map(
        Raw
    ),
    st.floats(),
    st.booleans(),
    st.none(),
    texts,
)
offsets = st.sampled_from([0, 14 * 60, -14 * 60, 330, -59]).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
dates = st.one_of(
    st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(8999, 12, 30), timezones=offsets
    ).map(datetime.isoformat),  # valid
    st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59), timezones=offsets
    ).map(datetime.isoformat),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "1900-01-01T00:00:00+00:01",
            "8999-12-31T23:59:59-14:00",
            "2030-02-30T09:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01T09:00:00",
            "2030-01-01",
            "now",
        ]
    ),
    texts,
    numbers,
)
maybe_dates = st.one_of(st.none(), dates)
reminders = st.fixed_dictionaries({}, optional={"at": dates, "before_minutes": numbers})
recurrences = st.sampled_from(
    [None, "", "FREQ=DAILY", "RRULE:FREQ=WEEKLY;BYDAY=MO", "FREQ=DAILY\x00", "\ud83d", "%"]
)
task_fields = {
    "description": st.one_of(st.none(), texts),
    "priority": st.one_of(st.sampled_from(["none", "low", "medium", "high", "urgent"]), numbers),
    "tags": st.one_of(st.lists(texts, max_size=4), texts, numbers),
    "due_at": maybe_dates,
    "recurrence": recurrences,
    "reminders": st.lists(reminders, max_size=3),
}
new_tasks = st.fixed_dictionaries({"title": texts}, optional=task_fields)
task_changes = st.fixed_dictionaries(
    {}, optional={"title": st.one_of(st.none(), texts), **task_fields}
)
zones = st.one_of(
    texts,
    st.sampled_from(
        ["A" * 1000, "America", "zone.tab", "../etc/passwd", "Europe/Berlin", "Etc/GMT+12", "UTC"]
    ),
)
chat_phrases = st.sampled_from(
    [
        "tomorrow at 5pm",
        "in 99999999999 days",
        "in 999999999 minutes",
        "on 31/02",
        "on 9999-12-31",
        "on 0001-01-01",
        "at 25:99",
        "every 0 days",
        "every day",
        "#tag\x00",
        "high priority",
        "",
    ]
)
chat_texts = st.one_of(
    texts,
    st.builds(
        lambda verb, what, when: f"{verb} {what} {when}",
        st.sampled_from(
            ["add", "remind me to", "mark", "delete", "move", "show my", "set my time zone to"]
        ),
        texts,
        chat_phrases,
    ),
    st.sampled_from(["yes", "what's on my list?", "show my completed tasks", "help"]),
)


# --- the product under test -----------------------------------------------------------------
@pytest.fixture
async def fuzz_env(tmp_path: Path, database_url: str | None) -> AsyncIterator[EmbeddedEnv]:
    settings_ = make_settings(tmp_path, database_url, rest_writes_per_minute=10**9)
    async with embedded_env(settings_) as running:
        running.user(USER)
        yield running


def auth(env: EmbeddedEnv) -> dict[str, str]:
    return {"authorization": f"Bearer {env.signer().issue(USER, 'user', 600)}"}


def no_5xx(resp: httpx.Response, what: Any) -> httpx.Response:
    assert resp.status_code < 500, (what, resp.status_code, resp.text[:500])
    json.loads(resp.content or b"null")  # always a body a client can parse
    return resp


async def send(env: EmbeddedEnv, method: str, path: str, payload: Any) -> httpx.Response:
    body = encode(payload).encode("ascii")
    resp = await env.client.request(method, path, content=body, headers={**auth(env), **JSON})
    event(f"{method} answered {resp.status_code}")  # --hypothesis-show-statistics
    return no_5xx(resp, (method, path, payload))


async def listing(env: EmbeddedEnv) -> dict[str, Any]:
    """The property every example ends with: the user's list lists."""
    resp = await env.client.get("/tasks", params={"limit": 200}, headers=auth(env))
    assert resp.status_code == 200, resp.text[:500]
    page: dict[str, Any] = json.loads(resp.content)
    json.dumps(page, allow_nan=False).encode("utf-8")  # plain, encodable JSON
    return page


async def a_task(env: EmbeddedEnv, **fields: Any) -> dict[str, Any]:
    resp = await env.client.post("/tasks", json={"title": "target", **fields}, headers=auth(env))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def path_id(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


# --- properties -----------------------------------------------------------------------------
@FUZZ
@given(body=new_tasks)
@example(body={"title": "x", "tags": ["\ud83d"]})  # the cases of issue 9 always run first
@example(body={"title": "x", "due_at": "9999-12-31T23:59:59-14:00"})
@example(
    body={"title": "x", "due_at": "0001-01-01T00:00:00Z", "reminders": [{"before_minutes": 5}]}
)
@example(body={"title": "x", "reminders": [{"before_minutes": Raw("NaN")}]})
async def test_create_task(fuzz_env: EmbeddedEnv, body: dict[str, Any]) -> None:
    before = (await listing(fuzz_env))["total"]
    resp = await send(fuzz_env, "POST", "/tasks", body)
    after = (await listing(fuzz_env))["total"]
    assert after == before + (1 if resp.status_code == 201 else 0), resp.text[:300]


@FUZZ
@given(changes=task_changes)
@example(changes={"description": "\ud83d"})
@example(changes={"due_at": "0001-01-01T00:00:00+14:00"})
async def test_update_task(fuzz_env: EmbeddedEnv, changes: dict[str, Any]) -> None:
    task = await a_task(fuzz_env, due_at="2030-01-01T09:00:00Z", reminders=[{"before_minutes": 5}])
    resp = await send(fuzz_env, "PATCH", f"/tasks/{task['id']}", changes)
    now = (await fuzz_env.client.get(f"/tasks/{task['id']}", headers=auth(fuzz_env))).json()
    if resp.status_code >= 400:
        assert now == task, "a refused change wrote something"
    await listing(fuzz_env)


@FUZZ
@given(
    due=st.sampled_from(
        [None, "1900-01-01T00:00:00Z", "2030-01-01T09:00:00Z", "8999-12-31T23:59:59Z"]
    ),
    reminder=st.one_of(
        st.fixed_dictionaries({"at": dates}),
        st.fixed_dictionaries({"before_minutes": numbers}),
        reminders,
        numbers,
        texts,
    ),
)
@example(due="2030-01-01T09:00:00Z", reminder={"before_minutes": Raw("1e400")})
@example(due="2030-01-01T09:00:00Z", reminder={"at": "0001-01-01T00:00:00+14:00"})
async def test_add_reminder(fuzz_env: EmbeddedEnv, due: str | None, reminder: Any) -> None:
    task = await a_task(fuzz_env, due_at=due)
    resp = await send(fuzz_env, "POST", f"/tasks/{task['id']}/reminders", reminder)
    now = (await fuzz_env.client.get(f"/tasks/{task['id']}", headers=auth(fuzz_env))).json()
    assert len(now["reminders"]) == (1 if resp.status_code == 201 else 0), resp.text[:300]
    await listing(fuzz_env)


@FUZZ
@given(
    ref=st.one_of(st.none(), texts),
    verb=st.sampled_from(["complete", "reopen", "delete", "get", "remove-reminder"]),
)
@example(ref="a\x00b", verb="complete")
@example(ref="\ud83d", verb="delete")
async def test_task_actions_by_id(fuzz_env: EmbeddedEnv, ref: str | None, verb: str) -> None:
    """Complete, reopen, delete by a real id (ref None) or by any string as the id."""
    task_id = (await a_task(fuzz_env))["id"] if ref is None else path_id(ref)
    method, path = {
        "complete": ("POST", f"/tasks/{task_id}/complete"),
        "reopen": ("POST", f"/tasks/{task_id}/reopen"),
        "delete": ("DELETE", f"/tasks/{task_id}"),
        "get": ("GET", f"/tasks/{task_id}"),
        "remove-reminder": ("DELETE", f"/tasks/{task_id}/reminders/{path_id(ref or 'x')}"),
    }[verb]
    no_5xx(await fuzz_env.client.request(method, path, headers=auth(fuzz_env)), (verb, ref))
    await listing(fuzz_env)


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "q": texts,
            "tag": texts,
            "due_before": dates,
            "due_after": dates,
            "status": texts,
            "sort": texts,
            "limit": numbers,
            "offset": numbers,
        },
    )
)
@example(params={"q": "%\x00"})
@example(params={"due_after": "0001-01-01T00:00:00+14:00"})
async def test_list_queries(fuzz_env: EmbeddedEnv, params: dict[str, Any]) -> None:
    query = {k: encode(v).strip('"') if not isinstance(v, str) else v for k, v in params.items()}
    url = "/tasks?" + "&".join(
        f"{k}={quote(v, safe='', errors='surrogatepass')}" for k, v in query.items()
    )
    no_5xx(await fuzz_env.client.get(url, headers=auth(fuzz_env)), params)
    await listing(fuzz_env)


@FUZZ
@given(
    body=st.one_of(
        st.fixed_dictionaries({"name": texts}, optional={"expires_in_days": numbers}),
        texts,
        numbers,
    )
)
@example(body={"name": "\ud83d"})
@example(body={"name": "ci", "expires_in_days": Raw("NaN")})
async def test_create_token(fuzz_env: EmbeddedEnv, body: Any) -> None:
    resp = await send(fuzz_env, "POST", "/tokens", body)
    tokens = (await fuzz_env.client.get("/tokens", headers=auth(fuzz_env))).json()
    live = [t["id"] for t in tokens if not t["revoked"]]
    assert live == ([resp.json()["id"]] if resp.status_code == 201 else []), resp.text[:300]
    for token_id in live:  # room for the next example (at most 50 live tokens)
        revoked = await fuzz_env.client.delete(f"/tokens/{token_id}", headers=auth(fuzz_env))
        assert revoked.status_code == 204
    await listing(fuzz_env)


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={"timezone": st.one_of(zones, numbers), "display_name": st.one_of(texts, numbers)},
    )
)
@example(body={"timezone": "A" * 1000})
@example(body={"timezone": "America"})
@example(body={"display_name": "\ud83d"})
async def test_update_profile(fuzz_env: EmbeddedEnv, body: dict[str, Any]) -> None:
    before = (await fuzz_env.client.get("/me", headers=auth(fuzz_env))).json()
    resp = await send(fuzz_env, "PATCH", "/me", body)
    after = (await fuzz_env.client.get("/me", headers=auth(fuzz_env))).json()
    if resp.status_code >= 400:
        assert after == before, "a refused profile change wrote something"
    await listing(fuzz_env)


@FUZZ
@given(text=chat_texts)
@example(text="add milk in 99999999999 days")
@example(text="add buy \ud83d milk #x\x00")
async def test_chat_turn(fuzz_env: EmbeddedEnv, text: str) -> None:
    """One turn through the agent (offline parser), then "what's on my list?": each ends in
    exactly one reply, whatever the text, and nothing it stored breaks the list."""
    agent = Agent(fuzz_env.runtime.for_app(AppId.CHAT_UI.value), None, turns_per_minute=10**9)
    token = fuzz_env.signer().issue(USER, "user", 600)
    for message in (text, "what's on my list?"):
        events = [e async for e in agent.turn(token, USER, "fuzz", message)]
        replies = [e.reply for e in events if isinstance(e, TurnDone)]
        assert len(replies) == 1, (message, events)
        event(f"reply starts {replies[0][:12]!r}")
        replies[0].encode("utf-8")
    await listing(fuzz_env)
    me = await fuzz_env.client.get("/me", headers=auth(fuzz_env))
    assert me.status_code == 200, me.text  # the profile (and its time zone) still loads


# --- ids that walk (issue 20, item 1) -------------------------------------------------------
PATH_PIECES = [
    "..", ".", "/", "%2e", "%2E", "%2f", "%2F", "%00", "%", "?", "#", "&", "=", "\\", ";", " ",
    "admin", "users", "victim", "events", "reminder", "q=", "tasks",
]  # fmt: skip
walking_ids = st.one_of(
    st.sampled_from(WALKING_IDS).map(lambda bad: bad.replace("{id}", "")),
    st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=8).map("".join),
    st.builds(
        lambda u, tail: str(u) + tail,
        st.uuids(),
        st.lists(st.sampled_from(PATH_PIECES), max_size=4).map("".join),
    ),
    st.uuids().map(str),
    texts,
)
# every path with an id (tests/security/test_id_paths.py checks the OpenAPI has no other)
ID_PATHS = [
    ("GET", "/tasks/{task_id}"),
    ("PATCH", "/tasks/{task_id}"),
    ("DELETE", "/tasks/{task_id}"),
    ("POST", "/tasks/{task_id}/complete"),
    ("POST", "/tasks/{task_id}/reopen"),
    ("POST", "/tasks/{task_id}/reminders"),
    ("DELETE", "/tasks/{task_id}/reminders/{reminder_id}"),
    ("DELETE", "/tokens/{token_id}"),
    ("DELETE", "/me/oauth-grants/{grant_id}"),
    ("POST", "/notifications/{notification_id}/{action}"),
    ("POST", "/dead-letters/{letter_id}/replay"),
    ("POST", "/dead-letters/{letter_id}/discard"),
    ("POST", "/admin/users/{username}/disable"),
    ("POST", "/admin/users/{username}/enable"),
    ("POST", "/admin/users/{username}/password"),
    ("DELETE", "/admin/users/{username}"),
    ("GET", "/admin/users/{username}/tasks"),
    ("POST", "/admin/dead-letters/{letter_id}/{verb}"),
    ("GET", "/calendar/{secret}.ics"),  # a capability URL: the secret is the credential
]
PATH_PARAMS = [
    (method, template, param)
    for method, template in ID_PATHS
    for param in template.replace("}", "{").split("{")[1::2]
]
VICTIM = "victim"


def walking_segment(value: str) -> str:
    """As a client sends an id in a path: encoded, dots too (a literal `..` is collapsed by
    the client itself before anything is sent)."""
    return quote(value, safe="", errors="surrogatepass").replace(".", "%2E")


async def recorded(env: EmbeddedEnv) -> PathRecorder:
    """One recorder per env (hypothesis runs every example on the same fixture)."""
    recorder: PathRecorder | None = getattr(env, "recorder", None)
    if recorder is None:
        recorder = await record_invocations(env.runtime)
        env.recorder = recorder  # type: ignore[attr-defined]
    recorder.clear()
    return recorder


def victim_stays(env: EmbeddedEnv) -> None:
    with session_scope(env.engine) as session:
        assert session.get(users.User, VICTIM) is not None, "another account was purged"


async def test_the_fuzzed_id_paths_are_every_id_path(fuzz_env: EmbeddedEnv) -> None:
    from tests.security.test_id_paths import path_operations

    found = {(m.upper(), t) for m, t, _ in path_operations(fuzz_env)}
    assert found == set(ID_PATHS)


@FUZZ
@given(target=st.sampled_from(PATH_PARAMS), bad=walking_ids)
@example(target=("DELETE", "/admin/users/{username}", "username"), bad="../../admin/users/victim")
@example(target=("DELETE", "/tasks/{task_id}/reminders/{reminder_id}", "reminder_id"), bad="..")
async def test_ids_in_every_path_parameter(
    fuzz_env: EmbeddedEnv, target: tuple[str, str, str], bad: str
) -> None:
    method, template, param = target
    fuzz_env.user(VICTIM)
    admin = fuzz_env.user("root", role="admin")
    task = await a_task(fuzz_env, reminders=[{"at": "2031-01-01T09:00:00Z"}])
    valid = {
        "task_id": task["id"],
        "reminder_id": task["reminders"][0]["id"],
        "token_id": task["id"],  # a UUID; no token of that id
        "grant_id": task["id"],  # a UUID; no grant of that id
        "notification_id": task["id"],
        "action": "ack",
        "letter_id": "1",
        "verb": "discard",
        "username": VICTIM,
        "secret": "x" * 43,  # a feed secret's shape; no feed of that secret
    }
    values = {**valid, param: walking_segment(bad)}
    headers = admin if "/admin/" in template or "dead-letters" in template else auth(fuzz_env)
    recorder = await recorded(fuzz_env)
    resp = await fuzz_env.client.request(method, template.format(**values), headers=headers)
    event(f"{param} answered {resp.status_code}")
    no_5xx(resp, (method, template, param, bad))
    assert recorder.outside() == [], recorder.calls
    victim_stays(fuzz_env)
    await listing(fuzz_env)


@FUZZ
@given(target=st.sampled_from(TOOL_IDS), bad=walking_ids)
@example(target=("remove_reminder", "reminder_id"), bad="../../../admin/users/victim")
async def test_ids_in_every_tool_argument(
    fuzz_env: EmbeddedEnv, target: tuple[str, str], bad: str
) -> None:
    """With an admin's token (the worst case): nothing outside the user's routes is called."""
    tool, field = target
    fuzz_env.user(VICTIM)
    token = fuzz_env.user("root", role="admin")["authorization"].removeprefix("Bearer ")
    body = {"title": "target", "reminders": [{"at": "2031-01-01T09:00:00Z"}]}
    resp = await fuzz_env.client.post(
        "/tasks", json=body, headers={"authorization": f"Bearer {token}"}
    )
    task = resp.json()
    recorder = await recorded(fuzz_env)
    client = TaskClient(fuzz_env.runtime.for_app(AppId.CHAT_UI.value), token)
    ctx = ToolContext(client, "UTC", Conversation())
    result = await run_tool(ctx, tool, {"task": task["id"], **TOOL_CALLS[tool], field: bad})
    event(f"{tool}.{field} ok={result.ok}")
    assert recorder.outside() == [], (tool, field, bad, recorder.calls)
    victim_stays(fuzz_env)
    await listing(fuzz_env)


@FUZZ
@given(target=st.sampled_from(ACTION_FIELDS), bad=walking_ids)
@example(target=("mark_done", "notification_id"), bad="../../events/reminder?q=")
async def test_ids_in_every_action_payload(
    fuzz_env: EmbeddedEnv, target: tuple[str, str], bad: str
) -> None:
    name, field = target
    task = await a_task(fuzz_env)
    payload = {"notification_id": task["id"], "task_id": task["id"], "snooze": "1h", field: bad}
    token = fuzz_env.signer().issue(USER, "user", 600)
    runtime = fuzz_env.runtime.for_app(AppId.CHAT_UI.value)
    recorder = await recorded(fuzz_env)
    if name == "panel_complete":
        reply = await actions.panel_complete(runtime, token, payload)
    else:
        verb: actions.Verb = "done" if name == "mark_done" else "snooze"
        reply = await actions.reminder_action(runtime, token, payload, verb)
    event(f"{name}.{field}: {(reply or 'done')[:12]!r}")
    assert recorder.outside() == [], (name, field, bad, recorder.calls)
    await listing(fuzz_env)
