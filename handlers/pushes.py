"""Campaign pushes as people see them: the push itself, its Claim / View button, and the
merchant's live progress message and final report.

The push sender (`bot.pushes`) asks this module for the words; the buttons come back
here as ordinary button presses (`ClaimPushedCoupon` claims the pushed coupon,
`ViewPushedDeal` opens the pushed deal). A press on someone else's push, or a forged
one, is stale.

What a campaign owes its owner goes through the outbox, rendered here: the final report
of a run (`campaign_report`: the live progress message edited into it, or a new one),
a one-off missed (`campaign_missed`), and its coupon run out (`coupon_gone`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.common import answer_press, stale_replies
from handlers.core import Button, EditText, Reply, SendText
from handlers.format import local_datetime, terms_text
from handlers.i18n import Translator, language_of, normalize_language
from handlers.owed import owed_in_turn, renders, translator_for
from handlers.payloads import ClaimPushedCoupon, MenuChoice, ViewPushedDeal
from handlers.roles import Role
from handlers.router import App, Request, Router
from handlers.search import deal_card_replies
from services.marketing.campaigns import Campaign, get_campaign
from services.marketing.coupons.wallet import claim
from services.marketing.pushes.offers import PushOffer, mark_claimed, open_push, push_offer
from services.marketing.pushes.reports import RunReport, mark_coupon_gone_told, run_report
from services.marketing.pushes.sending import DueDelivery, stop_offering_coupon
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
        owed_key = await mark_coupon_gone_told(req.db, push.run_id, stopped, now)
        if owed_key is not None:  # the owner is told in this turn (or by the outbox later)
            replies += await owed_in_turn(req, owed_key)
    return replies


@renders("campaign_report")
async def _owed_report(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "campaign_report": the run's live progress message edited into its final
    report (a new message when it never had one)."""
    report = await run_report(app.db, int(params["run_id"]))
    if report is None:
        return []
    text = await report_text(app, report)
    if report.progress_message_id is not None:
        return [EditText(report.progress_message_id, text)]
    return [SendText(text)]


@renders("campaign_missed")
async def _owed_missed(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "campaign_missed": the owner told a one-off campaign never started."""
    campaign = await get_campaign(app.db, int(params["campaign_id"]))
    return [SendText(await missed_text(app, campaign))] if campaign is not None else []


@renders("coupon_gone")
async def _owed_coupon_gone(app: App, chat_id: int, params: dict[str, Any]) -> list[Reply]:
    """An owed "coupon_gone": the owner told a campaign's coupon ran out and how many of
    its pushes were stopped."""
    t = await translator_for(app, chat_id)
    return [SendText(t("campaign-coupon-gone", campaign=str(params["campaign_id"]),
                       count=str(params["stopped"])))]


@router.button(ViewPushedDeal, role=Role.SHOPPER)
async def view_pushed_deal(req: Request, press: ViewPushedDeal) -> list[Reply]:
    """View pressed on a deal push: the deal's card (with its Buy button)."""
    push = await open_push(req.db, press.delivery_id, req.user.id, req.now())
    if push is None or push.deal_id is None:
        return stale_replies(req)
    await record_push_opened(req.db, req.user.id, push.deal_id, push.merchant_id, None,
                             req.now())
    return [answer_press(req), *await deal_card_replies(req, push.deal_id)]

