"""The whole real stack (six apps, six daprd, Kafka, PostgreSQL, Dapr scheduler), once per
session, in a temporary TODO_STACK_DIR, started and purged through the launcher.

``TODO_IT_STACK_DIR=/some/dir`` reuses (or starts) a stack there and leaves it running:
handy while writing tests, never used by ``make test``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.harness import RealStack, session_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[RealStack]:
    # with Jaeger: every test runs with tracing on, as an operator would (test_observability)
    with session_stack("TODO_IT_STACK_DIR", "todo-it-stack-", tracing=True) as running:
        yield running


@pytest.fixture
def user(stack: RealStack) -> tuple[str, str]:
    """A fresh account in the stack's PostgreSQL (table accounts) and its bearer token."""
    return stack.new_user()


@pytest.fixture(autouse=True)
def _logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "stack" in request.fixturenames:
        running: RealStack = request.getfixturevalue("stack")
        print(running.failure_report(lines=25))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
