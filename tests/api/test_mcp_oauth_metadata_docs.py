"""A client named by its metadata document URL (Client ID Metadata Documents), end to end
with the official `mcp` client: the embedded product with the development setting that lets
the document be served over http on this machine (`TODO_OAUTH_CLIENT_METADATA_ALLOW_PRIVATE`),
a real HTTP server for the document; and the fetch's own limits (size, status, client_id)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import uvicorn

from backend_services.platform.app_support import shared_engine
from backend_services.platform.db import session_scope
from backend_services.task_service.users import service as users
from chat_ui.client_metadata import (
    MAX_DOCUMENT_BYTES,
    ClientMetadataError,
    fetch_client_document,
)
from launch.embedded import create_embedded_app
from tests.api.test_mcp_oauth import authorize_url, pkce, token_form
from tests.support.embedded_env import make_settings
from tests.support.mcp_client import call, connect, payload
from tests.support.mcp_oauth import PASSWORD, REDIRECT, consent, redirected

pytestmark = pytest.mark.anyio

DOCUMENTS: dict[str, bytes] = {}


class Documents(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = DOCUMENTS.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def documents() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Documents)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def dev_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = make_settings(
        Path(tmp_path_factory.mktemp("cimd")), oauth_client_metadata_allow_private=True
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
            assert thread.is_alive(), "the embedded app did not start"
            threading.Event().wait(0.05)
            waited += 0.05
            assert waited < 120, "the embedded app did not start in 120 s"
        engine = shared_engine(settings.resolved_database_url())
        with session_scope(engine) as session:
            users.create_user(session, "cora", password=PASSWORD)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        shared_engine(settings.resolved_database_url()).dispose()


async def test_a_metadata_document_client_signs_in_and_calls_tools(
    dev_app: str, documents: str
) -> None:
    client_id = f"{documents}/clients/desk.json"
    DOCUMENTS["/clients/desk.json"] = json.dumps(
        {"client_id": client_id, "client_name": "Desk Agent", "redirect_uris": [REDIRECT]}
    ).encode()
    verifier, challenge = pkce()
    async with httpx.AsyncClient(timeout=60) as http:
        url = authorize_url(dev_app, client_id, challenge)
        page = await http.get(url)
        assert "Desk Agent" in page.text
        code = redirected(await consent(http, url, "cora"))["code"]
        answer = await http.post(
            f"{dev_app}/oauth/token", data=token_form(client_id, code, verifier, dev_app)
        )
        assert answer.status_code == 200, answer.text
        # a redirect URI the document does not list: a page, no redirect
        other = await http.get(
            authorize_url(dev_app, client_id, challenge, redirect_uri=REDIRECT + "2")
        )
        assert other.status_code == 400
    async with connect(f"{dev_app}/mcp", answer.json()["access_token"]) as session:
        added = payload(await call(session, "add_task", title="from a CIMD client"))
        assert added["ok"] is True, added


async def test_the_fetch_refuses_large_wrong_or_missing_documents(documents: str) -> None:
    DOCUMENTS["/big.json"] = b"{" + b" " * (MAX_DOCUMENT_BYTES + 1) + b"}"
    DOCUMENTS["/other.json"] = json.dumps(
        {"client_id": "https://somebody.else/c.json", "redirect_uris": [REDIRECT]}
    ).encode()
    DOCUMENTS["/nouris.json"] = json.dumps({"client_id": f"{documents}/nouris.json"}).encode()
    for path, words in (
        ("/big.json", "too large"),
        ("/other.json", "client_id"),
        ("/nouris.json", "redirect_uris"),
        ("/missing.json", "404"),
    ):
        with pytest.raises(ClientMetadataError, match=words):
            await fetch_client_document(f"{documents}{path}", allow_private=True)
    # without the development setting, the very same documents are refused
    with pytest.raises(ClientMetadataError, match="https"):
        await fetch_client_document(f"{documents}/clients/desk.json")
