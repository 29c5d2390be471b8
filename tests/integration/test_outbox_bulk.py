"""The real stack: a burst of creates from several users at once reaches Kafka through
task-service's bulk-publishing outbox relay — every event once, keyed by its user, and in
each user's order of creation."""

from __future__ import annotations

import threading

import pytest

from tests.integration.harness import RealStack, client, created_events_in_kafka

pytestmark = pytest.mark.stack

USERS = 4
PER_USER = 100


def test_burst_of_creates_reaches_kafka_once_in_order_per_user(stack: RealStack) -> None:
    users = [stack.new_user("bulk") for _ in range(USERS)]
    created: dict[str, list[str]] = {user_id: [] for user_id, _ in users}
    failures: list[str] = []

    def writer(user_id: str, token: str) -> None:
        with client(stack.app_url("task-service"), token, timeout=60) as http:
            for i in range(PER_USER):  # one user's creates in sequence: that is their order
                resp = http.post("/tasks", json={"title": f"burst {i}"})
                if resp.status_code == 201:
                    created[user_id].append(resp.json()["id"])
                else:
                    failures.append(f"{resp.status_code} {resp.text[:200]}")

    threads = [threading.Thread(target=writer, args=user) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:5]

    seen = created_events_in_kafka(stack.kafka_bootstrap, created)

    for user_id, ids in created.items():
        mine = [(task_id, part, key) for uid, task_id, part, key in seen if uid == user_id]
        assert [task_id for task_id, _p, _k in mine] == ids  # once each, in creation order
        assert {key for _t, _p, key in mine} == {user_id.encode()}  # partition key = user
        assert len({part for _t, part, _k in mine}) == 1
    assert stack.scalar("select count(*) from outbox where source = 'task-service'") == 0
