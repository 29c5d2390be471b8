"""The product on a real Kubernetes cluster (tests/k8s/conftest.py): the chart from
deploy/helm with the dev values, Dapr from its own chart, PostgreSQL and Kafka in the
cluster, everything built here from the registries. Driven like a user would: the chat in
Debian's chromium, the REST API, `kubectl delete pod`, `helm upgrade`, `helm test`.

Reached from the host through the NodePorts of deploy/k8s/manifests/access.yaml on the
node's address (the cluster side of its veth pair)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, Route, WebSocket, expect
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import text

from backend_services.platform.db import make_engine, session_scope
from backend_services.task_service.users import service as users
from devtools.k8s.addons import RELEASE, Addons
from devtools.k8s.layout import (
    API_NODE_PORT,
    CHAT_NODE_PORT,
    KAFKA_NODE_PORT,
    NAMESPACE,
    POSTGRES_NODE_PORT,
    image_refs,
)
from tests.integration.harness import collect_from_kafka, wait_for
from tests.support.browser import launch_chromium
from tests.support.browser import say as send_words

pytestmark = [pytest.mark.k8s, pytest.mark.browser, pytest.mark.timeout(3600)]

UI_TIMEOUT_MS = 60_000
# the reminder is a minute out; the scheduler, reminder-service and chat-ui add seconds
REMINDER_TIMEOUT_MS = 240_000
PASSWORDS = {"kate": "kate-pw-4711", "lena": "lena-pw-0815"}
DB_URL = "postgresql+psycopg://todo:todo-dev-password@{node}:{port}/todo"


@pytest.fixture(scope="module")
def node(k8s: Addons) -> str:
    return k8s.cluster.node_ip


@pytest.fixture(scope="module")
def db(node: str) -> Iterator[Any]:
    engine = make_engine(DB_URL.format(node=node, port=POSTGRES_NODE_PORT))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def accounts(db: Any) -> dict[str, str]:
    """name -> user id, created straight in the cluster's PostgreSQL (what `todo users add`
    does; the chart's migration hook made the schema)."""
    ids = {}
    with session_scope(db) as session:
        for name, password in PASSWORDS.items():
            ids[name] = users.create_user(session, name, password=password).id
    return ids


def scalar(db: Any, sql: str, **params: Any) -> Any:
    with db.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def chat(browser: Browser, node: str, accounts: dict[str, str]) -> Page:
    """kate's chat page, signed in with the password form (kept open across the tests)."""
    context = browser.new_context()
    context.set_default_timeout(UI_TIMEOUT_MS)

    def cluster_only(route: Route) -> None:
        # the UI asks for web fonts on the internet: only the cluster is reachable
        if route.request.url.startswith(f"http://{node}:"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", cluster_only)
    page = context.new_page()
    page.goto(f"http://{node}:{CHAT_NODE_PORT}/")
    page.wait_for_selector("#email, #chat-input")
    if page.locator("#email").count():
        page.fill("#email", "kate")
        page.fill("#password", PASSWORDS["kate"])
        page.click("button[type=submit]")
    expect(page.locator("#chat-input")).to_be_visible()
    return page


def say(page: Page, words: str) -> None:
    send_words(page, words, UI_TIMEOUT_MS)


def token(node: str, name: str) -> str:
    reply = httpx.post(
        f"http://{node}:{API_NODE_PORT}/auth/login",
        json={"username": name, "password": PASSWORDS[name]},
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["token"])


def test_chat_turn_creates_task_whose_reminder_fires_into_the_chat(
    chat: Page, db: Any, node: str, accounts: dict[str, str]
) -> None:
    """Sign in, one chat turn: the task is in PostgreSQL, its TaskCreated is on Kafka, and
    the reminder a minute out fires through the Dapr scheduler into this chat."""
    say(chat, "remind me to stretch in 1 minute")
    task_id = wait_for(
        lambda: scalar(
            db, "select id from tasks where user_id = :u and title = 'stretch'", u=accounts["kate"]
        ),
        "the chat's task in PostgreSQL",
        timeout=120,
    )
    reminder = wait_for(
        lambda: scalar(db, "select count(*) from reminders where task_id = :t", t=task_id),
        "its reminder",
        timeout=30,
    )
    assert reminder == 1

    def has_created(seen: dict[str, Any]) -> bool:
        return any(
            v["event"].get("type") == "todo.task.created.v1"
            and v["event"].get("data", {}).get("task", {}).get("id") == str(task_id)
            for v in seen.values()
        )

    seen = collect_from_kafka(f"{node}:{KAFKA_NODE_PORT}", "task-events", has_created, 120)
    assert has_created(seen), "TaskCreated for the chat's task is not on Kafka"

    note = chat.locator(".step[data-step-type=assistant_message]", has_text="Reminder: stretch")
    expect(note).to_have_count(1, timeout=REMINDER_TIMEOUT_MS)
    fired = scalar(
        db,
        "select count(*) from scheduled_reminders where task_id = :t and fired_at is not null",
        t=task_id,
    )
    assert fired == 1


def test_deleting_a_consumer_pod_mid_stream_loses_nothing(
    k8s: Addons, db: Any, node: str, accounts: dict[str, str]
) -> None:
    """audit-service consumes task-events; its pod is deleted while tasks are created.
    Every TaskCreated still reaches the audit log exactly once (its replacement resumes
    from the committed offset; the consumer is idempotent), and none is dead-lettered (the
    chart's preStop hook stops the sidecar before the app)."""
    headers = {"authorization": f"Bearer {token(node, 'lena')}"}
    total, deleted = 40, threading.Event()
    created: list[str] = []
    with httpx.Client(
        base_url=f"http://{node}:{API_NODE_PORT}", headers=headers, timeout=30
    ) as api:
        for i in range(total):
            reply = api.post("/tasks", json={"title": f"stream {i}"})
            assert reply.status_code == 201, reply.text
            created.append(reply.json()["id"])
            if i == 10:
                k8s.cluster.kubectl(
                    "delete", "pod", "-n", NAMESPACE, "--wait=false",
                    "-l", "app.kubernetes.io/component=audit-service",
                )  # fmt: skip
                deleted.set()
    assert deleted.is_set()

    def audited() -> bool:
        # a dead-lettered TaskCreated will never reach the audit log: say so at once
        dead = scalar(
            db,
            "select count(*) from dead_letters "
            "where topic = 'task-events-dlq' or original_topic = 'task-events'",
        )
        assert dead == 0, f"{dead} TaskCreated dead-lettered instead of audited"
        n = scalar(
            db,
            "select count(*) from audit_log where user_id = :u and type = 'todo.task.created.v1'",
            u=accounts["lena"],
        )
        return bool(n == total)

    wait_for(audited, f"all {total} TaskCreated in the audit log", timeout=600)
    k8s.cluster.kubectl(
        "rollout", "status", "-n", NAMESPACE, f"deploy/{RELEASE}-audit-service", "--timeout=300s",
        timeout=330,
    )  # fmt: skip


def test_helm_test_hooks_pass(k8s: Addons) -> None:
    out = k8s.helm("test", RELEASE, "-n", NAMESPACE, "--logs", "--timeout", "10m").stdout
    assert "Phase:          Succeeded" in out, out


class SocketWatch:
    """What the chat page's Socket.IO connection receives, over either of its transports
    (HTTP long-polling first, then the upgraded websocket): to see a ``resume_thread`` event
    reach the page."""

    def __init__(self, page: Page) -> None:
        self.frames: list[str] = []
        self.polls: list[Response] = []
        page.on("websocket", self._websocket)
        page.on("response", self._response)

    def _websocket(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(str(payload)))

    def _response(self, response: Response) -> None:
        if "/ws/socket.io/" in response.url and response.request.method == "GET":
            self.polls.append(response)

    def received(self, event: str) -> bool:
        while self.polls:
            response = self.polls.pop()
            # a long poll cut by the pod going away has no body
            with contextlib.suppress(PlaywrightError):
                self.frames.append(response.text())
        return any(f'"{event}"' in frame for frame in self.frames)


def wait_on_page(page: Page, check: Callable[[], bool], what: str, timeout: float) -> None:
    """Poll ``check`` while the page's events are delivered (the sync API hands them over
    only inside its own calls)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        page.wait_for_timeout(500)


def test_helm_upgrade_to_a_changed_image_rolls_while_chat_and_api_answer(
    k8s: Addons, chat: Page, node: str, db: Any, accounts: dict[str, str]
) -> None:
    """`helm upgrade` to another image: every Deployment rolls (one new pod ready before an
    old one goes) and the chat UI and the API answer throughout. The chat page left open
    is not reloaded: when its chat-ui pod is replaced, Chainlit's client reconnects with
    the thread's id, the new pod (which has no session for it in memory) resumes the thread
    from the data layer in PostgreSQL, and the next sentence continues the same thread."""
    rolled = image_refs()["app-rolled"]
    old_chat_pods = k8s.cluster.kubectl(
        "get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/component=chat-ui", "-o", "name",
    ).stdout.split()  # fmt: skip
    assert old_chat_pods
    socket = SocketWatch(chat)
    assert not socket.received("resume_thread")
    stop, drops, polls = threading.Event(), [], [0]

    def poll() -> None:
        # a "drop" is a URL failing twice in a row, a second apart (a browser retries)
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                for url in (f"http://{node}:{CHAT_NODE_PORT}/healthz",
                            f"http://{node}:{API_NODE_PORT}/healthz"):  # fmt: skip
                    for attempt in (1, 2):
                        try:
                            if client.get(url).status_code == 200:
                                break
                        except httpx.HTTPError:
                            pass
                        if attempt == 2:
                            drops.append(f"{time.strftime('%H:%M:%S')} {url}")
                        stop.wait(1)
                polls[0] += 1
                stop.wait(0.5)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        k8s.helm(*Addons.app_install_args(rolled.rsplit(":", 1)[1]))
    finally:
        stop.set()
        poller.join(timeout=60)
    images = k8s.cluster.kubectl(
        "get", "deploy", "-n", NAMESPACE, "-l", f"app.kubernetes.io/instance={RELEASE}",
        "-o", "jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}{'\\n'}{end}",
    ).stdout.split()  # fmt: skip
    assert images and set(images) == {rolled}, images
    assert polls[0] > 0
    assert drops == [], f"the chat UI or the API stopped answering during the roll: {drops}"

    # the page's chat-ui pod is gone; the page, never reloaded, is on the new one
    k8s.cluster.kubectl(
        "wait", "--for=delete", "-n", NAMESPACE, *old_chat_pods, "--timeout=300s", timeout=330
    )
    wait_on_page(
        chat, lambda: socket.received("resume_thread"),
        "the open chat page to resume its thread on the new chat-ui pod", timeout=300,
    )  # fmt: skip
    expect(chat.locator("#chat-input")).to_be_enabled()
    say(chat, "list my tasks")

    def thread_of(words: str) -> Any:
        return scalar(
            db,
            'select s."threadId" from steps s join threads t on t.id = s."threadId" '
            "where s.type = 'user_message' and s.output = :w and t.\"userIdentifier\" = :u",
            w=words, u=str(accounts["kate"]),
        )  # fmt: skip

    first = thread_of("remind me to stretch in 1 minute")
    assert first is not None
    after = wait_for(lambda: thread_of("list my tasks"), "the new sentence in the data layer", 120)
    assert after == first, "the sentence after the roll started another thread"

    def answered() -> Any:
        return scalar(
            db,
            "select count(*) from steps a where a.\"threadId\" = :t "
            "and a.type = 'assistant_message' and a.output like '%stretch%' and a.\"createdAt\" > "
            "(select u.\"createdAt\" from steps u where u.\"threadId\" = :t "
            "and u.type = 'user_message' and u.output = 'list my tasks')",
            t=first,
        )  # fmt: skip

    wait_for(answered, "the reply listing 'stretch' in the same thread", timeout=120)
    reply = chat.locator(".step[data-step-type=assistant_message]")
    expect(reply.last).to_contain_text("stretch")


def test_an_mcp_client_signs_in_with_oauth_and_adds_a_task(
    node: str, db: Any, accounts: dict[str, str]
) -> None:
    """The official `mcp` client's OAuth flow against the cluster's chat-ui (discovery from
    the 401, registration, lena on the consent page, the code exchange through chat-ui's
    daprd to task-service), then a tool call whose task lands in PostgreSQL."""
    import asyncio
    import concurrent.futures

    from tests.support.mcp_client import call, payload
    from tests.support.mcp_oauth import oauth_session

    url = f"http://{node}:{CHAT_NODE_PORT}/mcp"

    def challenged() -> bool:
        try:
            answer = httpx.post(url, json={}, timeout=30)
        except httpx.HTTPError:
            return False  # a pod still rolling
        return answer.status_code == 401 and "resource_metadata=" in answer.headers.get(
            "www-authenticate", ""
        )

    wait_for(challenged, "/mcp to answer with the OAuth challenge", timeout=180)

    async def run() -> dict[str, Any]:
        async with oauth_session(url, "lena", password=PASSWORDS["lena"]) as (session, _):
            return payload(await call(session, "add_task", title="oauth in the cluster"))

    # a thread of its own: an earlier test's browser (Playwright's sync API) may leave an
    # event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        added = pool.submit(asyncio.run, run()).result()
    assert added["ok"] is True, added
    owner = scalar(db, "select user_id from tasks where id = :i", i=added["data"]["id"])
    assert owner == accounts["lena"]
