"""The product in a real browser: Debian's chromium driven by Playwright against `todo up`.

One embedded server (a subprocess on a free port, its own data dir, offline agent) serves every
test in this module; the history test restarts it, with header auth (TODO_HEADER_AUTH_NAME)
turned on from then on. Requests to anything but the local server are aborted (the UI asks for
web fonts and a KaTeX stylesheet from the internet). About 1-1.5 min on an idle 2-core machine.

Selectors (Chainlit 2.12): login `#email` `#password` `button[type=submit]`; composer
`#chat-input` `#chat-submit`; messages `.step[data-step-type=user_message|assistant_message]`
with `.message-content`; a tool step's header `#step-<tool name>`; action buttons by their
label; past conversations `#thread-history a`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from backend_services.platform.db import make_engine, session_scope
from backend_services.platform.migrate import upgrade
from backend_services.platform.secrets_file import ensure_local_secrets
from backend_services.platform.settings import Settings
from backend_services.task_service.users import service as users
from tests.support.browser import launch_chromium, local_only, say

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TODO = Path(sys.executable).with_name("todo")
PASSWORDS = {
    "alice": "alice-pw-4711",
    "bob": "bob-pw-0815",
    "carol": "carol-pw-1234",  # the task panel
    "dave": "dave-pw-5678",  # reminder cards
    "erin": "erin-pw-9012",  # phone width
    "frank": "frank-pw-3456",  # starters, the Tasks button, the offline footer
    "gina": "gina-pw-7890",  # a browser in Berlin
}
# `make screenshots` sets this to docs/images: the README's pictures come from these tests
SCREENSHOTS = os.environ.get("TODO_SCREENSHOTS_DIR")
UI_TIMEOUT_MS = 30_000
PROXY_HEADER = "X-Forwarded-User"
START_TIMEOUT = 90  # `todo up` starts in ~5 s, but the CI machine may be busy
REMINDER_TIMEOUT_MS = 20_000
# assertions wait on conditions (a reply, a live panel refresh) up to this long on a busy machine
expect.set_options(timeout=UI_TIMEOUT_MS)

# no skip when chromium is missing: `make prepare` installs it, and a missing browser must fail


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`todo up` in a subprocess; REST calls with tokens from `todo token`."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "TODO_", "CHAINLIT_")) and k != "DATABASE_URL"
        }
        self.env.update(TODO_DATA_DIR=str(data_dir), TODO_OUTBOX_POLL_SECONDS="0.2", **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        self._tokens: dict[str, str] = {}
        self._pending_tokens: dict[str, subprocess.Popen[bytes]] = {}

    def add_user(self, name: str, password: str) -> None:
        """In-process (what `todo users add` does) to keep the suite quick on a busy machine."""
        url = Settings(data_dir=self.data_dir).resolved_database_url()
        upgrade(url)
        # The signing key too, before `todo up` and `todo token` race to create it.
        ensure_local_secrets(self.data_dir / "secrets.json")
        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                users.create_user(session, name, password=password)
        finally:
            engine.dispose()

    def prefetch_tokens(self, *names: str) -> None:
        """Start `todo token` for each user now; `token()` collects the answer."""
        for name in names:
            self._pending_tokens[name] = subprocess.Popen(
                [str(TODO), "token", "--user", name], env=self.env, stdout=subprocess.PIPE
            )

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(TODO), *args],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=True,
        )
        return done.stdout.decode().strip()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(TODO), "up", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"todo up exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/auth/config", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"todo up did not answer in {START_TIMEOUT} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def restart(self, **env: str) -> None:
        self.stop()
        self.env.update(env)
        self.start()

    def token(self, user: str) -> str:
        if user in self._pending_tokens:
            out, _ = self._pending_tokens.pop(user).communicate(timeout=60)
            self._tokens[user] = out.decode().strip()
        if user not in self._tokens:
            self._tokens[user] = self.cli("token", "--user", user)
        return self._tokens[user]

    def rest(self, method: str, path: str, user: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method,
            f"{self.url}{path}",
            headers={"authorization": f"Bearer {self.token(user)}"},
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def tasks(self, user: str) -> list[dict[str, Any]]:
        return list(self.rest("GET", "/tasks", user, params={"limit": 100})["items"])

    def task_titled(self, user: str, title: str) -> dict[str, Any] | None:
        return next((t for t in self.tasks(user) if t["title"] == title), None)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("browser-data"))
    for name, password in PASSWORDS.items():
        srv.add_user(name, password)
    srv.prefetch_tokens(*PASSWORDS)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


def open_chat(
    browser: Browser, server: Server, user: str, *, panel_shown: bool = True, **context_args: Any
) -> Page:
    """A fresh browser context, signed in as `user` (with the password form), on a new chat.
    The browser's zone is UTC unless `timezone_id` says otherwise. `panel_shown=False` for a
    phone, where the task sheet starts closed."""
    context = browser.new_context(**({"timezone_id": "UTC"} | context_args))
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(server.url + "/")
    sign_in_if_asked(page, user)
    # the chat session is set up (on_chat_start has put the task panel in): a message typed
    # before that can be lost when the composer is drawn again
    if panel_shown:
        expect(page.locator("#task-panel")).to_be_attached()
    return page


def sign_in_if_asked(page: Page, user: str) -> None:
    page.wait_for_selector("#email, #chat-input")
    if page.locator("#email").count():
        expect(page.locator("#password")).to_be_visible()
        page.fill("#email", user)
        page.fill("#password", PASSWORDS[user])
        page.click("button[type=submit]")
    expect(page.locator("#chat-input")).to_be_visible()


def last_reply(page: Page) -> Any:
    return page.locator(".step[data-step-type=assistant_message] .message-content").last


def reminder_message(page: Page, title: str) -> Any:
    """The live notification for `title` (author "Reminder"), with its action buttons."""
    note = page.locator(".step[data-step-type=assistant_message]", has_text=f"Reminder: {title}")
    expect(note).to_have_count(1, timeout=REMINDER_TIMEOUT_MS)
    return note


def create_with_reminder(server: Server, user: str, title: str, seconds: float) -> dict[str, Any]:
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    task: dict[str, Any] = server.rest(
        "POST", "/tasks", user, json={"title": title, "reminders": [{"at": at.isoformat()}]}
    )
    return task


def test_add_task_in_chat_shows_tool_step_reply_and_rest(browser: Browser, server: Server) -> None:
    page = open_chat(browser, server, "alice")
    say(page, "add buy milk tomorrow at 5pm")
    expect(page.locator("#step-add_task")).to_be_visible()
    expect(page.locator(".step[data-step-type=tool]")).to_have_count(1)
    expect(last_reply(page)).to_contain_text("Added: buy milk")

    task = server.task_titled("alice", "buy milk")
    assert task is not None, server.tasks("alice")
    due = datetime.fromisoformat(task["due_at"])
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert (due.astimezone(UTC).date(), due.astimezone(UTC).hour) == (tomorrow, 17)
    page.context.close()


def test_reminder_arrives_live_and_its_actions_work(browser: Browser, server: Server) -> None:
    page = open_chat(browser, server, "alice")
    done = create_with_reminder(server, "alice", "stretch your legs", 3)
    snoozed = create_with_reminder(server, "alice", "call the plumber", 3)

    note = reminder_message(page, "stretch your legs")
    note.get_by_role("button", name="Mark done").click()
    expect(last_reply(page)).to_contain_text("Marked 'stretch your legs' as done")
    assert server.rest("GET", f"/tasks/{done['id']}", "alice")["status"] == "completed"

    note = reminder_message(page, "call the plumber")
    clicked_at = datetime.now(UTC)
    note.get_by_role("button", name="Snooze 10 min").click()
    expect(last_reply(page)).to_contain_text("Snoozed 'call the plumber' for 10 minutes")
    task = server.rest("GET", f"/tasks/{snoozed['id']}", "alice")
    assert task["status"] == "pending"
    later = [
        r
        for r in task["reminders"]
        if datetime.fromisoformat(r["at"]) >= clicked_at + timedelta(minutes=9)
    ]
    assert len(later) == 1 and later[0]["fired_at"] is None, task["reminders"]
    # The actions are spent once used.
    expect(note.get_by_role("button", name="Snooze 10 min")).to_have_count(0)
    page.context.close()


def test_history_resumes_after_restart_with_the_agent_memory(
    browser: Browser, server: Server
) -> None:
    """Messages survive a restart; a tab left open reconnects to the same thread (no split);
    the thread id is the agent's conversation, so a pending confirmation carries over."""
    server.rest("POST", "/tasks", "alice", json={"title": "water the plants"})
    open_tab = open_chat(browser, server, "alice")
    say(open_tab, "delete water the plants")
    expect(last_reply(open_tab)).to_contain_text("Please confirm")
    open_tab.wait_for_url("**/thread/*")
    thread_path = urlparse(open_tab.url).path

    # Restarted with header auth on as well: the password form must keep working with it, and
    # the header test below needs it.
    server.restart(TODO_HEADER_AUTH_NAME=PROXY_HEADER)

    page = open_chat(browser, server, "alice")
    page.locator("#thread-history a", has_text="delete water the plants").first.click()
    page.wait_for_url(f"**{thread_path}")
    expect(page.locator(".step[data-step-type=user_message]").first).to_contain_text(
        "delete water the plants"
    )
    expect(last_reply(page)).to_contain_text("Delete 'water the plants'? Please confirm")

    say(open_tab, "yes")
    expect(last_reply(open_tab)).to_contain_text("Deleted 'water the plants'")
    assert server.task_titled("alice", "water the plants") is None
    assert urlparse(open_tab.url).path == thread_path

    page.reload()
    sign_in_if_asked(page, "alice")
    expect(page.locator(".step[data-step-type=user_message]")).to_have_count(2)
    expect(panel(page)).to_be_attached()  # a reload keeps the task panel
    expect(last_reply(page)).to_contain_text("Deleted 'water the plants'")
    assert page.locator("#thread-history a", has_text="delete water the plants").count() == 1
    page.context.close()
    open_tab.context.close()


def test_two_users_side_by_side_never_see_each_other(browser: Browser, server: Server) -> None:
    alice = open_chat(browser, server, "alice")
    bob = open_chat(browser, server, "bob")
    say(alice, "add alice secret plan tomorrow at 9am")
    say(bob, "add bob hidden gift tomorrow at 10am")
    expect(last_reply(alice)).to_contain_text("Added: alice secret plan")
    expect(last_reply(bob)).to_contain_text("Added: bob hidden gift")

    say(alice, "show all tasks")
    say(bob, "show all tasks")
    for page, own in ((alice, "alice secret plan"), (bob, "bob hidden gift")):
        expect(last_reply(page)).to_contain_text("Your tasks")
        expect(last_reply(page)).to_contain_text(own)
    assert "bob hidden gift" not in last_reply(alice).inner_text()
    assert "alice secret plan" not in last_reply(bob).inner_text()

    create_with_reminder(server, "alice", "alice private reminder", 2)
    create_with_reminder(server, "bob", "bob private reminder", 2)
    reminder_message(alice, "alice private reminder")
    reminder_message(bob, "bob private reminder")
    time.sleep(1)  # anything misrouted would have arrived with the other one
    for page, other in ((alice, "bob"), (bob, "alice")):
        body = page.locator("body").inner_text()
        assert f"{other} private reminder" not in body
        assert f"{other} hidden gift" not in body and f"{other} secret plan" not in body
    alice.context.close()
    bob.context.close()


def test_header_auth_behind_a_proxy_is_opt_in(browser: Browser, server: Server) -> None:
    """With TODO_HEADER_AUTH_NAME set, the proxy's header signs an existing, enabled account
    in without a form; unknown names are refused; the password form still works (the tests
    above ran against this setting since the restart)."""
    if server.env.get("TODO_HEADER_AUTH_NAME") != PROXY_HEADER:
        server.restart(TODO_HEADER_AUTH_NAME=PROXY_HEADER)
    for name, expected in (("Alice", 200), ("mallory", 401), ("", 401)):
        response = httpx.post(f"{server.url}/auth/header", headers={PROXY_HEADER: name})
        assert response.status_code == expected, (name, response.text)

    context = browser.new_context(extra_http_headers={PROXY_HEADER: "alice"})
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.locator("#chat-input")).to_be_visible()  # never asked for a password
    expect(page.locator("#task-panel")).to_be_attached()  # the chat session is set up
    say(page, "add renew passport next monday")
    expect(last_reply(page)).to_contain_text("Added: renew passport")
    assert server.task_titled("alice", "renew passport") is not None
    context.close()


# ---------------------------------------------------------------------------------------
# our own face, the live task panel, reminder cards (issue 12)


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def panel(page: Page) -> Any:
    return page.locator("#task-panel")


def panel_row(page: Page, title: str) -> Any:
    return (
        panel(page)
        .locator(".task-row")
        .filter(has=page.locator(".task-title", has_text=re.compile(rf"^{re.escape(title)}$")))
    )


def test_login_page_says_what_the_app_is_and_starters_welcome(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.locator("#email")).to_be_visible()
    expect(page).to_have_title("To-do Assistant")
    expect(page.get_by_text("Sign in to To-do Assistant")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_text("Email address")).to_have_count(0)
    screenshot(page, "login")

    # a browser set to another language gets the same wording (the app speaks English)
    german = browser.new_context(locale="de-DE")
    german.route("**/*", local_only)
    german_page = german.new_page()
    german_page.goto(server.url + "/")
    expect(german_page.get_by_text("Sign in to To-do Assistant")).to_be_visible()
    expect(german_page.get_by_label("Username")).to_be_visible()
    german.close()

    favicon = httpx.get(f"{server.url}/favicon", timeout=10)
    assert favicon.headers["content-type"].startswith("image/svg")
    assert "prefers-color-scheme: dark" in favicon.text  # one icon, both themes
    for theme in ("light", "dark"):
        logo = httpx.get(f"{server.url}/logo", params={"theme": theme}, timeout=10)
        assert "To-do Assistant" in logo.text, theme

    # a wrong password says so, in words (not "Unauthorized: credentialssignin")
    page.fill("#email", "carol")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_text("Wrong username or password").first).to_be_visible()
    expect(page.get_by_text("credentialssignin", exact=False)).to_have_count(0)
    expect(page.get_by_text("Unauthorized", exact=False)).to_have_count(0)

    page.fill("#email", "carol")
    page.fill("#password", PASSWORDS["carol"])
    page.click("button[type=submit]")
    expect(page.locator("#chat-input")).to_be_visible()
    for label in (
        "Remind me to call mom tomorrow at 5pm",
        "What's due today?",
        "Add stand-up every weekday at 9:30",
    ):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    # starters teach, not act: a click fills the composer; sending is the person's choice
    expect(page.locator("#task-panel")).to_be_attached()  # the session is set up
    page.get_by_text("What's due today?", exact=True).click()
    expect(page.locator("#chat-input")).to_have_value("What's due today?")
    expect(page.locator(".step[data-step-type=user_message]")).to_have_count(0)
    page.locator("#chat-submit").click()
    expect(page.locator(".step[data-step-type=user_message]")).to_contain_text("What's due today?")
    expect(page.locator("#step-list_tasks")).to_be_visible()
    context.close()


def test_three_sentences_fill_the_live_panel_and_a_click_completes(
    browser: Browser, server: Server
) -> None:
    """The issue's bar: sign in, type three sentences, see the tasks in the panel in human
    words, complete one with a click; REST and another tab's changes show up live."""
    page = open_chat(browser, server, "carol", viewport={"width": 1280, "height": 800})
    expect(panel(page)).to_be_visible()
    expect(page.locator("#side-view-title")).to_contain_text("Tasks")

    say(page, "remind me to call mom tomorrow at 5pm")
    expect(last_reply(page)).to_contain_text("Added: call mom, due tomorrow 17:00.")
    expect(last_reply(page)).to_contain_text("I'll remind you at 17:00.")
    # the first message turns the new chat into a thread and the UI redraws the composer:
    # typing before that would be lost
    page.wait_for_url("**/thread/*")
    say(page, "add stand-up every weekday at 9:30 #work")
    expect(last_reply(page)).to_contain_text("every weekday at 9:30")
    say(page, "add pay rent monthly on the last day #home high priority")
    expect(last_reply(page)).to_contain_text("monthly on the last day")
    expect(panel(page)).to_have_count(1)  # one panel, still open after the chat became a thread

    call = panel_row(page, "call mom")
    expect(call.locator(".task-when")).to_have_text("tomorrow 17:00")
    expect(call.locator(".task-reminder")).to_contain_text("at 17:00")
    expect(panel_row(page, "stand-up").locator(".task-repeats")).to_contain_text(
        "every weekday at 9:30"
    )
    rent = panel_row(page, "pay rent")
    expect(rent.locator(".task-repeats")).to_contain_text("monthly on the last day")
    expect(rent.get_by_label("high priority")).to_have_count(1)
    expect(rent.locator(".task-tag")).to_have_text("home")
    assert "FREQ=" not in panel(page).inner_text()

    # a change through the REST API shows up without a reload, in the Someday section
    server.rest("POST", "/tasks", "carol", json={"title": "buy stamps", "tags": ["errands"]})
    expect(panel(page).locator("[data-section=someday]")).to_contain_text("buy stamps")

    # filter by tag
    panel(page).get_by_role("button", name="#work").click()
    expect(panel_row(page, "stand-up")).to_have_count(1)
    expect(panel_row(page, "call mom")).to_have_count(0)
    panel(page).get_by_role("button", name="All").click()
    expect(panel_row(page, "call mom")).to_have_count(1)
    screenshot(page, "panel")

    # completing in another tab: gone from both, done in the task service
    other = open_chat(browser, server, "carol")
    panel_row(other, "buy stamps").get_by_role("checkbox").click()
    expect(panel_row(other, "buy stamps")).to_have_count(0)
    expect(panel_row(page, "buy stamps")).to_have_count(0)
    stamps = server.task_titled("carol", "buy stamps")
    assert stamps is not None and stamps["status"] == "completed", stamps

    # the chat's list is a table in the same words
    say(page, "show all tasks")
    expect(last_reply(page).locator("table")).to_contain_text("every weekday at 9:30")
    assert "FREQ=" not in last_reply(page).inner_text()
    other.context.close()
    page.context.close()


def test_reminder_cards_in_panel_and_chat_mark_done_and_snooze(
    browser: Browser, server: Server
) -> None:
    page = open_chat(browser, server, "dave", viewport={"width": 1280, "height": 800})
    expect(panel(page)).to_be_visible()
    garden = create_with_reminder(server, "dave", "water the garden", 3)

    card = panel(page).locator(".reminder-card", has_text="Reminder: water the garden")
    expect(card).to_have_count(1, timeout=REMINDER_TIMEOUT_MS)
    expect(panel_row(page, "water the garden").locator(".task-reminder")).to_be_visible()
    note = reminder_message(page, "water the garden")  # the same reminder in the chat
    for label in ("Mark done", "Snooze 10 min", "Snooze 1 h", "Snooze until tomorrow"):
        expect(note.get_by_role("button", name=label)).to_be_visible()
    screenshot(page, "notification")

    clicked_at = datetime.now(UTC)
    card.get_by_role("button", name="Snooze 1 h").click()
    expect(card).to_have_count(0)
    expect(last_reply(page)).to_contain_text("Snoozed 'water the garden' for an hour")
    task = server.rest("GET", f"/tasks/{garden['id']}", "dave")
    later = [
        r
        for r in task["reminders"]
        if datetime.fromisoformat(r["at"]) >= clicked_at + timedelta(minutes=59)
    ]
    assert task["status"] == "pending" and len(later) == 1, task["reminders"]

    cat = create_with_reminder(server, "dave", "feed the cat", 3)
    card = panel(page).locator(".reminder-card", has_text="Reminder: feed the cat")
    expect(card).to_have_count(1, timeout=REMINDER_TIMEOUT_MS)
    card.get_by_role("button", name="Mark done").click()
    expect(card).to_have_count(0)
    expect(panel_row(page, "feed the cat")).to_have_count(0)
    assert server.rest("GET", f"/tasks/{cat['id']}", "dave")["status"] == "completed"

    tomorrow = create_with_reminder(server, "dave", "call the bank", 3)
    note = reminder_message(page, "call the bank")
    note.get_by_role("button", name="Snooze until tomorrow").click()
    expect(last_reply(page)).to_contain_text("Snoozed 'call the bank' until tomorrow 9:00")
    task = server.rest("GET", f"/tasks/{tomorrow['id']}", "dave")
    pending = [r for r in task["reminders"] if r["fired_at"] is None]
    assert len(pending) == 1, task["reminders"]
    at = datetime.fromisoformat(pending[0]["at"]).astimezone(UTC)  # dave's zone is UTC
    assert (at.date(), at.hour, at.minute) == (datetime.now(UTC).date() + timedelta(days=1), 9, 0)
    page.context.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def tasks_button(page: Page) -> Any:
    return page.locator("#todo-tasks-toggle")


def test_phone_starts_with_the_sheet_closed_and_the_reply_in_view(
    browser: Browser, server: Server
) -> None:
    """390x844: the task sheet is closed on load and after the first message (the reply is
    never under it); the header's Tasks button opens it, and opens it again once closed."""
    server.rest("POST", "/tasks", "erin", json={"title": "pack lunch", "priority": "high"})
    page = open_chat(browser, server, "erin", panel_shown=False, **PHONE)
    expect(tasks_button(page)).to_be_visible()
    say(page, "remind me to call the vet tomorrow at 10am")
    expect(last_reply(page)).to_contain_text("Added: call the vet")
    say(page, "show all tasks")  # answered after the first turn's end, sheet or not
    expect(last_reply(page)).to_contain_text("Your tasks")
    expect(last_reply(page)).to_be_in_viewport()
    expect(panel(page)).to_have_count(0)  # not reopened when the chat became a thread
    screenshot(page, "phone")

    tasks_button(page).tap()
    row = panel_row(page, "pack lunch")
    expect(row).to_be_visible()
    expect(panel_row(page, "call the vet")).to_be_visible()
    # the panel is a sheet sliding in: wait until the box is wholly on the phone's screen
    expect(row.get_by_role("checkbox")).to_be_in_viewport(ratio=1)
    screenshot(page, "phone-tasks")
    row.get_by_role("checkbox").tap()
    expect(row).to_have_count(0)
    lunch = server.task_titled("erin", "pack lunch")
    assert lunch is not None and lunch["status"] == "completed", lunch

    page.keyboard.press("Escape")  # the sheet's own way out
    expect(panel(page)).to_have_count(0)
    tasks_button(page).tap()  # and back again
    expect(panel_row(page, "call the vet")).to_be_visible()
    page.context.close()


def test_desktop_tasks_button_toggles_the_panel_and_offline_footer(
    browser: Browser, server: Server
) -> None:
    page = open_chat(browser, server, "frank", viewport={"width": 1280, "height": 800})
    expect(panel(page)).to_be_visible()
    tasks_button(page).click()
    expect(panel(page)).to_have_count(0)
    tasks_button(page).click()
    expect(panel(page)).to_be_visible()

    # a starter's click creates nothing: only the sentence sent by hand does
    page.get_by_text("Remind me to call mom tomorrow at 5pm", exact=True).click()
    expect(page.locator("#chat-input")).to_have_value("Remind me to call mom tomorrow at 5pm")
    page.locator("#chat-submit").click()
    expect(last_reply(page)).to_contain_text("Added: call mom")
    expect(page.locator(".step[data-step-type=user_message]")).to_have_count(1)
    assert [t["title"] for t in server.tasks("frank")] == ["call mom"]
    # the footer under the composer (shown in a thread): no language model answers here
    expect(page.locator(".watermark")).to_contain_text("Offline mode: a rule-based assistant")
    expect(page.get_by_text("LLMs can make mistakes")).to_have_count(0)
    page.context.close()


def test_browser_zone_is_taken_shown_and_kept(browser: Browser, server: Server) -> None:
    """A browser in Berlin: the account (still on UTC) takes its zone on the first visit, the
    panel says so, "tomorrow at 5pm" is 17:00 Berlin; a zone the person sets later is kept
    (the browser does not overwrite it) and the task stays at 17:00 on the wall clock."""
    berlin = ZoneInfo("Europe/Berlin")
    desktop = {"width": 1280, "height": 800}
    page = open_chat(browser, server, "gina", viewport=desktop, timezone_id="Europe/Berlin")
    expect(panel(page)).to_contain_text("Times in Europe/Berlin")
    assert server.rest("GET", "/me", "gina")["timezone"] == "Europe/Berlin"
    say(page, "remind me to call mom tomorrow at 5pm")
    expect(last_reply(page)).to_contain_text("Added: call mom, due tomorrow 17:00.")
    task = server.task_titled("gina", "call mom")
    assert task is not None
    due = datetime.fromisoformat(task["due_at"]).astimezone(berlin)
    assert (due.date(), due.hour, due.minute) == (
        datetime.now(berlin).date() + timedelta(days=1),
        17,
        0,
    )
    # the panel, open again once the chat became a thread, in Berlin's words
    expect(panel_row(page, "call mom").locator(".task-when")).to_have_text("tomorrow 17:00")
    expect(panel(page)).to_contain_text("Times in Europe/Berlin")
    screenshot(page, "timezone")

    server.rest("PATCH", "/me", "gina", json={"timezone": "Asia/Tokyo"})
    expect(panel(page)).to_contain_text("Times in Asia/Tokyo")  # live: the task moved
    expect(panel_row(page, "call mom").locator(".task-when")).to_contain_text("17:00")
    moved = server.rest("GET", f"/tasks/{task['id']}", "gina")
    at = datetime.fromisoformat(moved["due_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (at.hour, at.minute) == (17, 0)

    page.reload()
    sign_in_if_asked(page, "gina")
    expect(panel(page)).to_contain_text("Times in Asia/Tokyo")
    assert server.rest("GET", "/me", "gina")["timezone"] == "Asia/Tokyo"
    page.context.close()


def test_docs_load_nothing_from_another_host(browser: Browser, server: Server) -> None:
    context = browser.new_context()
    context.set_default_timeout(UI_TIMEOUT_MS)
    elsewhere: list[str] = []
    context.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1", "localhost")
            else None
        ),
    )
    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Task service")
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/tasks").first).to_be_visible()
    assert elsewhere == []
    context.close()


def test_closed_tabs_log_no_traceback(browser: Browser, server: Server) -> None:
    for _ in range(3):
        page = open_chat(browser, server, "bob")
        page.context.close()
    page = open_chat(browser, server, "bob")  # the server has handled the closes by now
    say(page, "add feed the fish")
    expect(last_reply(page)).to_contain_text("Added: feed the fish")
    page.context.close()
    logs = (server.data_dir / "logs" / "todo.log").read_text() + server.log.read_text()
    assert "No response returned" not in logs
    assert "Traceback" not in server.log.read_text()  # the terminal: one line per problem
