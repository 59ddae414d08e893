"""Who may use a route, checked by the router before the handler runs.

Every command, button, flow, intent and event route declares one `Role`. The router
asks `admit` on every event (a button is checked when pressed, whatever was drawn),
which either loads what the role implies into the request (the owner's merchant as
`req.seller`) or answers with the one refusal for that role, worded for the route's
`area` ("deal": "Only the owner of an approved merchant can post deals...").

What a role admits is only the first gate: the handler still checks that the thing
acted on (a deal, a store, a code) belongs to the merchant loaded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.core import SendText
from handlers.i18n import Translator
from services.merchants.deals import Seller, seller_of
from services.orders.redemption import is_staff
from services.platform.database import Database


class Role(StrEnum):
    """Who a route is for."""

    ANYONE = "anyone"  # events with no person acting (payments, inline, member status)
    SHOPPER = "shopper"  # any person chatting with the bot
    STAFF = "staff"  # works for (or owns) a merchant
    OWNER = "owner"  # owns a merchant the platform approved and has not suspended
    OWNER_ANY_STATUS = "owner_any_status"  # owns a merchant, whatever its status
    ADMIN = "admin"  # a platform admin (`Options.admin_ids`)


# The areas whose refusals have their own words (`<area>-owner-only`, ...); any other
# area gets the general `role-...` wording.
AREAS = ("deal", "campaign", "coupon", "store", "stats", "staff", "redeem", "admin", "money")


@dataclass(frozen=True)
class Admission:
    """The result of the role check: `refusal` when the person may not, else what the
    role loaded (the owner's merchant with its stores for owner roles)."""

    refusal: str | None = None
    seller: Seller | None = None


def _words(t: Translator, area: str | None, general: str) -> str:
    """The refusal `general` ("role-owner-only"), in the area's own words when its
    catalog has them ("deal-owner-only")."""
    own = general.replace("role-", f"{area}-", 1) if area else general
    return t(own if t.has(own) else general)


def owner_refusal(t: Translator, status: str | None, area: str | None) -> str | None:
    """Why someone may not use `area`'s merchant commands, in words, by their merchant's
    status: they own none (`owner-only`), the platform suspended it (`suspended`), its
    application is not approved (`not-approved`). None for the owner of an approved
    merchant."""
    if status is None:
        return _words(t, area, "role-owner-only")
    if status == "suspended":
        return _words(t, area, "role-suspended")
    if status != "approved":
        return _words(t, area, "role-not-approved")
    return None


async def admit(role: Role, area: str | None, *, db: Database, user_id: int,
                telegram_id: int, admin_ids: tuple[int, ...], t: Translator) -> Admission:
    """May this person use a route declared with `role`? Loads what the role implies."""
    if role in (Role.ANYONE, Role.SHOPPER):
        return Admission()
    if role == Role.ADMIN:
        if telegram_id in admin_ids:
            return Admission()
        return Admission(_words(t, area, "role-admin-only"))
    if role == Role.STAFF:
        if await is_staff(db, user_id):
            return Admission()
        return Admission(_words(t, area, "role-not-staff"))
    seller = await seller_of(db, user_id)
    if role == Role.OWNER:
        why = owner_refusal(t, seller.status if seller else None, area)
        return Admission(why) if why else Admission(seller=seller)
    if seller is None:  # OWNER_ANY_STATUS
        return Admission(_words(t, area, "role-owner-only"))
    return Admission(seller=seller)


def refusal_reply(text: str) -> SendText:
    """The one way a refusal is answered."""
    return SendText(text)
