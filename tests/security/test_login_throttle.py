"""Signing in cannot be flooded: wrong passwords for one account and attempts from one
address are throttled (429 with Retry-After) on `POST /auth/login` and on the chat's
`/login`; argon2 runs in its own bounded pool (beyond it: 503 at once), so a flood of wrong
sign-ins leaves another user's requests fast. And a page on another site cannot sign a
browser in (login CSRF)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend_services.platform.db import session_scope
from backend_services.task_service.users import service as users
from tests.support.embedded_env import EmbeddedEnv, embedded_env, make_settings

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
FRIEND = "https://friend.example"


def client_from(env: EmbeddedEnv, address: str) -> httpx.AsyncClient:
    """A client whose requests come from `address` (the per-address limit's key)."""
    transport = httpx.ASGITransport(app=env.gateway, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://todo", timeout=120)


async def api_login(env: EmbeddedEnv, address: str, name: str, password: str) -> httpx.Response:
    async with client_from(env, address) as client:
        return await client.post("/auth/login", json={"username": name, "password": password})


async def chat_login(
    env: EmbeddedEnv, address: str, name: str, password: str, **headers: str
) -> httpx.Response:
    async with client_from(env, address) as client:
        form = {"username": name, "password": password}
        return await client.post("/login", data=form, headers=headers)


def add_user(env: EmbeddedEnv, name: str) -> None:
    with session_scope(env.engine) as session:
        users.create_user(session, name, password=PASSWORD)


def retry_after(resp: httpx.Response) -> int:
    return int(resp.headers["retry-after"])


def most_allowed(burst: int, per_minute: int, started: float) -> int:
    """What a token bucket can let through since `started`: its burst and what refilled
    meanwhile (a bound from the limit itself, however slow the machine is)."""
    return burst + int((time.monotonic() - started) * per_minute / 60) + 1


@pytest.fixture
async def ui_env(tmp_path: Path) -> AsyncIterator[EmbeddedEnv]:
    settings = make_settings(tmp_path, allowed_origins=[FRIEND])
    async with embedded_env(settings, with_ui=True) as running:
        yield running


async def test_wrong_passwords_for_one_account_are_throttled(env: EmbeddedEnv) -> None:
    add_user(env, "alice")
    add_user(env, "bob")
    # each attempt from another address: only the account's limit can stop them
    statuses, started = [], time.monotonic()
    for i in range(30):
        statuses.append(await api_login(env, f"10.1.0.{i}", "alice", "wrong password"))
    codes = [r.status_code for r in statuses]
    assert set(codes) == {401, 429}, codes
    # the burst (10), then refused before any hashing
    assert codes.count(401) <= most_allowed(10, 5, started), codes
    assert all(retry_after(r) >= 1 for r in statuses if r.status_code == 429)
    # the account is held for a while, even with the right password; others are not
    held = await api_login(env, "10.1.1.1", "alice", PASSWORD)
    assert held.status_code == 429 and retry_after(held) >= 1
    assert (await api_login(env, "10.1.1.1", "bob", PASSWORD)).status_code == 200


async def test_attempts_from_one_address_are_throttled(env: EmbeddedEnv) -> None:
    started = time.monotonic()
    tries = [api_login(env, "10.2.0.1", f"nobody{i}", "wrong password") for i in range(40)]
    answers = await asyncio.gather(*tries)
    codes = [r.status_code for r in answers]
    assert 429 in codes and set(codes) <= {401, 429, 503}, codes
    assert len(codes) - codes.count(429) <= most_allowed(20, 20, started), codes
    assert all(retry_after(r) >= 1 for r in answers if r.status_code in (429, 503))
    add_user(env, "carol")
    assert (await api_login(env, "10.2.0.2", "carol", PASSWORD)).status_code == 200


async def test_the_chat_login_is_throttled_too(ui_env: EmbeddedEnv) -> None:
    add_user(ui_env, "alice")
    ok = await chat_login(ui_env, "10.3.0.1", "alice", PASSWORD)
    assert ok.status_code == 200 and ok.cookies.get("access_token"), ok.text
    # one address, many tries at once
    started = time.monotonic()
    tries = [chat_login(ui_env, "10.3.0.2", f"nobody{i}", "wrong password") for i in range(40)]
    answers = await asyncio.gather(*tries)
    codes = [r.status_code for r in answers]
    assert 429 in codes and set(codes) <= {401, 429, 503}, codes
    assert len(codes) - codes.count(429) <= most_allowed(20, 20, started), codes
    for resp in answers:
        assert "access_token" not in resp.cookies
        if resp.status_code in (429, 503):
            assert retry_after(resp) >= 1
    # many addresses, one account: the task service's account limit, passed on
    add_user(ui_env, "bob")
    account_codes = []
    for i in range(15):
        resp = await chat_login(ui_env, f"10.3.1.{i}", "bob", "wrong password")
        account_codes.append(resp.status_code)
    assert 429 in account_codes, account_codes
    held = await chat_login(ui_env, "10.3.2.1", "bob", PASSWORD)
    assert held.status_code == 429 and retry_after(held) >= 1
    assert "access_token" not in held.cookies


async def test_a_cross_site_form_post_to_login_signs_nobody_in(ui_env: EmbeddedEnv) -> None:
    add_user(ui_env, "alice")
    for headers in (
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ):
        resp = await chat_login(ui_env, "10.4.0.1", "alice", PASSWORD, **headers)
        assert resp.status_code == 403, (headers, resp.status_code)
        assert "access_token" not in resp.cookies and "set-cookie" not in resp.headers
    for headers in (
        {"origin": "http://todo"},  # the app's own page
        {"origin": FRIEND},  # TODO_ALLOWED_ORIGINS
        {"sec-fetch-site": "same-origin"},
        {},  # no browser: curl, a script
    ):
        resp = await chat_login(ui_env, "10.4.0.2", "alice", PASSWORD, **headers)
        assert resp.status_code == 200 and resp.cookies.get("access_token"), headers


async def test_sign_ins_beyond_the_hash_pool_are_refused_at_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, password_hash_threads=1, password_hash_queue=1)
    async with embedded_env(settings) as env:
        add_user(env, "alice")
        tries = [api_login(env, f"10.5.0.{i}", f"user{i}", "wrong password") for i in range(24)]
        answers = await asyncio.gather(*tries)
        codes = sorted({r.status_code for r in answers})
        assert codes == [401, 503], codes
        assert all(retry_after(r) >= 1 for r in answers if r.status_code == 503)
        # the pool drains: the right password works afterwards
        assert (await api_login(env, "10.5.1.1", "alice", PASSWORD)).status_code == 200


async def test_a_login_flood_leaves_another_user_fast_and_is_refused(env: EmbeddedEnv) -> None:
    """The load test: 200 concurrent wrong sign-ins (one address hammering, many addresses
    at one account and at random names) while another user works. Their p95 stays under a
    second (generous: it is milliseconds when the machine is idle; the old shared pool made
    it tens of seconds) and the flood meets 429s."""
    add_user(env, "victim")
    worker = env.user("worker")
    await env.client.get("/me", headers=worker)  # warm: the first request pays imports

    flood: list[asyncio.Task[httpx.Response]] = []
    for i in range(200):
        address = "10.6.0.1" if i % 4 == 0 else f"10.6.{i % 50}.{i % 7 + 2}"
        name = "victim" if i % 2 else f"nobody{i}"
        flood.append(asyncio.create_task(api_login(env, address, name, "wrong password")))

    latencies: list[float] = []
    while not all(t.done() for t in flood) or len(latencies) < 40:
        started = time.perf_counter()
        resp = await env.client.get("/me", headers=worker)
        latencies.append(time.perf_counter() - started)
        assert resp.status_code == 200, resp.text
        if len(latencies) >= 2000:
            break
    answers = await asyncio.gather(*flood)
    codes = [r.status_code for r in answers]
    assert set(codes) <= {401, 429, 503}, sorted(set(codes))
    # the one hammering address (50 of them) gets at most its burst through
    assert codes.count(429) >= 10, {c: codes.count(c) for c in set(codes)}
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < 1.0, f"p95 {p95:.3f} s over {len(latencies)} requests"
