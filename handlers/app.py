"""The whole conversation: every flow module's router merged into one."""

from __future__ import annotations

from handlers import (
    admin,
    checkout,
    codes,
    deals,
    inline,
    menu,
    merchant,
    redeem,
    search,
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
    for module in (start, menu, search, understand, inline, checkout, codes, redeem,
                   staff, merchant, stores, deals, stats, admin):
        root.include(module.router)
    return root
