"""The stack's trace viewer (deploy/jaeger/ui, served by Jaeger's query extension) in Debian's
chromium: a task created with a reminder on the real stack is found by service in the search
page, and its trace page draws the waterfall with task-service's request and publish and
reminder-service's handling of the event from Kafka; a span opens to its attributes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.stack.jaeger import trace_url
from tests.integration.harness import RealStack, bearer, iso, wait_for
from tests.integration.test_stack_sign_in import _todo
from tests.support.browser import launch_chromium, local_only

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.timeout(420)]

UI_TIMEOUT_MS = 30_000
expect.set_options(timeout=UI_TIMEOUT_MS)

# what the trace of one create with a reminder holds in the stack's processes
WANTED = {
    ("task-service", "POST /tasks"),
    ("task-service", "publish task-events"),
    ("reminder-service", "handle task-events"),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route("**/*", local_only)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors  # the viewer's script ran without an uncaught error


def _traced_create(stack: RealStack) -> str:
    """Create a task with a reminder under a trace id of the test's own (a sampled W3C
    `traceparent` on the request): task-service's server span continues it."""
    _, token = stack.new_user("traceui")
    trace_id = secrets.token_hex(16)
    headers = bearer(token) | {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    at = datetime.now(UTC) + timedelta(hours=2)
    body = {"title": "look at the trace", "reminders": [{"at": iso(at)}]}
    resp = httpx.post(
        f"{stack.app_url('task-service')}/tasks", json=body, headers=headers, timeout=30
    )
    assert resp.status_code == 201, resp.text
    return trace_id


def _arrived(stack: RealStack, trace_id: str) -> dict[str, Any] | None:
    """The trace once every wanted span is in Jaeger (each process exports in batches)."""
    resp = httpx.get(f"{stack.trace_api}/api/traces/{trace_id}", timeout=10)
    data = (resp.json().get("data") or []) if resp.status_code == 200 else []
    if not data:
        return None
    services = {pid: p["serviceName"] for pid, p in data[0]["processes"].items()}
    names = {(services[s["processID"]], s["operationName"]) for s in data[0]["spans"]}
    return dict(data[0]) if names >= WANTED else None


def _row(page: Page, service: str, operation: str) -> Any:
    return page.locator(
        f'#waterfall .span-row[data-service="{service}"][data-operation="{operation}"]'
    )


def test_trace_viewer_shows_a_create_from_task_service_to_reminder_service(
    stack: RealStack, page: Page
) -> None:
    trace_id = _traced_create(stack)
    trace = wait_for(
        lambda: _arrived(stack, trace_id), "the create's trace to reach reminder-service", 120
    )

    # the search page: task-service's recent traces list this one; it opens the trace page
    page.goto(stack.trace_api + "/")
    expect(page.locator("#service")).to_have_value("task-service")
    page.click("#search-submit")
    result = page.locator(f'.trace-result[data-trace-id="{trace_id}"]')
    expect(result).to_be_visible()
    expect(result).to_contain_text("reminder-service")
    result.locator(".trace-link").click()
    expect(page).to_have_url(trace_url(stack.trace_api, trace_id))

    # the waterfall: one row per span, task-service's and reminder-service's among them
    expect(page.locator("#trace-title-id")).to_have_text(trace_id)
    # spans keep arriving after the wanted ones (audit-service, the sidecars export in
    # batches), so the page draws what Jaeger held when it loaded: every span known before
    # the page, and only spans Jaeger holds after it
    before = {s["spanID"] for s in trace["spans"]}
    rows = page.locator("#waterfall .span-row[data-span-id]")
    wait_for(lambda: rows.count() >= len(before), "the waterfall drawn", 60)
    drawn = set(rows.evaluate_all("els => els.map(el => el.dataset.spanId)"))
    after = _arrived(stack, trace_id)
    assert after is not None
    assert before <= drawn <= {s["spanID"] for s in after["spans"]}, (before, drawn)
    for service, operation in WANTED:
        expect(_row(page, service, operation)).to_have_count(1)
    # the Kafka hop is drawn under the publish: reminder-service's row is indented deeper
    publish = _row(page, "task-service", "publish task-events").locator(".span-name")
    handle = _row(page, "reminder-service", "handle task-events").locator(".span-name")
    depth = "el => parseFloat(getComputedStyle(el).paddingLeft)"
    assert handle.evaluate(depth) > publish.evaluate(depth)

    # a span opens to its service, span id and attributes
    handled = next(
        s
        for s in trace["spans"]
        if s["operationName"] == "handle task-events"
        and trace["processes"][s["processID"]]["serviceName"] == "reminder-service"
    )
    _row(page, "reminder-service", "handle task-events").click()
    detail = page.locator(".span-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text(handled["spanID"])
    expect(detail).to_contain_text("attributes")
    first_tag = handled["tags"][0]
    expect(detail).to_contain_text(first_tag["key"])


def test_trace_viewer_opens_a_trace_by_id_and_says_when_one_is_missing(
    stack: RealStack, page: Page
) -> None:
    trace_id = _traced_create(stack)
    wait_for(lambda: _arrived(stack, trace_id), "the create's trace in Jaeger", 120)
    page.goto(stack.trace_api + "/search")
    page.fill("#trace-id", trace_id.upper())  # as pasted from anywhere
    page.click("#trace-id-form button")
    expect(page).to_have_url(trace_url(stack.trace_api, trace_id))
    expect(_row(page, "task-service", "POST /tasks")).to_have_count(1)

    # the terminal's tree points at the same page
    shown = _todo(stack, "stack", "trace", trace_id)
    assert shown.returncode == 0, shown.stderr
    assert "task-service: POST /tasks" in shown.stdout, shown.stdout
    assert f"in the browser: {trace_url(stack.trace_api, trace_id)}" in shown.stderr

    missing = secrets.token_hex(16)
    page.goto(trace_url(stack.trace_api, missing))
    expect(page.locator("#status")).to_contain_text(f"No trace {missing}")
    expect(page.locator("#waterfall")).to_have_count(0)


def test_stack_up_prints_the_chat_ui_and_the_trace_viewer_apart(stack: RealStack) -> None:
    """Jaeger's row (with the viewer's URL) sorts before the apps: `up` still names chat-ui's."""
    done = _todo(stack, "stack", "up", "--no-build")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"chat UI: {stack.app_url('chat-ui')}\n" in done.stdout, done.stdout
    assert f"traces (viewer and Jaeger query API): {stack.trace_api}\n" in done.stdout
