"""The calendar feed's table: one row per user who turned the feed on.

The URL's secret is never stored: the row holds a random nonce, the secret is the nonce's
HMAC-SHA256 under the service's signing key (so `GET /me/calendar` can show the URL again,
and a copy of the table alone yields no URL), and `secret_hash` (its SHA-256; 256 random bits
need no slow hash) is what a feed request is looked up by. Rotating replaces nonce and hash,
deleting the row turns the feed off: either way the old URL answers 404 at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend_services.platform.timeutil import UTCDateTime, utcnow


class CalendarFeed(SQLModel, table=True):
    __tablename__ = "calendar_feeds"
    user_id: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=64)
    secret_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
