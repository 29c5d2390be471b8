"""Signing in with a password, under load: throttled, and hashed in a pool of its own.

Before any password is hashed: every attempt from one client address counts against that
address, and an account that has had too many wrong passwords lately is refused (429 with
Retry-After; only failures count, so the right password is not held back by the owner's own
successful sign-ins). argon2 then runs in a small pool of its own with a bounded queue: a
flood of sign-ins fills that pool, never the thread pool every other route shares, and beyond
the queue a sign-in is refused at once (503 with Retry-After) instead of waiting.

The chat UI signs its users in through `POST /auth/login` as a service: it throttles the
browser's address on its own `/login` (`chat_ui/login_guard.py`), so here only the account
limit applies to it (else every chat user would share the chat UI's address).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlmodel import Session

from backend_services.kernel.accounts import User
from backend_services.platform.errors import Unauthorized, Unavailable
from backend_services.platform.settings import Settings
from backend_services.platform.token_bucket import RateLimiter

if TYPE_CHECKING:
    from argon2 import PasswordHasher

BUSY_RETRY_SECONDS = 2


@cache
def _hasher() -> PasswordHasher:
    """argon2 loads on the first hash or sign-in, not with task-service's routes: a process
    that never checks a password (`todo chat`, `todo tasks`) does not import it."""
    from argon2 import PasswordHasher

    return PasswordHasher()


class HashPool:
    """argon2 verification on `threads` threads, at most `queue` more waiting."""

    def __init__(self, threads: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(max(threads, 1), thread_name_prefix="argon2")
        self._max_pending = max(threads, 1) + max(queue, 0)
        self._pending = 0
        self._lock = threading.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """A place in the pool for one sign-in, taken before anything else is done for it
        (no database connection is held by a sign-in that would only wait); Unavailable,
        at once, when the pool and its queue are full."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise Unavailable(
                    "too many sign-ins at once; try again shortly",
                    headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                )
            self._pending += 1
        try:
            yield
        finally:
            with self._lock:
                self._pending -= 1

    async def verify(self, hashed: str | None, password: str) -> bool:
        """Whether `password` matches `hashed` (None: checked against a dummy hash, so an
        unknown account costs the same). Call within `slot()`."""
        return await asyncio.wrap_future(self._executor.submit(verify, hashed, password))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class SignInGuard:
    """One per task-service app: the two limits and the hash pool."""

    settings: Settings
    clients: RateLimiter = field(init=False)
    failures: RateLimiter = field(init=False)
    hashes: HashPool = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.clients = RateLimiter(s.login_attempts_per_minute_per_client)
        self.failures = RateLimiter(
            s.login_failures_per_minute_per_account, burst=s.login_failure_burst_per_account
        )
        self.hashes = HashPool(s.password_hash_threads, s.password_hash_queue)


async def sign_in(
    guard: SignInGuard, engine: Engine, username: str, password: str, client: str | None
) -> User:
    """The account `username` names when `password` is its password; 429, 503 or 401 else.
    `client`: the caller's address (None: a trusted service that throttled its own)."""
    if client is not None:
        guard.clients.check(client, "sign-in attempts from this address")
    name = username.strip().lower()
    guard.failures.check_available(name, "wrong passwords for this account")
    async with guard.hashes.slot():
        user = await run_in_threadpool(_account, engine, name)
        usable = user is not None and user.password_hash is not None and not user.disabled
        hashed = user.password_hash if user is not None and usable else None
        right = await guard.hashes.verify(hashed, password)
    if not right or not usable or user is None:
        guard.failures.hit(name)
        raise Unauthorized("wrong username or password")
    return user


def _account(engine: Engine, name: str) -> User | None:
    """The account row, read in a session of its own that is closed at once (the
    connection goes back to the pool before the password is hashed)."""
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, name)
        if user is not None:
            session.expunge(user)
        return user


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@cache
def _dummy_hash() -> str:
    """Hashed once, on first use (argon2 costs ~0.1 s: not at import)."""
    return _hasher().hash("not-a-real-password")


def verify(hashed: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(hashed or _dummy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
