"""Merchants' referral commission rates: a default for the merchant, or per deal.

Rates are basis points of the paid amount for levels 1, 2, 3 (500 = 5%); together they
stay within the platform's cap (`rules.Rules.commission_cap_bp`) and, with the fee,
within the price. The merchant pays them out of its share; the platform's fee is not
touched (`split.split_sale`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from services.ledger.rules import MAX_LEVELS, read_rules
from services.ledger.split import BP
from services.platform.database import Database
from storage.models import Deal, Merchant

_MERCHANTS, _DEALS = Merchant.__table__, Deal.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Rates:
    """Level 1, 2, 3 rates in basis points, and whose they are (deal or merchant)."""

    levels: tuple[int, int, int]
    source: str  # deal, merchant

    @property
    def total(self) -> int:
        """All three together."""
        return sum(self.levels)


@dataclass(frozen=True)
class RatesChange:
    """What setting rates did: ok, or why not: bad_rates, over_cap (with the cap),
    unknown_deal (not one of this merchant's)."""

    outcome: str
    cap_bp: int = 0
    rates: Rates | None = None


async def rates_of(db: Database, merchant_id: int, deal_id: int | None = None) -> Rates:
    """The rates a sale of this deal (or, None, the merchant's default) applies."""
    async with db.engine.connect() as conn:
        merchant = (await conn.execute(select(
            _MERCHANTS.c.commission_l1_bp, _MERCHANTS.c.commission_l2_bp,
            _MERCHANTS.c.commission_l3_bp).where(_MERCHANTS.c.id == merchant_id))).one()
        if deal_id is not None:
            deal = (await conn.execute(select(
                _DEALS.c.commission_l1_bp, _DEALS.c.commission_l2_bp,
                _DEALS.c.commission_l3_bp).where(_DEALS.c.id == deal_id,
                                                 _DEALS.c.merchant_id == merchant_id))).first()
            if deal is not None and any(r is not None for r in deal):
                return Rates((deal[0] or 0, deal[1] or 0, deal[2] or 0), "deal")
    return Rates((merchant[0], merchant[1], merchant[2]), "merchant")


async def set_rates(db: Database, merchant_id: int, levels: tuple[int, ...],
                    deal_id: int | None = None) -> RatesChange:
    """Set the merchant's default rates, or one of its deals' (`levels` in basis
    points, one to three of them: missing levels are 0). `clear_deal_rates` makes a
    deal follow the merchant's default again."""
    if not 1 <= len(levels) <= MAX_LEVELS or any(
            not isinstance(r, int) or isinstance(r, bool) or not 0 <= r <= BP for r in levels):
        return RatesChange("bad_rates")
    full = (*levels, 0, 0, 0)[:3]
    async with db.begin() as conn:
        rules = await read_rules(conn)
        fee = (await conn.execute(select(_MERCHANTS.c.fee_bp).where(
            _MERCHANTS.c.id == merchant_id))).scalar()
        cap = min(rules.commission_cap_bp, BP - (rules.fee_bp if fee is None else fee))
        if sum(full) > cap:
            return RatesChange("over_cap", cap)
        values = {"commission_l1_bp": full[0], "commission_l2_bp": full[1],
                  "commission_l3_bp": full[2]}
        if deal_id is None:
            await conn.execute(update(_MERCHANTS).where(_MERCHANTS.c.id == merchant_id)
                               .values(**values))
        else:
            done = await conn.execute(update(_DEALS).where(
                _DEALS.c.id == deal_id, _DEALS.c.merchant_id == merchant_id).values(**values))
            if done.rowcount != 1:
                return RatesChange("unknown_deal")
    return RatesChange("ok", cap, Rates(full, "merchant" if deal_id is None else "deal"))


async def clear_deal_rates(db: Database, merchant_id: int, deal_id: int) -> bool:
    """The deal follows the merchant's default rates again."""
    async with db.begin() as conn:
        done = await conn.execute(update(_DEALS).where(
            _DEALS.c.id == deal_id, _DEALS.c.merchant_id == merchant_id).values(
            commission_l1_bp=None, commission_l2_bp=None, commission_l3_bp=None))
        return bool(done.rowcount == 1)


async def set_fee(db: Database, merchant_id: int, fee_bp: int | None) -> bool:
    """An admin sets a merchant's own fee (None: the platform's). False if impossible
    with its commission rates or out of range."""
    if fee_bp is not None and not 0 <= fee_bp <= BP:
        return False
    async with db.begin() as conn:
        row = (await conn.execute(select(
            _MERCHANTS.c.commission_l1_bp, _MERCHANTS.c.commission_l2_bp,
            _MERCHANTS.c.commission_l3_bp).where(_MERCHANTS.c.id == merchant_id))).first()
        if row is None:
            return False
        rules = await read_rules(conn)
        fee = rules.fee_bp if fee_bp is None else fee_bp
        if fee + min(sum(row), rules.commission_cap_bp) > BP:
            return False
        await conn.execute(update(_MERCHANTS).where(_MERCHANTS.c.id == merchant_id)
                           .values(fee_bp=fee_bp))
    return True
