"""The whole conversation: every flow module's router merged into one."""

from __future__ import annotations

from handlers import (
    admin,
    attributes,
    booking_deposit,
    booking_staff,
    bookings,
    campaigns,
    checkout,
    codes,
    coupons,
    groups,
    inline,
    menu,
    merchant,
    money,
    pushes,
    redeem,
    search,
    seating,
    settings,
    staff,
    start,
    stats,
    stores,
    understand,
)
from handlers.deals import importing as deal_import
from handlers.deals import manage as deal_manage
from handlers.deals import new as new_deal
from handlers.router import Router


def build_router() -> Router:
    """The router with all flows of the assistant registered."""
    root = Router()
    for module in (start, menu, settings, search, understand, attributes, inline, checkout, groups,
                   codes, coupons, redeem, staff, merchant, stores, new_deal, deal_import,
                   deal_manage, stats, money, admin, campaigns, pushes, seating, booking_staff,
                   booking_deposit, bookings):
        root.include(module.router)
    return root
