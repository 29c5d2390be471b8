"""The outbox relay in bulk: a burst relayed exactly once, in order per partition key; a
partial failure forgets only what was published and keeps order per key on the retry; two
relays of one source (two replicas) never publish a row twice. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from backend_services.contracts import CloudEvent
from backend_services.platform.db import session_scope
from backend_services.platform.embedded_tables import EmbeddedMessage
from backend_services.platform.outbox import OutboxEvent, OutboxPublishFailed, OutboxRelay
from backend_services.platform.runtime import BulkEntry
from tests.support.embedded_env import EmbeddedEnv, embedded_env, eventually, make_settings
from tests.support.pg import fresh_database

pytestmark = pytest.mark.anyio

PUBSUB = "pubsub"
TOPICS = ("outbox-test-a", "outbox-test-b")  # nobody subscribes: the log keeps what came
KEYS = [f"user-{i}" for i in range(7)]


def stage(env: EmbeddedEnv, source: str, n: int) -> list[tuple[str, str, str]]:
    """Stage n outbox rows of `source` over two topics and seven keys; (topic, key, id)."""
    staged: list[tuple[str, str, str]] = []
    with session_scope(env.engine) as session:
        for i in range(n):
            topic, key = TOPICS[i % 2], KEYS[i % len(KEYS)]
            event = CloudEvent(
                id=str(uuid.uuid4()),
                source=source,
                type="todo.test.v1",
                subject=key,
                data={"n": i},
            )
            session.add(
                OutboxEvent(
                    event_id=event.id,
                    source=source,
                    pubsub=PUBSUB,
                    topic=topic,
                    partition_key=key,
                    event=event.model_dump(mode="json"),
                )
            )
            staged.append((topic, key, event.id))
    return staged


def published(env: EmbeddedEnv) -> list[tuple[str, str, str]]:
    """What reached the embedded broker's log, in log order: (topic, key, id)."""
    with Session(env.engine) as session:
        rows = session.exec(
            select(EmbeddedMessage)
            .where(col(EmbeddedMessage.topic).in_(TOPICS))
            .order_by(col(EmbeddedMessage.seq))
        )
        return [(r.topic, r.partition_key or "", str(r.event["id"])) for r in rows]


def per_key(items: list[tuple[str, str, str]]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for topic, key, event_id in items:
        grouped[(topic, key)].append(event_id)
    return dict(grouped)


def outbox_ids(env: EmbeddedEnv, source: str) -> list[str]:
    with Session(env.engine) as session:
        stmt = (
            select(OutboxEvent.event_id)
            .where(OutboxEvent.source == source)
            .order_by(col(OutboxEvent.seq))
        )
        return list(session.exec(stmt))


async def drain(relay: OutboxRelay) -> None:
    for _ in range(1000):  # bounded: each round forgets at least one row or the test fails
        if not await relay.flush():
            return
    raise AssertionError("relay never drained")


class FailingSome:
    """Wraps a runtime; publish_bulk leaves out (and reports failed) the ids in `fail`."""

    def __init__(self, inner: Any, fail: set[str]) -> None:
        self.inner = inner
        self.fail = fail
        self.calls = 0

    async def publish_bulk(self, pubsub: str, topic: str, entries: list[BulkEntry]) -> set[str]:
        self.calls += 1
        ok = [entry for entry in entries if entry[0].id not in self.fail]
        await self.inner.publish_bulk(pubsub, topic, ok)
        return {event.id for event, _key in entries if event.id in self.fail}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_burst_is_relayed_once_in_order_per_key(db_env: EmbeddedEnv) -> None:
    source = "burst-test"
    staged = stage(db_env, source, 1000)
    relay = OutboxRelay(db_env.engine, db_env.runtime.for_app("task-service"), source)
    await drain(relay)

    sent = published(db_env)
    assert len(sent) == 1000
    assert {i for _t, _k, i in sent} == {i for _t, _k, i in staged}  # each exactly once
    assert per_key(sent) == per_key(staged)  # order kept per (topic, key)
    assert outbox_ids(db_env, source) == []
    assert relay.published == 1000


async def test_one_at_a_time_mode_still_relays_in_order(env: EmbeddedEnv) -> None:
    source = "single-test"
    staged = stage(env, source, 60)
    relay = OutboxRelay(env.engine, env.runtime.for_app("task-service"), source, bulk=False)
    await drain(relay)
    assert published(env) == staged


async def test_partial_failure_forgets_only_successes_and_keeps_key_order(
    db_env: EmbeddedEnv,
) -> None:
    source = "partial-test"
    staged = stage(db_env, source, 140)  # 10 rows per (topic, key)
    by_key = per_key(staged)
    # user-1 on topic a: its 4th row fails; the broker still takes the later ones
    k1 = by_key[(TOPICS[0], KEYS[1])]
    # user-2 on topic b: its first row fails
    k2 = by_key[(TOPICS[1], KEYS[2])]
    flaky = FailingSome(db_env.runtime.for_app("task-service"), {k1[3], k2[0]})
    relay = OutboxRelay(db_env.engine, flaky, source)  # type: ignore[arg-type]

    with pytest.raises(OutboxPublishFailed):
        await relay.flush()

    # forgotten: everything except each failed row and the rows of its key after it
    kept = set(outbox_ids(db_env, source))
    assert kept == set(k1[3:]) | set(k2)
    assert relay.published == 140 - len(kept)
    # the staged order of what is kept is the outbox order (the retry re-sends in order)
    assert outbox_ids(db_env, source) == [i for _t, _k, i in staged if i in kept]

    flaky.fail = set()
    await drain(relay)
    assert outbox_ids(db_env, source) == []
    sent = per_key(published(db_env))
    assert {k: set(v) for k, v in sent.items()} == {k: set(v) for k, v in by_key.items()}
    # user-1: the first round sent 0..2 and 4..9 (3 failed), the retry re-sent 3..9 in order
    assert sent[(TOPICS[0], KEYS[1])] == k1[:3] + k1[4:] + k1[3:]
    # user-2: the broker took 1..9 while 0 failed; the retry re-sent the key from 0, in order
    assert sent[(TOPICS[1], KEYS[2])] == k2[1:] + k2
    # every other key went out once, in order
    flaky_keys = {(TOPICS[0], KEYS[1]), (TOPICS[1], KEYS[2])}
    assert {k: v for k, v in sent.items() if k not in flaky_keys} == {
        k: v for k, v in by_key.items() if k not in flaky_keys
    }


async def test_whole_request_failure_keeps_everything(env: EmbeddedEnv) -> None:
    source = "down-test"
    staged = stage(env, source, 30)

    class Down:
        async def publish_bulk(self, *_args: Any) -> set[str]:
            raise ConnectionError("broker away")

    relay = OutboxRelay(env.engine, Down(), source)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await relay.flush()
    assert outbox_ids(env, source) == [i for _t, _k, i in staged]


@pytest.fixture
async def pg_env(tmp_path: Path, pg_cluster: Path) -> AsyncIterator[EmbeddedEnv]:
    """PostgreSQL only: SQLite runs one process, so one relay per source by construction."""
    async with embedded_env(make_settings(tmp_path, fresh_database(pg_cluster))) as running:
        yield running


async def test_two_relays_of_one_source_never_publish_a_row_twice(pg_env: EmbeddedEnv) -> None:
    db_env = pg_env
    source = "replica-test"
    staged = stage(db_env, source, 1000)
    runtime = db_env.runtime.for_app("task-service")
    relays = [OutboxRelay(db_env.engine, runtime, source, batch_size=100) for _ in range(2)]

    async def keep_draining(relay: OutboxRelay) -> None:
        while outbox_ids(db_env, source):
            await relay.flush()
            await asyncio.sleep(0)  # let the other replica try the lock

    await asyncio.gather(*(keep_draining(r) for r in relays))
    sent = published(db_env)
    assert len(sent) == 1000  # none twice
    assert per_key(sent) == per_key(staged)
    assert sum(r.published for r in relays) == 1000


async def test_a_lingering_relay_takes_a_steady_flow_in_fewer_rounds_losing_nothing(
    db_env: EmbeddedEnv,
) -> None:
    """The relay as a service runs it (woken by commits), its linger long against the gap
    between commits (without it, each event takes a round of its own here): events that
    commit while it lingers share a round; all arrive once, in order per key."""
    source = "linger-test"
    counting = FailingSome(db_env.runtime.for_app("task-service"), fail=set())
    relay = OutboxRelay(db_env.engine, counting, source, poll_seconds=0.2, linger_seconds=1.0)
    await relay.start()
    try:
        staged: list[tuple[str, str, str]] = []
        for _ in range(12):  # one event per transaction, farther apart than a round takes
            staged += stage(db_env, source, 1)
            relay.notify()
            await asyncio.sleep(0.1)

        async def drained() -> bool:
            return len(published(db_env)) == len(staged) and not outbox_ids(db_env, source)

        await eventually(drained, what="the flow relayed")
        assert per_key(published(db_env)) == per_key(staged)
        assert counting.calls < len(staged), "each event took a round of its own"
    finally:
        await relay.stop()
