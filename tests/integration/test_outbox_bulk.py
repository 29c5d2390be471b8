"""The real stack: a burst of creates from several users at once reaches Kafka through
task-service's bulk-publishing outbox relay — every event once, keyed by its user, and in
each user's order of creation."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from tests.integration.harness import RealStack, client, kafka_consumer

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

    expected = {task_id for ids in created.values() for task_id in ids}
    # (user, task id, partition) in Kafka order; within a partition Kafka's order is total
    seen: list[tuple[str, str, int, bytes | None]] = []
    found: set[str] = set()
    with kafka_consumer(stack.kafka_bootstrap, ["task-events"]) as consumer:
        deadline = time.monotonic() + 120
        while not expected <= found and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=500, timeout=0.5):
                if msg.error() is not None:
                    continue
                event: Any = json.loads(msg.value())
                if event.get("type") != "todo.task.created.v1":
                    continue
                user_id = event["data"]["user_id"]
                if user_id in created:
                    task_id = event["data"]["task"]["id"]
                    seen.append((user_id, task_id, msg.partition(), msg.key()))
                    found.add(task_id)
    assert expected <= found, f"{len(expected - found)} of {len(expected)} never reached Kafka"

    for user_id, ids in created.items():
        mine = [(task_id, part, key) for uid, task_id, part, key in seen if uid == user_id]
        assert [task_id for task_id, _p, _k in mine] == ids  # once each, in creation order
        assert {key for _t, _p, key in mine} == {user_id.encode()}  # partition key = user
        assert len({part for _t, part, _k in mine}) == 1
    assert stack.scalar("select count(*) from outbox where source = 'task-service'") == 0
