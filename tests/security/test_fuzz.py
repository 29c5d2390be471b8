"""Property-based fuzzing of every REST operation of every service, from its own OpenAPI
(schemathesis): valid and invalid inputs, as an admin (who may call everything). No answer
may be a 5xx and every documented answer must match its schema and content type.

Bounded: FUZZ_EXAMPLES (default 30) valid and a third as many invalid cases per operation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from launch.services import BACKEND_SERVICES
from tests.support.embedded_env import make_settings
from tests.support.served import ServedApps, serve_apps

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# schemathesis's own read timeout is 10 s: a CI run on a loaded machine (make test beside a
# second suite) once waited longer for a reopen; a hang still fails, a slow machine does not
RESPONSE_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApps]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    with serve_apps(make_settings(data_dir, rest_writes_per_minute=1_000_000)) as apps:
        yield apps


def fuzz_operation(operation: object, url: str, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for mode, examples in (
        (GenerationMode.POSITIVE, EXAMPLES),
        (GenerationMode.NEGATIVE, max(1, EXAMPLES // 3)),
    ):
        strategy = operation.as_strategy(generation_mode=mode)  # type: ignore[attr-defined]

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=url, headers=headers, checks=CHECKS, timeout=RESPONSE_TIMEOUT
            )

        try:
            check()
        except Unsatisfiable:
            continue  # nothing to make invalid (no parameters, no body)
        except (Exception, BaseExceptionGroup) as exc:
            label = getattr(operation, "label", str(operation))
            failures += [f"{label} [{mode.value}] {line}" for line in describe(exc)]
    return failures


def describe(exc: BaseException) -> list[str]:
    """One line per distinct failure (schemathesis groups them; hypothesis may group groups)."""
    nested = getattr(exc, "exceptions", None)
    if nested:
        return [line for inner in nested for line in describe(inner)]
    title = getattr(exc, "title", type(exc).__name__)
    message = " ".join(str(getattr(exc, "message", exc)).split())
    return [f"{title}: {message[:300]}"]


@pytest.mark.parametrize("app_id", sorted(BACKEND_SERVICES))
def test_fuzz_service(served: ServedApps, app_id: str) -> None:
    schema = schemathesis.openapi.from_dict(served.env.gateway.apps[app_id].openapi())
    headers = served.env.user("fuzz-admin", role="admin")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += fuzz_operation(operation, served.urls[app_id], headers)
    assert operations > 0
    assert not failures, "\n".join(failures)
