"""Turning service views into chat text: result lines, deal cards, dates."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core import TELEGRAM_CAPTION_MAX, Button, Reply, SendDocument, SendPhoto, SendText
from handlers.i18n import Translator
from handlers.payloads import Buy
from services.catalog.deal_cards import DealCard, DealSummary
from services.catalog.geo import format_distance
from services.catalog.hours import is_open
from services.catalog.taxonomy import category
from services.marketing.coupons.terms import CouponKind, CouponTerms
from services.marketing.coupons.wallet import CouponView
from services.marketing.follows import FollowResult
from services.platform.money import discount_percent_off, discount_zhe, format_money, minor_digits


def local_date(moment: datetime, timezone: str) -> str:
    """A UTC moment as a date in the user's time zone: 2026-12-31."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def local_time(moment: datetime, timezone: str) -> str:
    """A UTC moment as a time of day in the user's time zone: 14:35."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def local_datetime(moment: datetime, timezone: str) -> str:
    """A UTC moment in the user's time zone: 2026-12-31 14:35."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def discount_text(t: Translator, price: int, original_price: int) -> str:
    """"6.8折" in Chinese, "32% off" in English; "" without a saving."""
    if t.lang == "zh":
        return discount_zhe(price, original_price)
    percent = discount_percent_off(price, original_price)
    return t("discount-percent-off", percent=str(percent)) if percent else ""


def category_label(lang: str, category_id: str) -> str:
    """"🍲 火锅" for a category id (the id itself if unknown)."""
    cat = category(category_id)
    return f"{cat.emoji} {cat.name(lang)}" if cat else category_id


def result_line(t: Translator, number: int, deal: DealSummary) -> str:
    """One numbered line of a result list."""
    price = format_money(deal.price, deal.currency, t.lang)
    original = format_money(deal.original_price, deal.currency, t.lang)
    off = discount_text(t, deal.price, deal.original_price)
    line = t(
        "result-line",
        number=str(number),
        title=deal.title.get(t.lang),
        merchant=deal.merchant.get(t.lang),
        price=price,
        original=original,
        discount=off or "-",
    )
    if deal.group_size is not None and deal.group_price is not None:
        line += " · " + group_price_text(t, deal.group_size, deal.group_price, deal.currency)
    if deal.distance_m is not None:
        line += " · " + t("result-distance", distance=format_distance(deal.distance_m))
    return line


def group_price_text(t: Translator, size: int, price: int, currency: str) -> str:
    """A 拼团 deal's offer in a few words: "3人团 ¥19.90" / "3-person group ¥19.90"."""
    return t("group-price", size=str(size), price=format_money(price, currency, t.lang))


BUTTON_TITLE_MAX = 28  # a title on a button: about what a phone shows on one line
LABEL_MAX = 60  # a whole button label (a coupon's terms, a merchant's name and number)
_TRAILING = " \t,.;:·、，。；：&+-—/|（(【[「"  # not worth keeping before the ellipsis


def _joins_previous(char: str) -> bool:
    """A combining mark, a variation selector or a zero-width joiner: a cut before it
    would break the character (or emoji) before it."""
    return bool(unicodedata.combining(char)) or char in "\u200d\ufe0e\ufe0f" or (
        "\U0001f3fb" <= char <= "\U0001f3ff")  # skin tones


def short_label(text: str, limit: int) -> str:
    """`text` in at most `limit` characters for a button: whole when it fits, else cut
    at the last word boundary (for text written with spaces) or between two characters
    (Chinese), never inside a word, emoji or accented letter, and ended with "…".

    "Hotpot set for two, weekends too" at 28 -> "Hotpot set for two…".
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = limit - 1  # room for the ellipsis
    while cut > 0 and (_joins_previous(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    head = text[:cut]
    if text[cut] != " " and " " in head:
        word_start = head.rindex(" ")
        # Only when the words kept say enough; one long word is cut between letters.
        if word_start >= cut // 2:
            head = head[:word_start]
    return head.rstrip(_TRAILING) + "…"


def result_button_text(t: Translator, number: int, deal: DealSummary) -> str:
    """The short label of a result's button."""
    title = short_label(deal.title.get(t.lang), BUTTON_TITLE_MAX)
    return f"{number}. {title} {format_money(deal.price, deal.currency, t.lang)}"


def deal_card_text(t: Translator, card: DealCard, timezone: str, now: datetime) -> str:
    """The full text of a deal card."""
    lang = t.lang
    lines = [f"{category_label(lang, card.category).split(' ')[0]} {card.title.get(lang)}"]
    merchant = card.merchant.get(lang)
    if card.rating is not None:
        lines.append(t("card-merchant-rated", merchant=merchant, rating=f"{card.rating:.1f}"))
    else:
        lines.append(merchant)
    price = format_money(card.price, card.currency, lang)
    original = format_money(card.original_price, card.currency, lang)
    off = discount_text(t, card.price, card.original_price)
    lines.append(t("card-price", price=price, original=original, discount=off or "-"))
    if card.group_size is not None and card.group_price is not None:
        lines.append(t("group-card-price", offer=group_price_text(
            t, card.group_size, card.group_price, card.currency),
            hours=str(card.group_hours or 0)))
    description = card.description.get(lang)
    if description:
        lines += ["", description]
    lines.append("")
    lines.append(
        t(
            "card-validity",
            start=local_date(card.valid_from, timezone),
            end=local_date(card.valid_until, timezone),
        )
    )
    if card.valid_from > now:
        lines.append(t("card-not-yet-valid", start=local_date(card.valid_from, timezone)))
    if card.stock is None:
        lines.append(t("card-stock-unlimited", sold=str(card.sold)))
    else:
        lines.append(t("card-stock-left", left=str(card.stock), sold=str(card.sold)))
    lines.append(t("card-per-user-limit", limit=str(card.per_user_limit)))
    lines.append(t(f"refund-{card.refund_policy.replace('_', '-')}"))
    rules = card.usage_rules.get(lang)
    if rules:
        lines.append(t("card-rules", rules=rules))
    if card.stores:
        lines.append("")
        lines.append(t("card-stores"))
        for store in card.stores:
            line = t(
                "card-store-line",
                name=store.name.get(lang),
                address=store.address.get(lang),
                hours=store.opening_hours or "-",
            )
            status = is_open(store.opening_hours, now.astimezone(ZoneInfo(timezone)))
            if status is not None:
                line += " · " + t("store-open" if status else "store-closed")
            lines.append(line)
    if not card.on_sale:
        lines += ["", t("card-not-on-sale")]
    return "\n".join(lines)


# --------------------------------------------------------------------------- coupons and follows


def plain_amount(amount: int, currency: str) -> str:
    """An amount without its symbol, the way 满100减20 writes it: 100, 9.9."""
    digits = minor_digits(currency)
    whole, part = divmod(amount, 10 ** digits)
    if not part:
        return str(whole)
    return f"{whole}.{part:0{digits}d}".rstrip("0")


def coupon_money(t: Translator, amount: int, currency: str) -> str:
    """An amount as coupon terms write it: bare in Chinese (满100减20), with its symbol
    in English (¥20 off ¥100+)."""
    return plain_amount(amount, currency) if t.lang == "zh" else format_money(amount, currency,
                                                                              t.lang)


def _zhe(percent_off: int) -> str:
    """20% off is 8折, 15% off 8.5折, 5% off 9.5折."""
    tenths = 100 - percent_off
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:g}"


def terms_text(t: Translator, terms: CouponTerms) -> str:
    """A coupon in words: 满100减20 / 8折，最高减30 / 赠可乐 in Chinese, "¥20 off ¥100+" /
    "20% off (up to ¥30)" / "Free drink" in English."""
    cur = terms.currency
    minimum = {"min": coupon_money(t, terms.min_spend, cur)} if terms.min_spend else {}
    suffix = "-min" if terms.min_spend else ""
    if terms.kind == CouponKind.AMOUNT_OFF:
        return t(f"coupon-terms-amount{suffix}", off=coupon_money(t, terms.amount_off, cur),
                 **minimum)
    if terms.kind == CouponKind.PERCENT_OFF:
        text = t(f"coupon-terms-percent{suffix}", zhe=_zhe(terms.percent_off),
                 percent=str(terms.percent_off), **minimum)
        if terms.cap is not None:
            text += t("coupon-terms-cap", cap=coupon_money(t, terms.cap, cur))
        return text
    return t(f"coupon-terms-free{suffix}", item=terms.item or "", **minimum)


def welcome_text(t: Translator, coupon: CouponView, timezone: str) -> str:
    """The line telling a new follower their welcome coupon is in the wallet."""
    return t("coupon-welcome-given", terms=terms_text(t, coupon.terms),
             until=local_date(coupon.valid_until, timezone))


def follow_text(t: Translator, result: FollowResult, timezone: str) -> str:
    """What a follow did, in words: followed (with the welcome coupon) or already."""
    if result.outcome != "followed":
        return t("follow-already")
    text = t("follow-done")
    if result.welcome is not None:
        text += "\n" + welcome_text(t, result.welcome, timezone)
    return text


def buy_button(t: Translator, deal_id: int, price: int, currency: str) -> Button:
    """The Buy button of a deal card."""
    return Button(t("buy-button", price=format_money(price, currency, t.lang)),
                  data=Buy(deal_id).pack())


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it against its limits: UTF-16 code units, so
    most emoji count two."""
    return len(text.encode("utf-16-le")) // 2


def caption_parts(caption: str, limit: int = TELEGRAM_CAPTION_MAX) -> tuple[str, str]:
    """(what a picture's caption can say, what must follow as a message): a caption
    that fits stays whole; a longer one keeps as many whole lines as fit, the rest
    following; a first line too long for a caption alone becomes a short label of
    itself, and the whole caption follows."""
    if telegram_length(caption) <= limit:
        return caption, ""
    lines = caption.split("\n")
    kept = 0
    while kept < len(lines) and telegram_length("\n".join(lines[:kept + 1])) <= limit:
        kept += 1
    if kept:
        return "\n".join(lines[:kept]), "\n".join(lines[kept:]).strip("\n")
    size = limit
    while telegram_length(label := short_label(lines[0], size)) > limit:
        size -= telegram_length(label) - limit  # emoji count two: shorten by the excess
    return label, caption


def fit_caption(reply: SendPhoto | SendDocument) -> list[Reply]:
    """A picture (or file) as Telegram takes it, which refuses a caption over
    `TELEGRAM_CAPTION_MAX` and the picture with it: a longer caption keeps its first
    lines (`caption_parts`) and the rest follows as a message, carrying the buttons so
    they stay under the words they act on."""
    head, rest = caption_parts(reply.caption)
    if not rest:
        return [reply]
    if isinstance(reply, SendPhoto):
        return [replace(reply, caption=head, buttons=()), SendText(rest, buttons=reply.buttons)]
    return [replace(reply, caption=head), SendText(rest)]
