"""The official `mcp` client's OAuth flow (`OAuthClientProvider`) with a scripted person:
the redirect handler opens the product's sign-in and consent page, fills it in and presses
a button; the callback handler hands the code back. For the embedded and the stack tests."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

REDIRECT = "http://localhost:3030/callback"
PASSWORD = "correct horse battery staple"


class Memory:
    """The client's token storage (TokenStorage)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type=hidden name="([^"]*)" value="([^"]*)">', page)
    return {html.unescape(k): html.unescape(v) for k, v in found}


async def consent(
    browser: httpx.AsyncClient,
    authorize_url: str,
    user: str,
    password: str = PASSWORD,
    decision: str = "allow",
) -> httpx.Response:
    """What a person does: open the authorization URL, sign in, press a button."""
    page = await browser.get(authorize_url)
    assert page.status_code == 200, page.text
    assert "wants to connect to your to-do list" in page.text
    form = hidden_fields(page.text) | {
        "username": user,
        "password": password,
        "decision": decision,
    }
    base = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}"
    return await browser.post(f"{base}/oauth/authorize", data=form)


def redirected(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@asynccontextmanager
async def oauth_session(
    mcp_url: str,
    user: str,
    scope: str | None = None,
    memory: Memory | None = None,
    password: str = PASSWORD,
) -> AsyncIterator[tuple[ClientSession, Memory]]:
    """The official client with OAuth: it meets the 401, discovers, registers, sends the
    person to the consent page (scripted here), exchanges the code and retries."""
    memory = memory or Memory()
    answer: dict[str, str] = {}

    async def redirect_handler(url: str) -> None:
        async with httpx.AsyncClient(timeout=60) as browser:
            answer.update(redirected(await consent(browser, url, user, password)))

    async def callback_handler() -> tuple[str, str | None]:
        return answer["code"], answer.get("state")

    provider = OAuthClientProvider(
        mcp_url,
        OAuthClientMetadata(redirect_uris=[AnyUrl(REDIRECT)], client_name="Test IDE", scope=scope),
        memory,
        redirect_handler,
        callback_handler,
    )
    async with (
        httpx.AsyncClient(auth=provider, timeout=60) as http,
        streamable_http_client(mcp_url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session, memory
