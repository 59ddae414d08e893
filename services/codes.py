"""Redemption codes as their owner sees them (`/mycodes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from services.catalog import Bilingual
from services.database import Database
from storage.models import Deal, RedemptionCode


@dataclass(frozen=True)
class CodeView:
    """One of the user's codes with the deal it is for."""

    code: str
    status: str
    deal_id: int
    deal_title: Bilingual
    valid_until: datetime


async def list_codes(db: Database, user_id: int, limit: int = 20) -> list[CodeView]:
    """The user's codes, newest first."""
    async with db.session() as session:
        rows = (
            await session.exec(
                select(RedemptionCode, Deal)
                .join(Deal, Deal.id == RedemptionCode.deal_id)
                .where(RedemptionCode.user_id == user_id)
                .order_by(col(RedemptionCode.created_at).desc(), col(RedemptionCode.id).desc())
                .limit(limit)
            )
        ).all()
    return [
        CodeView(c.code, c.status, d.id or 0, Bilingual(d.title_zh, d.title_en), c.valid_until)
        for c, d in rows
    ]
