"""A push as its recipient sees it and answers it: the offer it shows, opening it,
claiming its coupon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select, update

from services.catalog.deal_cards import Bilingual, is_on_sale
from services.marketing.coupons.terms import CouponTerms
from services.platform.clock import as_utc
from services.platform.database import Database
from storage.models import (
    Campaign,
    CouponTemplate,
    CouponTemplateStatus,
    Deal,
    Delivery,
    DeliveryStatus,
    Merchant,
    MerchantStatus,
)


@dataclass(frozen=True)
class PushView:
    """A sent push as its recipient's button press finds it."""

    delivery_id: int
    run_id: int
    campaign_id: int
    merchant_id: int
    template_id: int | None
    deal_id: int | None
    report_chat_id: int | None


async def open_push(db: Database, delivery_id: int, user_id: int,
                    now: datetime) -> PushView | None:
    """The recipient opened a push (pressed its button): remember when, first time only.
    None when the push is not theirs or was never sent (forged or stale buttons)."""
    async with db.begin() as conn:
        row = (await conn.execute(
            select(Delivery.run_id, Delivery.campaign_id,  # type: ignore[call-overload]
                   Campaign.merchant_id, Campaign.template_id, Campaign.deal_id,
                   Campaign.report_chat_id)
            .join(Campaign, col(Campaign.id) == col(Delivery.campaign_id))
            .where(col(Delivery.id) == delivery_id, col(Delivery.user_id) == user_id,
                   col(Delivery.status) == DeliveryStatus.SENT))).first()
        if row is None:
            return None
        await conn.execute(update(Delivery).where(col(Delivery.id) == delivery_id,
                                                  col(Delivery.opened_at).is_(None))
                           .values(opened_at=now))
    return PushView(delivery_id, *row)


async def mark_claimed(db: Database, delivery_id: int, now: datetime) -> None:
    """The pushed coupon was claimed from the push."""
    async with db.begin() as conn:
        await conn.execute(update(Delivery).where(col(Delivery.id) == delivery_id,
                                                  col(Delivery.claimed_at).is_(None))
                           .values(claimed_at=now))


@dataclass(frozen=True)
class PushOffer:
    """What a push shows: the merchant and its coupon's terms or deal."""

    merchant_id: int
    merchant: Bilingual
    available: bool
    terms: CouponTerms | None = None
    template_id: int | None = None
    deal_id: int | None = None
    deal_title: Bilingual | None = None
    price: int = 0
    original_price: int = 0
    currency: str = "CNY"


async def push_offer(db: Database, campaign_id: int, now: datetime) -> PushOffer | None:
    """The offer of a campaign as its pushes show it (None: no such campaign)."""
    async with db.session() as session:
        campaign = await session.get(Campaign, campaign_id)
        if campaign is None:
            return None
        merchant = await session.get(Merchant, campaign.merchant_id)
        assert merchant is not None
        name = Bilingual(merchant.name_zh, merchant.name_en)
        if campaign.template_id is not None:
            template = await session.get(CouponTemplate, campaign.template_id)
            if template is None:
                return None
            terms = CouponTerms(
                kind=template.kind, amount_off=template.amount_off,
                percent_off=template.percent_off, cap=template.cap,
                min_spend=template.min_spend, item=template.item_zh or template.item_en,
                currency=template.currency, valid_days=template.valid_days or 7,
                total_quantity=template.total_quantity, per_user_limit=template.per_user_limit)
            available = (template.status == CouponTemplateStatus.ACTIVE
                         and merchant.status == MerchantStatus.APPROVED
                         and (template.total_quantity is None
                              or template.claimed < template.total_quantity)
                         and (template.valid_until is None
                              or as_utc(template.valid_until) > now))
            return PushOffer(merchant.id or 0, name, available, terms=terms,
                             template_id=template.id)
        deal = await session.get(Deal, campaign.deal_id) if campaign.deal_id else None
        if deal is None:
            return None
        return PushOffer(merchant.id or 0, name, is_on_sale(deal, merchant, now),
                         deal_id=deal.id, deal_title=Bilingual(deal.title_zh, deal.title_en),
                         price=deal.price, original_price=deal.original_price,
                         currency=deal.currency)
