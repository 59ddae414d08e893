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
# (end of selling)


# =========================================================================== running
# admin, merchant, stores, staff, stats, redeem


class AdminHome(Payload, prefix="pah"):
    """The admin's platform totals (again, refreshed)."""


class AdminPending(Payload, prefix="pap"):
    """A page of the pending merchant applications."""

    page: int


class AdminMerchants(Payload, prefix="pam"):
    """A page of the merchant list."""

    page: int


class AdminMerchant(Payload, prefix="pav"):
    """One merchant's page; `back` is the list page to go back to."""

    merchant_id: int
    back: int


class AdminSuspendAsk(Payload, prefix="pas"):
    """Suspend pressed: asks to confirm."""

    merchant_id: int
    back: int


class AdminSuspend(Payload, prefix="pac"):
    """The suspension confirmed."""

    merchant_id: int
    back: int


class AdminRestore(Payload, prefix="par"):
    """Restore a suspended merchant."""

    merchant_id: int
    back: int


class MerchantCategory(Payload, prefix="mk"):
    """The category chosen while applying to sell (a `services.catalog.taxonomy` id)."""

    category: Annotated[str, Word(16)]


class MerchantSubmit(Payload, prefix="ms"):
    """Send the application shown in the summary."""


class MerchantCancel(Payload, prefix="mx"):
    """Drop the application being written."""


class MerchantApprove(Payload, prefix="ma"):
    """An admin approves an application."""

    merchant_id: int


class MerchantReject(Payload, prefix="mj"):
    """An admin rejects an application."""

    merchant_id: int


class StoreSave(Payload, prefix="sts"):
    """Save the new store shown in the /addstore summary."""


class StoreCancel(Payload, prefix="stx"):
    """Leave /addstore; nothing is saved."""


class StoreEdit(Payload, prefix="se"):
    """Start editing one of the owner's stores (from /stores)."""

    store_id: int


class StoreEditField(Payload, prefix="sef"):
    """Which field of the store being edited to change."""

    store_id: int
    field: Literal["name", "address", "location", "hours", "phone"]


class StoreEditSave(Payload, prefix="sed"):
    """Save the changes made to the store being edited."""

    store_id: int


class StoreEditCancel(Payload, prefix="sex"):
    """Leave the store being edited as it was."""

    store_id: int


class StaffInviteLink(Payload, prefix="si"):
    """Make a one-time link that makes whoever opens it staff."""


class StaffRemove(Payload, prefix="sr"):
    """Take this person (a users.id) off the owner's staff."""

    user_id: int


class RedeemConfirm(Payload, prefix="rc"):
    """Redeem the code a staff member checked, at one store: `request` is the one-time
    request their check made (only they may confirm it)."""

    request: Annotated[str, Word(24)]
    store_id: int


class RedeemUndo(Payload, prefix="ru"):
    """Undo a redemption made in the last ten minutes."""

    code_id: int


# (end of running)
