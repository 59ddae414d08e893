"""Every button the assistant draws, as a declared data class (see `handlers.buttons`).

A flow module's buttons are declared here, in its section, so that any module can
draw another flow's button (a deal card's Buy button, a menu's Search button) without
importing that flow. Each class is a frozen dataclass: `DealCard(12).pack()` is the
button's callback data, and the route registered with `@router.button(DealCard, ...)`
receives the unpacked `DealCard` when it is pressed.
"""

from __future__ import annotations

from typing import Annotated, Literal  # noqa: F401 - used by the sections below

from handlers.buttons import Payload, Word  # noqa: F401 - used by the sections below

# =========================================================================== shopping
# search, understand, checkout, codes, menu, start, inline, settings, pushes
# (end of shopping)


# =========================================================================== selling
# deals, coupons, campaigns
# (end of selling)


# =========================================================================== running
# admin, merchant, stores, staff, stats, redeem
# (end of running)
