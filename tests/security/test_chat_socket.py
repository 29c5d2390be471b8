"""Issue 20, items 4 and 5 and held connections, against the embedded product served by
uvicorn on a real port, over a real socket.io connection: the chat socket accepted any
Origin; a message was stored whole before the 4,000-character and rate checks (20 messages of
900 KB grew the database by 34 MB); `GET /mcp` and a client that stops sending its body held
their connection for ever."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
import uvicorn
from sqlalchemy import text

from backend_services.kernel import tokens
from backend_services.platform.app_support import shared_engine
from backend_services.platform.db import session_scope
from backend_services.platform.settings import Settings
from backend_services.task_service.users import service as users
from launch.embedded import create_embedded_app
from tests.support.embedded_env import eventually, make_settings

pytestmark = pytest.mark.anyio

FRIEND = "https://friend.example"
EVIL = "https://evil.example"
PASSWORD = "correct horse battery"


@dataclass
class Served:
    url: str
    settings: Settings

    def login(self, name: str) -> str:
        """A user signed in to the chat UI as a browser is: Chainlit's session cookie."""
        with session_scope(shared_engine(self.settings.resolved_database_url())) as session:
            if session.get(users.User, name) is None:
                users.create_user(session, name, password=PASSWORD)
        resp = httpx.post(
            f"{self.url}/login", data={"username": name, "password": PASSWORD}, timeout=60
        )
        assert resp.status_code == 200, resp.text
        return "; ".join(f"{k}={v}" for k, v in resp.cookies.items())

    def pat(self, name: str) -> str:
        engine = shared_engine(self.settings.resolved_database_url())
        with session_scope(engine) as session:
            if session.get(users.User, name) is None:
                users.create_user(session, name, password=PASSWORD)
            return tokens.create(session, name, tokens.TokenCreate(name="mcp")).token

    def stored_steps(self, needle: str) -> int:
        with shared_engine(self.settings.resolved_database_url()).connect() as conn:
            query = text("SELECT count(*) FROM steps WHERE output LIKE :n")
            return int(conn.execute(query, {"n": f"%{needle}%"}).scalar_one())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = make_settings(
        Path(tmp_path_factory.mktemp("socket")),
        allowed_origins=[FRIEND],
        chat_turns_per_minute=3,
        body_read_seconds=2.0,
    )
    gateway = create_embedded_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(gateway, log_level="warning", log_config=None))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        waited = 0.0
        while not server.started:
            if not thread.is_alive() or waited > 120:
                raise RuntimeError("the embedded app did not start")
            threading.Event().wait(0.05)
            waited += 0.05
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        shared_engine(settings.resolved_database_url()).dispose()


@dataclass
class Chat:
    client: socketio.AsyncClient
    replies: list[dict[str, Any]]
    thread_id: str

    async def say(self, words: str) -> None:
        message = {
            "id": str(uuid.uuid4()),
            "threadId": self.thread_id,
            "name": "alice",
            "type": "user_message",
            "output": words,
            "createdAt": "2026-12-06T00:00:00Z",
        }
        await self.client.emit("client_message", {"message": message, "fileReferences": None})

    async def reply_containing(self, needle: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            return next((r for r in self.replies if needle in str(r.get("output"))), None)

        return await eventually(found, timeout=60, what=f"a reply with {needle!r}")


@asynccontextmanager
async def chat(served: Served, cookie: str, origin: str) -> AsyncIterator[Chat]:
    client = socketio.AsyncClient(reconnection=False)
    replies: list[dict[str, Any]] = []
    thread_id = str(uuid.uuid4())

    @client.on("new_message")
    async def on_new_message(data: dict[str, Any]) -> None:
        replies.append(data)

    await client.connect(
        served.url,
        socketio_path="/ws/socket.io",
        transports=["websocket"],
        headers={"cookie": cookie, "origin": origin},
        auth={
            "sessionId": str(uuid.uuid4()),
            "clientType": "webapp",
            "threadId": None,
            "userEnv": "{}",
            "chatProfile": None,
        },
        wait_timeout=60,
    )
    try:
        await client.emit("connection_successful")
        yield Chat(client, replies, thread_id)
    finally:
        await client.disconnect()


def handshake(served: Served, origin: str) -> httpx.Response:
    return httpx.get(
        f"{served.url}/ws/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"origin": origin},
        timeout=60,
    )


async def test_the_chat_socket_opens_for_the_apps_own_origins_only(served: Served) -> None:
    cookie = served.login("alice")
    assert handshake(served, EVIL).status_code == 400
    assert handshake(served, FRIEND).status_code == 200
    assert handshake(served, served.url).status_code == 200
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with chat(served, cookie, EVIL):
            pass
    async with chat(served, cookie, served.url) as ok:
        assert ok.client.connected


async def test_an_over_long_message_is_refused_before_it_is_stored(served: Served) -> None:
    cookie = served.login("bob")
    async with chat(served, cookie, served.url) as bob:
        marker = f"long-{uuid.uuid4().hex}"
        await bob.say(marker + "x" * 5000)
        refusal = await bob.reply_containing("too long")
        assert "4000" in refusal["output"]
        # a normal message still goes through, and is stored as before; once it is, the
        # one sent before it would have been too
        fine = f"add water the plants {uuid.uuid4().hex[:8]}"
        await bob.say(fine)
        await bob.reply_containing("water the plants")
        await eventually(
            lambda: _true(served.stored_steps(fine) >= 1), timeout=60, what="the stored turn"
        )
        assert served.stored_steps(marker) == 0


async def test_a_frame_over_the_cap_closes_the_socket_and_stores_nothing(served: Served) -> None:
    cookie = served.login("carol")
    async with chat(served, cookie, served.url) as carol:
        marker = f"huge-{uuid.uuid4().hex}"
        await carol.say(marker + "y" * 900_000)
        await eventually(
            lambda: _true(not carol.client.connected), timeout=60, what="the socket closed"
        )
    assert served.stored_steps(marker) == 0


async def test_messages_over_the_rate_are_refused_before_they_are_stored(served: Served) -> None:
    cookie = served.login("dave")  # 3 turns a minute in this module's settings
    async with chat(served, cookie, served.url) as dave:
        markers = [f"show my tasks {uuid.uuid4().hex}" for _ in range(6)]
        for words in markers:
            await dave.say(words)
        await dave.reply_containing("faster than I can keep up")

        async def settled() -> tuple[int, int] | None:
            stored = sum(served.stored_steps(m) for m in markers)
            refused = sum("faster than I can keep up" in str(r["output"]) for r in dave.replies)
            return (stored, refused) if stored + refused == len(markers) else None

        # each message is either refused (and never stored) or answered and stored
        stored, refused = await eventually(settled, timeout=60, what="every message settled")
        assert refused >= 1 and stored <= 3 + 1, (stored, refused)


async def _true(value: bool) -> bool:
    return value


def test_get_mcp_answers_at_once_instead_of_holding_a_stream(served: Served) -> None:
    headers = {"authorization": f"Bearer {served.pat('erin')}", "accept": "text/event-stream"}
    resp = httpx.get(f"{served.url}/mcp", headers=headers, timeout=60)
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"


def test_a_body_that_stops_arriving_is_cut_off(served: Served) -> None:
    """A client that announces 100 bytes and sends 1 gets 408 once the read deadline (2 s
    here) passed, instead of holding the connection and a worker."""
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(
            b"POST /tasks HTTP/1.1\r\nhost: todo\r\ncontent-type: application/json\r\n"
            b"content-length: 100\r\n\r\n{"
        )
        answer = conn.recv(4096)  # the socket's 60 s timeout is the test's deadline
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_every_answer_carries_the_browser_hardening_headers(served: Served) -> None:
    for path in ("/", "/tasks", "/lists", "/auth/config", "/nowhere"):
        resp = httpx.get(f"{served.url}{path}", timeout=60)
        assert resp.headers["x-content-type-options"] == "nosniff", path
        assert resp.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"], path


def test_unknown_thread_ids_are_404_not_500(served: Served) -> None:
    cookie = served.login("frank")
    headers = {"cookie": cookie}
    unknown = str(uuid.uuid4())
    with httpx.Client(base_url=served.url, headers=headers, timeout=60) as client:
        assert client.get(f"/project/thread/{unknown}").status_code == 404
        assert client.get(f"/project/thread/{unknown}/element/{unknown}").status_code == 404
        body = {"threadId": unknown, "name": "mine now"}
        assert client.put("/project/thread", json=body).status_code == 404
        share = {"threadId": unknown, "isShared": True}
        assert client.put("/project/thread/share", json=share).status_code == 404
        gone = client.request("DELETE", "/project/thread", json={"threadId": unknown})
        assert gone.status_code == 404


def test_an_unknown_chat_session_is_404_not_500(served: Served) -> None:
    cookie = served.login("gina")
    unknown = str(uuid.uuid4())
    action = {"name": "mark_done", "payload": {}, "id": unknown}
    element = {"id": unknown, "type": "custom", "name": "x", "display": "inline"}
    with httpx.Client(base_url=served.url, headers={"cookie": cookie}, timeout=60) as client:
        resp = client.post("/project/action", json={"sessionId": unknown, "action": action})
        assert resp.status_code == 404, resp.text
        for method in ("PUT", "DELETE"):
            body = {"sessionId": unknown, "element": element}
            resp = client.request(method, "/project/element", json=body)
            assert resp.status_code == 404, (method, resp.text)


async def test_feedback_only_on_ones_own_messages(served: Served) -> None:
    hank_cookie, mallory_cookie = served.login("hank"), served.login("mallory")
    async with chat(served, hank_cookie, served.url) as hank:
        words = f"show my tasks {uuid.uuid4().hex}"
        await hank.say(words)
        await eventually(
            lambda: _true(served.stored_steps(words) >= 1), timeout=60, what="hank's message"
        )
    with shared_engine(served.settings.resolved_database_url()).connect() as conn:
        query = text('SELECT id, "threadId" FROM steps WHERE output LIKE :n')
        step_id, thread_id = conn.execute(query, {"n": f"%{words}%"}).one()
    feedback = {"forId": step_id, "threadId": thread_id, "value": 0, "comment": "spam"}
    body = {"feedback": feedback, "sessionId": str(uuid.uuid4())}
    with httpx.Client(base_url=served.url, timeout=60) as client:
        mallory = {"cookie": mallory_cookie}
        assert client.put("/feedback", json=body, headers=mallory).status_code == 404
        own = client.put("/feedback", json=body, headers={"cookie": hank_cookie})
        assert own.status_code == 200, own.text
        feedback_id = own.json()["feedbackId"]
        hijack = {**body, "feedback": {**feedback, "id": feedback_id}}
        assert client.put("/feedback", json=hijack, headers=mallory).status_code == 404
        gone = client.request(
            "DELETE", "/feedback", json={"feedbackId": feedback_id}, headers=mallory
        )
        assert gone.status_code == 404
    with shared_engine(served.settings.resolved_database_url()).connect() as conn:
        row = conn.execute(text("SELECT comment FROM feedbacks WHERE id = :i"), {"i": feedback_id})
        assert row.scalar_one() == "spam"
