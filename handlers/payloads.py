"""Every button the assistant draws, as a declared data class (see `handlers.buttons`).

A flow module's buttons are declared here, in its section, so that any module can
draw another flow's button (a deal card's Buy button, a menu's Search button) without
importing that flow. Each class is a frozen dataclass: `DealCard(12).pack()` is the
button's callback data, and the route registered with `@router.button(DealCard, ...)`
receives the unpacked `DealCard` when it is pressed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from handlers.buttons import Payload, Word

# =========================================================================== shopping
# search, understand, checkout, codes, menu, start, inline, settings, pushes
# (end of shopping)


# =========================================================================== selling
# deals, coupons, campaigns

# The fields of a deal its owner may change from the deal's page
# (`services.merchants.deals.EDITABLE`).
DealField = Literal["title", "price", "original_price", "stock", "valid_until"]


class NewDealChoice(Payload, prefix="nd"):
    """A choice inside `/newdeal`: a shortcut answer at the step the owner is at, or the
    preview's Publish / Edit / Cancel.

    `what`: skip, unlimited (stock), n (per-person limit `arg`), now (valid from),
    days (valid for `arg` days), s (toggle store `arg`; `arg` "ok": done), c (category
    `arg`), r (refund policy `arg`), pub, edit, e (edit step `arg`), x (cancel)."""

    what: Literal["skip", "unlimited", "n", "now", "days", "s", "c", "r", "pub", "edit",
                  "e", "x"]
    arg: Annotated[str, Word(16)] | None = None


class DealList(Payload, prefix="dl"):
    """A page of the owner's `/deals`, from `offset`."""

    offset: int = 0


class DealPage(Payload, prefix="dm"):
    """One of the owner's deals: sales, stock, and what can be done with it."""

    deal_id: int


class DealEditField(Payload, prefix="de"):
    """Change one field of a deal (asks for the new value)."""

    deal_id: int
    field_name: DealField


class DealPause(Payload, prefix="dp"):
    """Pause a deal."""

    deal_id: int


class DealResume(Payload, prefix="dr"):
    """Put a paused deal back on sale."""

    deal_id: int


class DealEndAsk(Payload, prefix="dn"):
    """End a deal: asks first (it cannot be undone)."""

    deal_id: int


class DealEnd(Payload, prefix="dny"):
    """End a deal, for sure."""

    deal_id: int


class CouponClaim(Payload, prefix="cc"):
    """Claim a coupon of this template (shown on the merchant's storefront)."""

    template_id: int


class NewCouponChoice(Payload, prefix="cpn"):
    """A choice inside `/coupon new`: d (valid `number` days), u (unlimited quantity),
    p (`number` per person), ok (publish), sure (publish although it warned), x (cancel)."""

    what: Literal["d", "u", "p", "ok", "sure", "x"]
    number: int | None = None


class CouponTemplateAction(Payload, prefix="cpt"):
    """Pause / resume / end a coupon template, or make it (or stop it being) the gift
    new followers get."""

    template_id: int
    action: Literal["pause", "resume", "end", "welcome", "unwelcome"]


class CampaignListAction(Payload, prefix="cmpl"):
    """Under `/campaign`: new (start one), c (cancel campaign `campaign_id`: asks
    first), y (cancel it for sure), n (keep it)."""

    what: Literal["new", "c", "y", "n"]
    campaign_id: int | None = None


class CampaignChoice(Payload, prefix="cmp"):
    """A choice inside the new-campaign conversation.

    `what`: o (promote offer `offer_id`; `arg` "c" a coupon template, "d" a deal),
    a (audience `arg`), r (radius `arg` metres), w (when: `arg` now, 10m, tmr, fri),
    win (sending window `arg` minutes), ok (confirm the preview whose token is `arg`),
    chg (change it), x (drop the new campaign)."""

    what: Literal["o", "a", "r", "w", "win", "ok", "chg", "x"]
    arg: Annotated[str, Word(16)] | None = None
    offer_id: int | None = None

# (end of selling)


# =========================================================================== running
# admin, merchant, stores, staff, stats, redeem
# (end of running)
