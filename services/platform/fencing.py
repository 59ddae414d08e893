"""Fencing: a deposed scheduler leader's late writes are refused.

The scheduler role (housekeeping, campaign timers, the push sender) is held by one
worker at a time (`bot.scale.leader`). Holding a lock is not enough: a leader paused
for a while (a long garbage collection, a stalled network) may wake after another
worker took over and still write. So each new leader increments the one row of
`scheduler_leader` and keeps that epoch; its writes that matter (claiming pushes,
starting a campaign run) call `check_epoch` first in their own transaction. It reads
the row `FOR SHARE`: a newer leader's increment waits for that transaction to finish,
and a transaction that starts after the increment sees the new epoch and is refused
(`Fenced`), rolling back whatever it was about to write.

SQLite is one process: nobody else can lead, and the epoch is None (nothing checked).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import SchedulerLeader

_EPOCH = (select(SchedulerLeader.epoch)  # type: ignore[call-overload]
          .where(SchedulerLeader.id == 1).with_for_update(read=True))


class Fenced(Exception):
    """This process's leadership (its epoch) is no longer the current one."""

    def __init__(self, held: int, current: int | None) -> None:
        super().__init__(f"scheduler epoch {held} was deposed (now {current})")
        self.held = held
        self.current = current


async def check_epoch(conn: Any, epoch: int | None) -> None:
    """In the caller's transaction (a connection or a session): raise `Fenced` unless
    `epoch` is still the current one. None (SQLite, one process) checks nothing."""
    if epoch is None:
        return
    result = await (conn.exec(_EPOCH) if hasattr(conn, "exec") else conn.execute(_EPOCH))
    current = result.scalar_one_or_none() if hasattr(result, "scalar_one_or_none") else (
        result.one_or_none())
    if current != epoch:
        raise Fenced(epoch, current)
