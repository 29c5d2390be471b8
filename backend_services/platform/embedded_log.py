"""The embedded runtime's durable pub/sub log, fed to its subscriptions from memory.

The log is a table (`embedded_pubsub_log`, one row per message, `seq` ascending) and each
subscription's offset a row of `embedded_pubsub_offset`: what a restart resumes from. What
a lone event used to cost was the reading, not the handling: every subscription re-read its
offset and the next rows per event and wrote its offset back. Here:

- a publish of this process appends to the table (one transaction) and then hands the same
  rows to every subscription in memory (`Feed.pending`), in `seq` order: one wake-up per
  subscription of the topic, no read;
- a subscription whose memory may have missed something (at start, after rows written by
  another process such as a `todo` CLI command, after a gap in `seq`, after too long a
  backlog) is *stale*: it reads the table from its cursor until it has caught up with the
  tail this process knows, then lives in memory again;
- offsets advance in memory and are written in one transaction per `OFFSET_WRITE_SECONDS`
  for every subscription that moved (and when the runtime stops). A process killed in
  between resumes from the last written offset and delivers those events again:
  at-least-once, as daprd's Kafka consumer group does after a crash (consumers are
  idempotent: their claims in `processed_events`);
- one reader per process looks for rows written by others (`MAX(seq)`, once per
  `OFFSET_WRITE_SECONDS`) instead of a poll per subscription.

Order: `_lock` is held from a publish's insert until its hand-over is queued on the event
loop (`call_soon_threadsafe`, FIFO), so subscriptions see rows in `seq` order; a reader
takes the tail under the same lock, so a hand-over queued after it is never mistaken for
one already read.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from backend_services.platform.db import session_scope
from backend_services.platform.embedded_tables import EmbeddedMessage, EmbeddedOffset

OFFSET_WRITE_SECONDS = 1.0
MAX_PENDING = 5000  # messages held in memory per subscription; beyond, it reads the table


@dataclass
class Feed:
    """One subscription's position in the log."""

    consumer: str
    pubsub: str
    topic: str
    cursor: int = 0  # every message of `topic` up to here is handled (in memory)
    written: int = 0  # what the offset table holds
    seen: int = 0  # while not stale: `pending` holds every message of `topic` up to here
    stale: bool = True
    pending: deque[EmbeddedMessage] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.consumer, self.pubsub, self.topic)


class EmbeddedLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._written_tail = 0  # under _lock: the highest seq known committed
        self._tail = 0  # on the loop: the highest seq handed over (or found by the reader)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.feeds: list[Feed] = []

    # the loop side ---------------------------------------------------------------------
    async def open(self, keys: list[tuple[str, str, str]]) -> list[Feed]:
        """Feeds for these subscriptions, from their written offsets; all stale (they read
        the table once to catch up)."""
        self._loop = asyncio.get_running_loop()
        offsets, tail = await asyncio.to_thread(self._read_offsets)
        self._tail = max(self._tail, tail)
        self.feeds = [
            Feed(*key, cursor=offsets.get(key, 0), written=offsets.get(key, 0)) for key in keys
        ]
        return self.feeds

    def close(self) -> None:
        self._loop = None
        self.feeds = []

    def _hand_over(self, prev: int | None, rows: list[EmbeddedMessage]) -> None:
        last = rows[-1].seq or 0
        for feed in self.feeds:
            if feed.stale or prev is None or feed.seen != prev:
                feed.stale = True
                feed.wake.set()
                continue
            feed.seen = last
            mine = [row for row in rows if row.topic == feed.topic]
            if not mine:
                continue
            if len(feed.pending) + len(mine) > MAX_PENDING:
                feed.stale = True  # a long backlog waits in the table, not in memory
                feed.pending.clear()
            else:
                feed.pending.extend(mine)
            feed.wake.set()
        self._tail = max(self._tail, last)

    def _found_elsewhere(self, tail: int) -> None:
        for feed in self.feeds:
            feed.stale = True
            feed.wake.set()
        self._tail = max(self._tail, tail)

    async def catch_up(self, feed: Feed, limit: int) -> None:
        """A stale feed: the next messages from the table; in memory again once it has read
        everything up to the tail and no hand-over came in meanwhile."""
        feed.pending.clear()
        rows, tail = await asyncio.to_thread(self._read_after, feed.topic, feed.cursor, limit)
        feed.pending.extend(rows)
        if len(rows) < limit and self._tail <= tail:
            feed.stale, feed.seen = False, tail

    def take(self, feed: Feed, limit: int) -> list[EmbeddedMessage]:
        n = min(limit, len(feed.pending))
        return [feed.pending.popleft() for _ in range(n)]

    def handled(self, feed: Feed, seq: int) -> None:
        feed.cursor = max(feed.cursor, seq)

    async def keep(self) -> None:
        """Forever: write the offsets that moved; look for rows written by other processes."""
        while True:
            await asyncio.sleep(OFFSET_WRITE_SECONDS)
            await asyncio.to_thread(self.write_offsets)
            await asyncio.to_thread(self._look_elsewhere)

    # the thread side -------------------------------------------------------------------
    def append(self, rows: list[EmbeddedMessage]) -> None:
        """Insert `rows` (one transaction), then hand them to the feeds."""
        with self._lock:
            with session_scope(self.engine) as session:
                session.add_all(rows)
            self._handed(rows)

    def transfer(self, produce: Callable[[Session], list[EmbeddedMessage]]) -> int:
        """`produce` reads (and deletes) what it moves into the log, in the transaction that
        appends it: an outbox in this database is relayed in one commit. Returns how many."""
        with self._lock:
            with session_scope(self.engine) as session:
                rows = produce(session)
                if not rows:
                    return 0
                session.add_all(rows)
            self._handed(rows)
            return len(rows)

    def _handed(self, rows: list[EmbeddedMessage]) -> None:
        """After the commit of `rows`, under `_lock`: queue their hand-over to the feeds."""
        first = rows[0].seq or 0
        prev = self._written_tail if first == self._written_tail + 1 else None
        self._written_tail = max(self._written_tail, rows[-1].seq or 0)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._hand_over, prev, rows)

    def _read_offsets(self) -> tuple[dict[tuple[str, str, str], int], int]:
        with self._lock, Session(self.engine) as session:
            offsets = {
                (o.consumer, o.pubsub, o.topic): o.seq for o in session.exec(select(EmbeddedOffset))
            }
            tail = session.exec(select(func.max(EmbeddedMessage.seq))).first() or 0
            self._written_tail = max(self._written_tail, tail)
            return offsets, self._written_tail

    def _read_after(self, topic: str, after: int, limit: int) -> tuple[list[EmbeddedMessage], int]:
        with self._lock:
            tail = self._written_tail
        # By topic, whichever component published it: both pub/sub components name the
        # same Kafka cluster (they differ in consumer groups), so chat-ui's broadcast
        # subscription to task-events sees what task-service publishes on `pubsub`.
        with Session(self.engine) as session:
            stmt = (
                select(EmbeddedMessage)
                .where(EmbeddedMessage.topic == topic)
                .where(col(EmbeddedMessage.seq) > after)
                .where(col(EmbeddedMessage.seq) <= tail)
                .order_by(col(EmbeddedMessage.seq))
                .limit(limit)
            )
            return list(session.exec(stmt)), tail

    def _look_elsewhere(self) -> None:
        with self._lock:
            with Session(self.engine) as session:
                tail = session.exec(select(func.max(EmbeddedMessage.seq))).first() or 0
            if tail > self._written_tail:
                self._written_tail = tail
                loop = self._loop
                if loop is not None and not loop.is_closed():
                    loop.call_soon_threadsafe(self._found_elsewhere, tail)

    def write_offsets(self) -> None:
        moved = [(feed, feed.cursor) for feed in list(self.feeds) if feed.cursor > feed.written]
        if not moved:
            return
        table = EmbeddedOffset.__table__  # type: ignore[attr-defined]
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(table)
        upsert = stmt.on_conflict_do_update(
            index_elements=["consumer", "pubsub", "topic"],
            set_={"seq": stmt.excluded.seq},
            where=table.c.seq < stmt.excluded.seq,  # never backwards
        )
        values = [
            {"consumer": f.consumer, "pubsub": f.pubsub, "topic": f.topic, "seq": seq}
            for f, seq in moved
        ]
        with session_scope(self.engine) as session:
            session.execute(upsert, values)
        for feed, seq in moved:
            feed.written = max(feed.written, seq)
