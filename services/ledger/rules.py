"""The platform's money rules, one row every process reads (`storage.models.MoneyRules`).

The runtime writes them from the configuration at start-up (`set_rules`); payments read
them in their own transaction, so every worker applies the same fee and caps.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ledger.split import BP
from services.platform.database import Database
from storage.models import MoneyRules

MAX_LEVELS = 3  # a hard ceiling: commissions never go further above the buyer
_RULES = MoneyRules.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Rules:
    """Fee and commission settings in basis points (500 = 5%)."""

    fee_bp: int = 500
    commission_cap_bp: int = 3000
    referral_levels: int = 3
    release_after_days: int = 7

    def problem(self) -> str | None:
        """Why these rules cannot be applied (None: they can)."""
        if not 1 <= self.referral_levels <= MAX_LEVELS:
            return f"referral_levels must be 1 to {MAX_LEVELS}"
        if not 0 <= self.fee_bp <= BP or not 0 <= self.commission_cap_bp <= BP:
            return "percentages must be 0 to 100"
        if self.fee_bp + self.commission_cap_bp > BP:
            return "the fee and the commission cap together exceed 100%"
        if not 0 <= self.release_after_days <= 365:
            return "release_after_days must be 0 to 365"
        return None


async def read_rules(conn: AsyncConnection) -> Rules:
    """The rules in force (the defaults when the row is missing)."""
    row = (await conn.execute(select(_RULES).where(_RULES.c.id == 1))).first()
    if row is None:
        return Rules()
    return Rules(row.fee_bp, row.commission_cap_bp, row.referral_levels,
                 row.release_after_days)


async def get_rules(db: Database) -> Rules:
    """The rules in force."""
    async with db.engine.connect() as conn:
        return await read_rules(conn)


async def set_rules(db: Database, rules: Rules) -> None:
    """Write the rules every process applies from now on (ValueError if impossible)."""
    if (problem := rules.problem()) is not None:
        raise ValueError(problem)
    values = {"fee_bp": rules.fee_bp, "commission_cap_bp": rules.commission_cap_bp,
              "referral_levels": rules.referral_levels,
              "release_after_days": rules.release_after_days}
    async with db.begin() as conn:
        done = await conn.execute(update(_RULES).where(_RULES.c.id == 1).values(**values))
        if done.rowcount == 0:
            await conn.execute(db.insert_ignoring(_RULES, ["id"]).values(id=1, **values))
