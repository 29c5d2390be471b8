"""What the browser's cookies tell the chat (chat_ui/browser.py): only a real IANA zone, and
the Tasks button's window message apart from every other one Chainlit forwards."""

from __future__ import annotations

from chat_ui.browser import browser_zone, is_narrow, panel_request


def test_the_zone_cookie_must_name_a_real_zone() -> None:
    cookie = "todo_narrow=1; todo_browser_tz=Europe%2FBerlin; other=x"
    assert browser_zone({"HTTP_COOKIE": cookie}) == "Europe/Berlin"
    assert is_narrow({"HTTP_COOKIE": cookie})
    for bad in ("Not%2FAZone", "..%2F..%2Fetc%2Fpasswd", "America", "x" * 200, ""):
        assert browser_zone({"HTTP_COOKIE": f"todo_browser_tz={bad}"}) is None, bad
    assert browser_zone({}) is None and not is_narrow({})
    assert browser_zone({"HTTP_COOKIE": 'todo_browser_tz="unclosed'}) is None
    assert not is_narrow({"HTTP_COOKIE": "todo_narrow=0"})


def test_only_the_tasks_button_message_asks_for_the_panel() -> None:
    assert panel_request({"kind": "todo-panel", "open": True}) is True
    assert panel_request({"kind": "todo-panel", "open": False}) is False
    assert panel_request({"kind": "todo-task-panel", "sections": []}) is None  # a push
    assert panel_request("todo-panel") is None and panel_request(None) is None
