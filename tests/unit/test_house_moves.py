"""tools/house_moves.py (issue 23's module map) rewrites references once and only once."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("house_moves", REPO / "tools" / "house_moves.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OLD = """from backend_services.tasks import wording
from backend_services.tasks import recurrence
from backend_services.users import service as users, tokens
from backend_services.contracts import AppId
import backend_services.reminders.app
patch("backend_services.tasks.service.utcnow")
see `backend_services/users/principals.py` and backend_services/audit/
"""

NEW = """from backend_services.kernel import wording
from backend_services.kernel import rrule as recurrence
from backend_services.task_service.users import service as users
from backend_services.kernel import tokens
from backend_services.contracts import AppId
import backend_services.reminder_service.app
patch("backend_services.task_service.tasks.service.utcnow")
see `backend_services/kernel/principals.py` and backend_services/audit_service/
"""


def test_references_move_once() -> None:
    moves = load()
    rules = moves._replacements()
    once = moves.rewrite_text(OLD, rules, python=True)
    assert once == NEW
    assert moves.rewrite_text(once, rules, python=True) == once


def test_every_old_module_is_gone_and_every_new_one_exists() -> None:
    moves = load()
    for old, new in moves.MODULES.items():
        assert not (REPO / moves.path_of(old)).exists(), old
        assert (REPO / moves.path_of(new)).exists(), new
