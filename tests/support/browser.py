"""Debian's chromium for the browser tests (nothing downloads a browser): how it is launched,
and a route guard that keeps a page on this machine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def local_only(route: Route) -> None:
    """`context.route("**/*", local_only)`: requests to this machine go on, others fail."""
    if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def say(page: Page, text: str, timeout_ms: float = 30_000) -> None:
    """Send `text` from the chat composer and wait for it to show as the user's message.

    The composer can be drawn again while the chat session sets up or resumes (seen on a busy
    machine): what was typed into the old one is gone and the send button stays disabled. So
    type again until the button takes the text, within the deadline."""
    user_messages = page.locator(".step[data-step-type=user_message]")
    before = user_messages.count()
    composer, send = page.locator("#chat-input"), page.locator("#chat-submit")
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if composer.input_value() != text:
            composer.fill(text)
        if send.is_enabled():
            break
        assert time.monotonic() < deadline, f"the send button never took {text!r}"
        page.wait_for_timeout(250)
    send.click()
    expect(user_messages).to_have_count(before + 1, timeout=timeout_ms)
