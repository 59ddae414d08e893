"""The outbox: messages the system owes someone, and each one's state machine.

Invariant: a message the system owes someone (the codes of a paid order, ...) is written
as an outbox row in the SAME transaction as the change it reports (`owe`), so a crash
can never keep the change and lose the message, nor the other way round. A row holds
what to say as a kind and its parameters (`codes`, {"order_id": 7}); the bot layer
renders it in the recipient's language when it is sent.

    pending --take--> sending --sent--> sent
       ^                 |  \\--403 (blocked), part went out, tries used up--> failed
       +--5xx, 429, net--+   \\--found at start-up (a crash)--> in_doubt

`take` moves a row pending -> sending in its own committed transaction just before the
message leaves (it is rendered first), so whoever took it is the only one to send it.
A row left `sending` by a taker that died may have reached Telegram just before: like
a push in doubt it is never sent again (`recover_in_doubt`). For codes the buyer loses
nothing: /mycodes shows them at any time.

Several workers send owed rows at once (each its own turns'), so a row records who took
it (`taken_by`: the taking process's taker id, `new_taker`). On PostgreSQL each worker
holds a session advisory lock on (`TAKER_LOCK`, its id) for as long as it lives
(`bot.scale.leader`), and only the `sending` rows whose taker no longer holds it are put
in doubt: a new scheduler leader leaves a live follower's rows alone. On SQLite the one
process recovers at its start, when every `sending` row is a dead process's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, bindparam, literal, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from services.platform.database import Database, run_prebuilt
from storage.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 6
TAKER_LOCK = 0x4F3254  # a taker's advisory lock's first key ("O2T"); the second: its id
BACKOFF = timedelta(seconds=3)  # doubled at each failed attempt: 3, 6, 12, 24, 48 s


@dataclass(frozen=True)
class Owed:
    """A claimed outbox row: to whom, what, and how many tries it took so far."""

    id: int
    chat_id: int
    kind: str
    params: dict[str, Any]
    attempts: int


async def owe(db: Database, conn: AsyncConnection, chat_id: int, kind: str,
              params: dict[str, Any], key: str, now: datetime) -> None:
    """Write a message owed to `chat_id` in `conn`'s transaction (the one making the
    change it reports). The same `key` twice makes one row."""
    await owe_many(db, conn, [Owing(chat_id, kind, params, key)], now)


_OWED_ROW: dict[str, Any] = {}  # per dialect: built once
# How many owed rows this process has written (or asked a joined statement to write):
# a hint for the outbox sender that a round may find something new. A rolled-back
# write only costs it one round for nothing; losing the count costs nothing either,
# as the sender also looks every few seconds.
_written = 0


def owed_written() -> int:
    """The count of owed rows this process has asked to write so far (see above)."""
    return _written


def _count_written(rows: int) -> None:
    global _written
    _written += rows


def _owed_row(db: Database) -> Any:
    """INSERT an owed row unless its key is taken (one event, one row)."""
    if db.dialect not in _OWED_ROW:
        _OWED_ROW[db.dialect] = db.insert_ignoring(
            OutboxMessage.__table__, ["dedupe_key"])  # type: ignore[arg-type]
    return _OWED_ROW[db.dialect]


_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_NOW = bindparam("now", type_=_OUTBOX.c.created_at.type)


def owed_row(when: ColumnElement[bool] | None = None) -> Insert:
    """PostgreSQL: `owe` prebuilt, for a statement that joins it to other writes
    (`storage.db.joined`); its parameters from `owed_params`, and `now`. `when`: a
    condition the row needs too (in the payment's statement: that the order was paid)."""
    row = sa_select(
        bindparam("owed_chat", type_=_OUTBOX.c.chat_id.type),
        bindparam("owed_kind", type_=_OUTBOX.c.kind.type),
        bindparam("owed_params", type_=_OUTBOX.c.params.type),
        bindparam("owed_key", type_=_OUTBOX.c.dedupe_key.type),
        literal(str(OutboxStatus.PENDING), _OUTBOX.c.status.type),
        literal(0, _OUTBOX.c.attempts.type), _NOW, _NOW)
    return postgresql.insert(_OUTBOX).from_select(
        ["chat_id", "kind", "params", "dedupe_key", "status", "attempts", "next_try_at",
         "created_at"], row if when is None else row.where(when),
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])


OWED_ROW = owed_row()


def owed_params(chat_id: int, kind: str, params: dict[str, Any], key: str) -> dict[str, Any]:
    """The parameters of `OWED_ROW` for what `owe` takes (but `now`)."""
    _count_written(1)
    return {"owed_chat": chat_id, "owed_kind": kind, "owed_params": params, "owed_key": key}


@dataclass(frozen=True)
class Owing:
    """One message owed, for `owe_many`: what `owe` takes, as a value."""

    chat_id: int
    kind: str
    params: dict[str, Any]
    key: str
    not_before: datetime | None = None  # due from then on (a reminder); None: now


async def owe_many(db: Database, conn: AsyncConnection, owings: Sequence[Owing],
                   now: datetime) -> None:
    """`owe` for many messages at once (a page of refunds' news), in `conn`'s transaction."""
    if owings:
        _count_written(len(owings))
        await conn.execute(_owed_row(db), [
            {"chat_id": o.chat_id, "kind": o.kind, "params": o.params, "dedupe_key": o.key,
             "status": OutboxStatus.PENDING, "attempts": 0,
             "next_try_at": o.not_before or now,
             "created_at": now} for o in owings])


_DUE_COLUMNS = (_OUTBOX.c.id, _OUTBOX.c.chat_id, _OUTBOX.c.kind, _OUTBOX.c.params,
                _OUTBOX.c.attempts)
# Pending rows whose time has come, oldest first (a page of `limit`).
_DUE = (select(*_DUE_COLUMNS)
        .where(_OUTBOX.c.status == OutboxStatus.PENDING, _OUTBOX.c.next_try_at <= _NOW)
        .order_by(_OUTBOX.c.id).limit(bindparam("limit")))


async def due(db: Database, now: datetime, limit: int = 50,
              keys: list[str] | None = None) -> list[Owed]:
    """Pending rows whose time has come (all, or those of `keys`), oldest first. Render
    one, then `take` it just before sending, so a crash while rendering loses nothing."""
    # Woken after every handled update: a plain read, not a session (an ORM session
    # here cost as much CPU as the rest of a search's turn), prebuilt when it is all.
    async with db.reading() as conn:
        if keys is None:
            rows = (await run_prebuilt(conn, _DUE, {"now": now, "limit": limit})).all()
        else:
            rows = (await conn.execute(_DUE.where(_OUTBOX.c.dedupe_key.in_(keys)),
                                       {"now": now, "limit": limit})).all()
    return [Owed(id_, chat_id, kind, dict(params), attempts)
            for id_, chat_id, kind, params, attempts in rows]


def new_taker() -> int:
    """A process's taker id: random, positive, fits an advisory lock's 32-bit key."""
    return secrets.randbelow(2**31 - 2) + 1


_TAKEN = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row"), _OUTBOX.c.status == OutboxStatus.PENDING)
    .values(status=OutboxStatus.SENDING, attempts=_OUTBOX.c.attempts + 1,
            taken_by=bindparam("taker", type_=_OUTBOX.c.taken_by.type))
)
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row"), _OUTBOX.c.status == OutboxStatus.SENDING)
    .values(status=OutboxStatus.SENT, sent_at=_NOW)
)


async def take(db: Database, owed: Owed, taker: int | None = None) -> Owed | None:
    """Claim a due row for sending it now: pending -> sending, committed before the
    message leaves, so only one taker sends it (`taker`: this process's id, see the
    module docstring). None when someone else took it."""
    async with db.single() as conn:
        taken = await run_prebuilt(conn, _TAKEN, {"row": owed.id, "taker": taker})
    if taken.rowcount != 1:
        return None
    return replace(owed, attempts=owed.attempts + 1)


async def _move(db: Database, row_id: int, **values: Any) -> None:
    async with db.single() as conn:
        await conn.execute(update(OutboxMessage).where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.status) == OutboxStatus.SENDING).values(**values))


async def mark_sent(db: Database, row_id: int, now: datetime) -> None:
    """sending -> sent: Telegram took the message."""
    async with db.single() as conn:
        await run_prebuilt(conn, _SENT, {"row": row_id, "now": now})


async def mark_failed(db: Database, row_id: int, error: str) -> None:
    """sending -> failed: refused for good (the user blocked the bot, a bad request)."""
    await _move(db, row_id, status=OutboxStatus.FAILED, error=error[:200])


async def retry_later(db: Database, owed: Owed, now: datetime, error: str,
                      wait: timedelta | None = None) -> None:
    """sending -> pending after an answer that says it did not arrive (5xx, 429, no
    connection), to be tried again after `wait` (a flood wait's retry_after) or else a
    growing pause; failed once attempts run out."""
    if owed.attempts >= MAX_ATTEMPTS:
        await mark_failed(db, owed.id, f"gave up: {error}")
        return
    pause = wait if wait is not None else BACKOFF * 2 ** (owed.attempts - 1)
    await _move(db, owed.id, status=OutboxStatus.PENDING, error=error[:200],
                next_try_at=now + pause)


# PostgreSQL: a `sending` row whose taker holds no advisory lock (TAKER_LOCK, its id)
# in this database any more (or that no known taker took) is a dead taker's.
_GONE_TAKERS_IN_DOUBT = text("""
UPDATE outbox SET status = :in_doubt
WHERE status = :sending AND (taken_by IS NULL OR NOT EXISTS (
    SELECT 1 FROM pg_locks AS l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = :lock AND l.objid::bigint = outbox.taken_by))
""")


async def recover_in_doubt(db: Database) -> int:
    """Rows left `sending` by a taker that is gone (crashed, killed) may have reached
    their chat, so they become in_doubt and are never sent again; rows a live worker is
    sending are left to it (PostgreSQL; on SQLite, called at the one process's start,
    every `sending` row is a dead one's). Returns how many were put in doubt."""
    async with db.begin() as conn:
        if db.dialect == "postgresql":
            result = await conn.execute(_GONE_TAKERS_IN_DOUBT, {
                "in_doubt": OutboxStatus.IN_DOUBT.value, "sending": OutboxStatus.SENDING.value,
                "lock": TAKER_LOCK})
        else:
            result = await conn.execute(
                update(OutboxMessage).where(col(OutboxMessage.status) == OutboxStatus.SENDING)
                .values(status=OutboxStatus.IN_DOUBT))
        return int(result.rowcount or 0)


async def statuses(db: Database, key_prefix: str = "") -> dict[str, str]:
    """Each row's status by dedupe key (those starting with `key_prefix`)."""
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
            col(OutboxMessage.dedupe_key).startswith(key_prefix)))).all()
    return {key: status for key, status in rows}


_OWED_BY_ID = select(_OUTBOX.c.id, _OUTBOX.c.chat_id, _OUTBOX.c.kind, _OUTBOX.c.params,
                     _OUTBOX.c.attempts).where(_OUTBOX.c.id == bindparam("row"))


async def get_owed(db: Database, row_id: int) -> Owed | None:
    """One outbox row, as the sender sees it."""
    async with db.reading() as conn:
        row = (await run_prebuilt(conn, _OWED_BY_ID, {"row": row_id})).first()
    if row is None:
        return None
    return Owed(row.id, row.chat_id, row.kind, dict(row.params), row.attempts)
