"""The chat UI as a browser reaches it, without a browser: Chainlit's `/login` over HTTP and
its socket.io channel with python-socketio's client (connect, send a message, read what the
server sends back)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import socketio

SOCKET_PATH = "/ws/socket.io"


async def chat_login(base_url: str, username: str, password: str) -> httpx.Response:
    """Chainlit's password form, as the sign-in page posts it (same origin)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return await http.post(
            "/login",
            data={"username": username, "password": password},
            headers={"origin": base_url},
        )


def session_cookie(response: httpx.Response) -> str:
    token = response.cookies.get("access_token")
    assert token, f"no session cookie: {response.status_code} {response.text}"
    return token


class ChatSocket:
    """One connected chat session; `messages` collects every message the server sends."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.messages: list[dict[str, Any]] = []
        self.session_id = str(uuid.uuid4())  # Chainlit's session (POST /project/action names it)
        self.client.on("new_message", self.messages.append)
        self.actions: list[dict[str, Any]] = []  # the buttons the server attached to messages
        self.client.on("action", self.actions.append)

    async def send(self, text: str) -> None:
        step = {
            "id": str(uuid.uuid4()),
            "type": "user_message",
            "name": "User",
            "output": text,
            "createdAt": datetime.now(UTC).isoformat(),
        }
        await self.client.emit("client_message", {"message": step, "fileReferences": None})

    async def wait_for(self, text: str, timeout: float = 60.0) -> dict[str, Any]:
        """The first message the server sent whose content contains `text` (a deadline, no
        timing assertion)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.messages:
                if text in str(message.get("output", "")):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                seen = [m.get("output") for m in self.messages]
                raise AssertionError(f"no message with {text!r}; saw {seen}")
            await asyncio.sleep(0.05)


@asynccontextmanager
async def chat_socket(base_url: str, cookie: str) -> AsyncIterator[ChatSocket]:
    """A socket connected with the session cookie; socketio.exceptions.ConnectionError when
    the server refuses the connection."""
    chat = ChatSocket()
    await chat.client.connect(
        base_url,
        socketio_path=SOCKET_PATH,
        transports=["websocket"],
        headers={"cookie": f"access_token={cookie}", "origin": base_url},
        auth={
            "clientType": "webapp",
            "sessionId": chat.session_id,
            "threadId": None,
            "userEnv": "{}",
            "chatProfile": None,
        },
        wait_timeout=60,
    )
    try:
        await chat.client.emit("connection_successful")
        yield chat
    finally:
        await chat.client.disconnect()
