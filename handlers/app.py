"""The whole conversation: every flow module's router merged into one."""

from __future__ import annotations

from handlers import (
    admin,
    campaigns,
    checkout,
    codes,
    coupons,
    deals,
    inline,
    menu,
    merchant,
    pushes,
    redeem,
    search,
    settings,
    staff,
    start,
    stats,
    stores,
    understand,
)
from handlers.router import Router


def build_router() -> Router:
    """The router with all flows of the assistant registered."""
    root = Router()
    for module in (start, menu, settings, search, understand, inline, checkout, codes,
                   coupons, redeem, staff, merchant, stores, deals, stats, admin, campaigns,
                   pushes):
        root.include(module.router)
    return root
