"""Chainlit's SQLAlchemy data layer on our migrated schema (migration 0002), SQLite and
PostgreSQL: what the browser test relies on, checked without a browser."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path
from typing import Any

import pytest

import chat_ui
from backend_services.platform.migrate import upgrade
from chat_ui.history import THREAD_NAMES_FOR_ACTIONS, async_database_url, build_data_layer
from tests.support.embedded_env import make_settings

import chainlit as cl  # isort: skip
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer  # isort: skip
from chainlit.types import Pagination, ThreadFilter  # isort: skip

pytestmark = pytest.mark.anyio


def test_async_url_keeps_the_database_and_swaps_the_driver() -> None:
    assert async_database_url("sqlite:////tmp/x/todo.db") == "sqlite+aiosqlite:////tmp/x/todo.db"
    assert (
        async_database_url("postgresql+psycopg://u:p%40ss@h:5433/db")
        == "postgresql+psycopg://u:p%40ss@h:5433/db"
    )
    assert async_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


async def _create_step(layer: SQLAlchemyDataLayer, step: dict[str, Any]) -> None:
    # Outside a websocket session the decorator would need a Chainlit context: call the body.
    await SQLAlchemyDataLayer.create_step.__wrapped__(layer, step)  # type: ignore[attr-defined]


async def test_threads_and_every_step_field_round_trip(
    tmp_path: Path, database_url: str | None
) -> None:
    settings = make_settings(tmp_path, database_url)
    upgrade(settings.resolved_database_url())
    layer = build_data_layer(settings)
    try:
        user = await layer.create_user(cl.User(identifier="alice", metadata={"role": "user"}))
        assert user is not None and user.identifier == "alice"
        thread_id = str(uuid.uuid4())
        await layer.update_thread(thread_id, name="add milk", user_id=user.id, metadata={"k": 1})
        first, tool = str(uuid.uuid4()), str(uuid.uuid4())
        common = {"threadId": thread_id, "streaming": False, "metadata": {}, "tags": None}
        await _create_step(
            layer,
            {
                **common,
                "id": first,
                "name": "alice",
                "type": "user_message",
                "output": "add milk",
                "createdAt": "2026-01-01T10:00:00Z",
                "command": None,
                "modes": None,
            },
        )
        await _create_step(
            layer,
            {
                **common,
                "id": tool,
                "name": "add_task",
                "type": "tool",
                "parentId": first,
                "input": '{"title": "milk"}',
                "output": "Added: milk",
                "isError": False,
                "createdAt": "2026-01-01T10:00:01Z",
                "showInput": "json",
                "defaultOpen": False,
                "autoCollapse": False,
                "language": "json",
                "generation": None,
            },
        )
        assert await layer.get_thread_author(thread_id) == "alice"
        thread = await layer.get_thread(thread_id)
        assert thread is not None
        assert [(s["type"], s["output"]) for s in thread["steps"]] == [
            ("user_message", "add milk"),
            ("tool", "Added: milk"),
        ]
        page = await layer.list_threads(
            Pagination(first=10), ThreadFilter(userId=user.id, search=None, feedback=None)
        )
        assert [t["id"] for t in page.data] == [thread_id]
        other = await layer.create_user(cl.User(identifier="bob"))
        assert other is not None
        none = await layer.list_threads(Pagination(first=10), ThreadFilter(userId=other.id))
        assert none.data == []
    finally:
        await layer.close()


async def test_a_thread_begun_by_a_click_is_named_for_what_was_clicked(tmp_path: Path) -> None:
    """Chainlit names a thread after its first interaction; for a click that is the
    action's name. Every action the chat UI registers reads as words in the history."""
    registered = {
        node.args[0].value
        for path in Path(chat_ui.__file__).parent.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "action_callback"
        and isinstance(node.args[0], ast.Constant)
    }
    assert registered and registered <= set(THREAD_NAMES_FOR_ACTIONS), registered

    settings = make_settings(tmp_path)
    upgrade(settings.resolved_database_url())
    layer = build_data_layer(settings)
    try:
        user = await layer.create_user(cl.User(identifier="alice"))
        assert user is not None
        by_click, by_message = str(uuid.uuid4()), str(uuid.uuid4())
        await layer.update_thread(by_click, name="panel_complete", user_id=user.id)
        await layer.update_thread(by_message, name="panel_complete the form", user_id=user.id)
        assert (await layer.get_thread(by_click) or {}).get("name") == "Task panel"
        assert (await layer.get_thread(by_message) or {}).get("name") == "panel_complete the form"
    finally:
        await layer.close()
