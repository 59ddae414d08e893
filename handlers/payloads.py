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

# -- finding deals (handlers.search)

SortOrder = Literal["nearest", "cheapest", "biggest_discount", "best_rated", "popular"]


class SearchCategory(Payload, prefix="cat"):
    """Search one category (a category button: the menu's, or "nearby has these")."""

    category: Annotated[str, Word(16)]


class ResultsPage(Payload, prefix="sp"):
    """A page of a saved search."""

    search_id: int
    page: int


class ShowDeal(Payload, prefix="d"):
    """A deal's card; from a results page, the page its Back button returns to."""

    deal_id: int
    search_id: int | None = None
    page: int | None = None


class WiderSearch(Payload, prefix="sw"):
    """The same search with a wider radius."""

    search_id: int


class UseLastLocation(Payload, prefix="ul"):
    """The same search around the user's last location, however old."""

    search_id: int


class AroundPlace(Payload, prefix="pl"):
    """Deals around a known place (a "did you mean" answer)."""

    place_id: int


class SortResults(Payload, prefix="so"):
    """The same search in another order."""

    search_id: int
    sort: SortOrder


class OpenNowToggle(Payload, prefix="op"):
    """The same search, only what is open now (or everything again)."""

    search_id: int


class FollowMerchant(Payload, prefix="f"):
    """Follow the merchant of a card or storefront."""

    merchant_id: int


class UnfollowMerchant(Payload, prefix="uf"):
    """Stop following a merchant."""

    merchant_id: int


class ShareDeal(Payload, prefix="sh"):
    """A link to a deal carrying the sharer's referral code."""

    deal_id: int


# -- free text (handlers.understand)

# The readings a doubtful parse offers as buttons.
Reading = Literal["search_deals", "show_deal", "ask_attribute", "book_table", "buy", "my_codes",
                  "follow", "unfollow", "my_follows", "set_location", "settings", "help", "cancel",
                  "refund"]


class ChooseReading(Payload, prefix="nlu"):
    """What the user meant by the text waiting in the "understand" flow."""

    intent: Reading


# -- buying (handlers.checkout)


class Buy(Payload, prefix="b"):
    """Buy on a deal card: how many?"""

    deal_id: int


class BuyQuantity(Payload, prefix="bq"):
    """That many units of a deal."""

    deal_id: int
    quantity: int


class CancelOrder(Payload, prefix="oc"):
    """Give up a pending order."""

    order_id: int


class ChangeCoupon(Payload, prefix="ch"):
    """The buyer's other coupons for a pending order."""

    order_id: int


class ChooseCoupon(Payload, prefix="chc"):
    """Use this coupon on a pending order (0: no coupon)."""

    order_id: int
    coupon_id: int


# -- the shopper's codes (handlers.codes)


class ShowCode(Payload, prefix="mc"):
    """One code again, with its QR."""

    code_id: int


class AskRefund(Payload, prefix="rq"):
    """Refund pressed: what this code, or all unused ones of its order, give back."""

    code_id: int


class RefundOne(Payload, prefix="r1"):
    """Yes, refund this code, for the amount shown."""

    code_id: int
    amount: int


class RefundAll(Payload, prefix="ra"):
    """Yes, refund all `count` unused codes of this code's order, for the amount shown."""

    code_id: int
    count: int
    amount: int


class RateVisit(Payload, prefix="rt"):
    """Stars for a redeemed code's visit (1 to 5)."""

    code_id: int
    stars: int


# -- menu, storefronts, settings (handlers.menu, handlers.start, handlers.settings)

MenuItem = Literal["nearby", "search", "codes", "following", "settings", "help"]


class MenuChoice(Payload, prefix="menu"):
    """A main-menu button."""

    item: MenuItem


class OpenStorefront(Payload, prefix="sf"):
    """A merchant's storefront, by its slug."""

    slug: Annotated[str, Word(32)]


class ChooseLanguage(Payload, prefix="lang"):
    """The interface language ("auto": follow Telegram's)."""

    language: Literal["zh", "en", "auto"]


SettingsStep = Literal["max", "quiet", "tz"]  # what the settings flow can ask for


class SettingsPress(Payload, prefix="set"):
    """A push-settings button: pause, resume, back to the screen (`show`), ask for a
    value (`max`, `quiet`, `tz` alone), or set one: `max` with the daily cap in
    `value`, `quiet` with its start in `value` and end in `end` (minutes after local
    midnight; 0 and 0: no quiet hours)."""

    action: Literal["pause", "resume", "show", "max", "quiet", "tz"]
    value: int | None = None
    end: int | None = None


# -- campaign pushes (handlers.pushes)


class ClaimPushedCoupon(Payload, prefix="pc"):
    """Claim on a coupon push."""

    delivery_id: int


class ViewPushedDeal(Payload, prefix="pv"):
    """View on a deal push."""

    delivery_id: int


# -- commissions (handlers.money)


class EarningsScreen(Payload, prefix="er"):
    """The referrer's earnings again (`/earnings`)."""


class WithdrawAsk(Payload, prefix="wa"):
    """Withdraw pressed, for `amount` (minor units): asks to confirm first."""

    amount: int


class WithdrawConfirm(Payload, prefix="wc"):
    """Yes, withdraw `amount`, as asked when `available` was available (anything else
    meanwhile, a second tap included, withdraws nothing)."""

    amount: int
    available: int

# -- 拼团 group-buy (handlers.groups)


class GroupJoin(Payload, prefix="gj"):
    """Join this open group of a group deal (one seat, at the group price)."""

    group_id: int


class GroupOpen(Payload, prefix="go"):
    """Open a new group of this group deal, taking its first seat."""

    deal_id: int


class GroupLeaveAsk(Payload, prefix="gl"):
    """Leave & refund pressed on a waiting group seat (`/mygroups`): asks to confirm."""

    order_id: int


class GroupLeave(Payload, prefix="glc"):
    """Yes, leave the group this paid order waits in, and refund it."""

    order_id: int


class MyGroups(Payload, prefix="mg"):
    """The shopper's groups again (`/mygroups`)."""


class GroupOnlyToggle(Payload, prefix="gt"):
    """The same search, only 拼团 deals (or everything again)."""

    search_id: int


# -- table booking (handlers.bookings)


class BookAt(Payload, prefix="bka"):
    """Book a table at this store (a store card, storefront or deal card)."""

    store_id: int


class BookStore(Payload, prefix="bkw"):
    """The store chosen for the booking being asked about."""

    store_id: int


class BookParty(Payload, prefix="bkp"):
    """How many people (0: more than the buttons: type it)."""

    party: int


class BookDay(Payload, prefix="bkd"):
    """Which day: this many days after today (the store's calendar)."""

    offset: int


class BookSlot(Payload, prefix="bks"):
    """Book this start (UTC minutes since the epoch) for the party at the store."""

    store_id: int
    party: int
    at: int


class BookMove(Payload, prefix="bkm"):
    """Move one's booking to this start (UTC minutes since the epoch) and party."""

    booking_id: int
    party: int
    at: int


class MyBookings(Payload, prefix="bkl"):
    """`/bookings`: one's bookings."""


class BookChange(Payload, prefix="bkc"):
    """Change one's booking (day, time, party)."""

    booking_id: int


class BookCancelAsk(Payload, prefix="bkx"):
    """Cancel one's booking: asks to confirm."""

    booking_id: int


class BookCancel(Payload, prefix="bkxy"):
    """Yes, cancel one's booking."""

    booking_id: int


class BookLate(Payload, prefix="bkr"):
    """Running late for one's booking by this many minutes (0: ask how late)."""

    booking_id: int
    minutes: int


# (end of shopping)


# =========================================================================== selling
# deals, coupons, campaigns

# The fields of a deal its owner may change from the deal's page
# (`services.merchants.deals.EDITABLE`).
DealField = Literal["title", "price", "original_price", "stock", "valid_until", "group"]


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


class AdminPayables(Payload, prefix="ppy"):
    """Every merchant with money on its accounts (`/admin payables`)."""


class AdminWithdrawals(Payload, prefix="pwl"):
    """The referrers' withdrawals waiting for a transfer (`/admin withdrawals`)."""


class AdminPayoutPaid(Payload, prefix="ppd"):
    """Mark a requested withdrawal paid: asks for the transfer's reference."""

    payout_id: int


class AdminPayoutCancelAsk(Payload, prefix="pxa"):
    """Cancel a requested withdrawal: asks to confirm."""

    payout_id: int


class AdminPayoutCancel(Payload, prefix="pxc"):
    """The cancellation confirmed: the money is available to the referrer again."""

    payout_id: int


class AdminRefundAfterUse(Payload, prefix="prf"):
    """Refund a whole order after use (a dispute), as confirmed."""

    order_id: int


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


# =========================================================================== table bookings:
# the owner's seating (handlers.seating) and the staff's day (handlers.booking_staff)


class SeatingStore(Payload, prefix="seat"):
    """Set the seating of this store of the owner's (from /seating)."""

    store_id: int


class SeatingStop(Payload, prefix="seaq"):
    """Take no new bookings at this store (its tables and bookings are kept)."""

    store_id: int


class SeatingCancel(Payload, prefix="seax"):
    """Leave /seating; nothing changes."""


class StaffDay(Payload, prefix="bsd"):
    """Show a store's bookings of one local day (YYYYMMDD), one page of them."""

    store_id: int
    day: int
    page: int = 0


class StaffMark(Payload, prefix="bsm"):
    """Mark a confirmed booking arrived or a no-show, then draw its day's page again."""

    booking_id: int
    to: Literal["arrived", "no_show"]
    page: int = 0


class StaffWalkIn(Payload, prefix="bsw"):
    """Seat a walk-in at this store now: asks the party size."""

    store_id: int


class StaffWalkInParty(Payload, prefix="bsp"):
    """The walk-in's party size, at this store."""

    store_id: int
    party: int
