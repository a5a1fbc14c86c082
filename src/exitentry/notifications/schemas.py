from __future__ import annotations

import datetime as dt

from ninja import Schema


class NotificationOut(Schema):
    id: int
    template: str
    language: str
    subject: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkedOut(Schema):
    marked: int


class OutboxMessageOut(Schema):
    id: int
    channel: str
    to: str
    language: str
    subject: str
    body: str
    created_at: dt.datetime
