"""The issue-12 bar on the real stack: sign in with the account `todo users` made, type a
sentence, see the task in the live panel (its refresh travels task-service → outbox → Kafka →
chat-ui's broadcast subscription), see a REST change arrive, complete with a click.
Debian's chromium through Playwright, as in tests/browser."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.integration.harness import RealStack, bearer
from tests.integration.test_stack_sign_in import _todo
from tests.support.browser import launch_chromium, local_only, say

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(300)]

PASSWORD = "panel-pw-3141"
UI_TIMEOUT_MS = 30_000  # six services and Kafka on a busy 2-core machine
expect.set_options(timeout=UI_TIMEOUT_MS)  # assertions wait on conditions this long
KAFKA_TIMEOUT_MS = 120_000  # a change that travels outbox -> Kafka -> chat-ui's sidecar


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


def _tasks(stack: RealStack, token: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{stack.app_url('task-service')}/tasks", headers=bearer(token), timeout=30
    )
    response.raise_for_status()
    return list(response.json()["items"])


def test_panel_on_the_stack_fills_live_and_completes(stack: RealStack, browser: Browser) -> None:
    name = f"panel{uuid.uuid4().hex[:8]}"  # a kept stack (TODO_IT_STACK_DIR) keeps accounts
    added = _todo(stack, "users", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    token = _todo(stack, "token", "--user", name).stdout.strip()
    stack.wait_task_events_flowing()  # chat-ui's subscription too (an earlier test may
    # have restarted the broker or a sidecar)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(stack.app_url("chat-ui") + "/")
    page.fill("#email", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    panel = page.locator("#task-panel")
    expect(panel).to_be_visible()

    say(page, "add stand-up every weekday at 9:30 #work", UI_TIMEOUT_MS)
    row = panel.locator(".task-row", has_text=re.compile(r"stand-up"))
    expect(row.locator(".task-repeats")).to_contain_text("every weekday at 9:30")

    created = httpx.post(
        f"{stack.app_url('task-service')}/tasks",
        json={"title": "renew passport"},
        headers=bearer(token),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    passport = panel.locator(".task-row", has_text="renew passport")
    # arrived through the outbox and Kafka, no reload
    expect(passport).to_have_count(1, timeout=KAFKA_TIMEOUT_MS)

    passport.get_by_role("checkbox").click()
    expect(passport).to_have_count(0)
    done = [t for t in _tasks(stack, token) if t["title"] == "renew passport"]
    assert done and done[0]["status"] == "completed", done
    context.close()


def test_stack_command_prints_where_to_sign_in(stack: RealStack) -> None:
    """`todo stack up` on the running stack: says how to sign in (the first account exists)."""
    done = _todo(stack, "stack", "up", "--no-build")
    assert "chat UI: http://" in done.stdout, done.stdout + done.stderr
    assert "sign in" in done.stdout, done.stdout
