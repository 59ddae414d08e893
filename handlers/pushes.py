"""Campaign pushes as people see them: the push itself, its Claim / View button, and the
merchant's live progress message and final report.

The push sender (`bot.pushes`) asks this module for the words; the buttons come back
here as ordinary button presses (`ClaimPushedCoupon` claims the pushed coupon,
`ViewPushedDeal` opens the pushed deal). A press on someone else's push, or a forged
one, is stale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from handlers.common import answer_press, stale_replies
from handlers.core import Button, Notify, Reply, SendText
from handlers.format import local_datetime, terms_text
from handlers.i18n import Translator, language_of, normalize_language
from handlers.payloads import ClaimPushedCoupon, MenuChoice, ViewPushedDeal
from handlers.roles import Role
from handlers.router import App, Request, Router
from handlers.search import deal_card_replies
from services.marketing.campaigns import Campaign
from services.marketing.coupons import claim
from services.marketing.pushes import (
    DueDelivery,
    PushOffer,
    RunReport,
    mark_claimed,
    mark_coupon_gone_told,
    open_push,
    push_offer,
    stop_offering_coupon,
)
from services.platform.events import record_push_opened
from services.platform.money import format_money
from services.platform.users import get_profile_by_telegram_id

router = Router()

OFFER_TTL = 5.0  # seconds an offer (and its words) is reused for the pushes of a campaign


@dataclass
class _CachedOffer:
    at: float
    offer: PushOffer | None
    words: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # lang: texts


_offers: dict[int, _CachedOffer] = {}


async def _cached_offer(app: App, campaign_id: int, now: datetime) -> _CachedOffer:
    # A campaign sends to thousands at once: look its offer up (and word it, per
    # language) once every few seconds, not per push.
    cached = _offers.get(campaign_id)
    if cached is not None and time.monotonic() - cached.at < OFFER_TTL:
        return cached
    offer = await push_offer(app.db, campaign_id, now)
    if len(_offers) > 1000:
        _offers.clear()
    cached = _offers[campaign_id] = _CachedOffer(time.monotonic(), offer)
    return cached


def _translator(app: App, language: str | None, language_code: str | None) -> Translator:
    return Translator(language or normalize_language(language_code,
                                                     app.options.default_language))


def _words(t: Translator, offer: PushOffer) -> tuple[str, str, str]:
    """(text, action button, settings button) of a campaign's push in one language."""
    merchant = offer.merchant.get(t.lang)
    if offer.terms is not None:
        text = t("push-coupon", merchant=merchant, terms=terms_text(t, offer.terms))
        action = t("push-claim")
    else:
        assert offer.deal_title is not None
        text = t("push-deal", merchant=merchant, title=offer.deal_title.get(t.lang),
                 price=format_money(offer.price, offer.currency, t.lang),
                 original=format_money(offer.original_price, offer.currency, t.lang))
        action = t("push-view")
    return text + "\n\n" + t("push-why"), action, t("push-settings")


async def push_message(app: App, due: DueDelivery, now: datetime) -> SendText | None:
    """The push for one delivery, in its recipient's language; None when the offer is
    gone (the coupon ran out or the deal stopped selling)."""
    cached = await _cached_offer(app, due.campaign_id, now)
    offer = cached.offer
    if offer is None or not offer.available:
        return None
    t = _translator(app, due.language, due.language_code)
    words = cached.words.get(t.lang)
    if words is None:
        words = cached.words[t.lang] = _words(t, offer)
    text, action, settings = words
    press = ClaimPushedCoupon(due.id) if offer.terms is not None else ViewPushedDeal(due.id)
    return SendText(text, buttons=((Button(action, data=press.pack()),),
                                   (Button(settings, data=MenuChoice("settings").pack()),)))


def _counts(t: Translator, report: RunReport) -> str:
    return t("campaign-counts", audience=str(report.audience), sent=str(report.sent),
             waiting=str(report.planned + report.sending), deferred=str(report.deferred),
             blocked=str(report.blocked), failed=str(report.failed),
             dropped=str(report.dropped + report.capped + report.superseded),
             claimed=str(report.claimed), redeemed=str(report.redeemed))


async def _merchant_translator(app: App, report_chat_id: int | None) -> Translator:
    profile = (await get_profile_by_telegram_id(app.db, report_chat_id)
               if report_chat_id is not None else None)
    return Translator(language_of(profile, app.options.default_language))


async def progress_text(app: App, report: RunReport) -> str:
    """The merchant's live progress message of a run."""
    t = await _merchant_translator(app, report.report_chat_id)
    return t("campaign-progress", campaign=str(report.campaign_id)) + "\n" + _counts(t, report)


async def report_text(app: App, report: RunReport) -> str:
    """The merchant's final report of a finished run."""
    t = await _merchant_translator(app, report.report_chat_id)
    lines = [t("campaign-report", campaign=str(report.campaign_id)), _counts(t, report)]
    if report.in_doubt:
        lines.append(t("campaign-in-doubt", count=str(report.in_doubt)))
    return "\n".join(lines)


async def missed_text(app: App, campaign: Campaign) -> str:
    """Tells the merchant a one-off campaign's whole window passed without it starting
    (its time in the time zone it was scheduled in, the merchant's)."""
    t = await _merchant_translator(app, campaign.report_chat_id)
    when = local_datetime(campaign.run_at, campaign.timezone)
    return t("campaign-missed", campaign=str(campaign.id), when=when,
             hours=campaign.window_minutes // 60)


@router.button(ClaimPushedCoupon, role=Role.SHOPPER)
async def claim_pushed_coupon(req: Request, press: ClaimPushedCoupon) -> list[Reply]:
    """Claim pressed on a coupon push: into the wallet, once, however often pressed."""
    now, t = req.now(), req.t
    push = await open_push(req.db, press.delivery_id, req.user.id, now)
    if push is None or push.template_id is None:
        return stale_replies(req)
    result = await claim(req.db, req.user.id, push.template_id, now,
                         key=f"push:{push.delivery_id}", source="campaign")
    await record_push_opened(req.db, req.user.id, None, push.merchant_id, None, now)
    if result.outcome in ("claimed", "already"):
        await mark_claimed(req.db, push.delivery_id, now)
        key = "push-claimed" if result.outcome == "claimed" else "push-already"
        return [answer_press(req, t(key)), SendText(t(key))]
    replies: list[Reply] = [answer_press(req, t(f"push-{result.outcome}")),
                            SendText(t(f"push-{result.outcome}"))]
    if result.outcome == "gone":
        stopped = await stop_offering_coupon(req.db, push.template_id)
        if push.report_chat_id is not None and await mark_coupon_gone_told(req.db, push.run_id):
            owner = await _merchant_translator(req.app, push.report_chat_id)
            replies.append(Notify(push.report_chat_id, (SendText(
                owner("campaign-coupon-gone", campaign=str(push.campaign_id),
                      count=str(stopped))),)))
    return replies


@router.button(ViewPushedDeal, role=Role.SHOPPER)
async def view_pushed_deal(req: Request, press: ViewPushedDeal) -> list[Reply]:
    """View pressed on a deal push: the deal's card (with its Buy button)."""
    push = await open_push(req.db, press.delivery_id, req.user.id, req.now())
    if push is None or push.deal_id is None:
        return stale_replies(req)
    await record_push_opened(req.db, req.user.id, push.deal_id, push.merchant_id, None,
                             req.now())
    return [answer_press(req), *await deal_card_replies(req, push.deal_id)]

