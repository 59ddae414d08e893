"""A booking's deposit: paid through the ordinary payment providers, held on the
ledger, given back through the refund path or kept for the merchant.

(Filled in by the deposit work: paying, `give_back`, `keep`.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from services.platform.database import Database


async def give_back(db: Database, conn: AsyncConnection, booking_id: int,
                    now: datetime) -> int | None:
    """Record the paid deposit of a cancelled booking as owed back (a `Refund` row and
    its ledger entry, in `conn`'s transaction); returns the refund's id to carry out."""
    raise NotImplementedError


async def keep(db: Database, conn: AsyncConnection, booking_id: int, now: datetime) -> None:
    """The paid deposit goes to the merchant (no-show, late cancellation, the sitting
    happened), in `conn`'s transaction."""
    raise NotImplementedError
