"""Deep links into the bot: /start payloads and the t.me links that carry them.

Payloads (at most 64 characters of A-Za-z0-9_-, Telegram's rule):
  shop_<slug>[_<ref>]   a merchant's storefront (from its QR poster or a shared link)
  deal_<id>[_<ref>]     a deal card (from a shared link)
  g_<group>[_<ref>]     a 拼团 group to join (a member's shared link)
  r_<CODE>              a redemption code's QR, scanned by staff at the counter
  staff_<token>         a one-time invite to join a merchant's staff
  ref_<ref>             just an invitation (`/team`'s link): the main menu
where <ref> is the sharer's referral code.
"""

from __future__ import annotations

import re

from services.merchants.staff import INVITE_PREFIX
from services.orders.codes import DEEP_LINK_PREFIX

PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
SHOP = re.compile(r"shop_([a-z0-9-]{1,32})(?:_([0-9A-Z]{8}))?")
DEAL = re.compile(r"deal_([0-9]{1,12})(?:_([0-9A-Z]{8}))?")
STAFF = re.compile(re.escape(INVITE_PREFIX) + r"([A-Za-z0-9_-]{16,32})")
REDEEM = re.compile(DEEP_LINK_PREFIX + r"[0-9A-Za-z]{12}")
REF = re.compile(r"ref_([0-9A-Z]{8})")
GROUP = re.compile(r"g_([0-9]{1,12})(?:_([0-9A-Z]{8}))?")


def shop_payload(slug: str, ref: str | None = None) -> str:
    """The /start payload that opens a merchant's storefront (crediting `ref`)."""
    payload = f"shop_{slug}" + (f"_{ref}" if ref else "")
    if not SHOP.fullmatch(payload):
        raise ValueError(f"not a storefront payload: {payload!r}")
    return payload


def deal_payload(deal_id: int, ref: str | None = None) -> str:
    """The /start payload that opens a deal card (crediting `ref`)."""
    payload = f"deal_{deal_id}" + (f"_{ref}" if ref else "")
    if not DEAL.fullmatch(payload):
        raise ValueError(f"not a deal payload: {payload!r}")
    return payload


def group_payload(group_id: int, ref: str | None = None) -> str:
    """The /start payload that opens a 拼团 group to join (crediting `ref`)."""
    payload = f"g_{group_id}" + (f"_{ref}" if ref else "")
    if not GROUP.fullmatch(payload):
        raise ValueError(f"not a group payload: {payload!r}")
    return payload


def ref_payload(ref: str) -> str:
    """The /start payload of a referrer's own invitation link (no storefront or deal)."""
    payload = f"ref_{ref}"
    if not REF.fullmatch(payload):
        raise ValueError(f"not a referral payload: {payload!r}")
    return payload


def staff_payload(token: str) -> str:
    """The /start payload of a staff invite."""
    payload = INVITE_PREFIX + token
    if not STAFF.fullmatch(payload):
        raise ValueError(f"not a staff invite payload: {payload!r}")
    return payload


def shop_app_url(miniapp_base: str, slug: str) -> str:
    """The Mini App storefront of the merchant `slug` (served by `bot.miniapp`)."""
    return f"{miniapp_base}/app/shop/{slug}"


def deal_app_url(miniapp_base: str, slug: str, deal_id: int) -> str:
    """The Mini App storefront of `slug`, opened on the deal `deal_id`'s detail view."""
    return f"{shop_app_url(miniapp_base, slug)}?deal={deal_id}"


def start_link(bot_username: str, payload: str) -> str:
    """The t.me link that starts the bot with `payload`."""
    return f"https://t.me/{bot_username}?start={payload}"
