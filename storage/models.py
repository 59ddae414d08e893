"""SQLModel tables: one class per table, the only place the schema is declared.

Conventions:
- money is an integer in minor units (fen for CNY) plus an ISO 4217 `currency`;
- timestamps are `UTCDateTime` (stored naive UTC, read back aware);
- Telegram ids are 64-bit (`BigInteger`);
- bilingual text has `_zh` and `_en` columns, at least one filled; display code
  falls back to the other language.

Alembic migrations in `storage/migrations` must match this file; a test compares them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class MerchantStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class DealStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class RefundPolicy(StrEnum):
    ANYTIME = "anytime"  # 随时退
    ON_EXPIRY = "on_expiry"  # 过期退
    NONE = "none"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class GroupStatus(StrEnum):
    OPEN = "open"  # taking members until `BuyGroup.closes_at`
    FILLED = "filled"  # every seat paid: its members' codes were issued
    FAILED = "failed"  # closed unfilled: its members were refunded


class CodeStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    VOID = "void"
    EXPIRED = "expired"


class User(SQLModel, table=True):
    """A Telegram user (shopper, staff or merchant owner alike)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    first_name: str = Field(default="", max_length=128)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)  # as Telegram reports it
    language: str | None = Field(default=None, max_length=8)  # chosen in settings; wins
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    last_lat: float | None = None
    last_lon: float | None = None
    last_location_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    referral_code: str | None = Field(default=None, max_length=16, unique=True, index=True)
    referred_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    # Push settings (/settings). Quiet hours are minutes after local midnight; a window
    # that wraps midnight (22:00-08:00) has start > end.
    push_paused: bool = False
    push_max_per_day: int | None = None  # None: the platform default
    quiet_start: int = 22 * 60
    quiet_end: int = 8 * 60
    unreachable_since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # blocked us
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Merchant(SQLModel, table=True):
    """A business on the platform; owns stores and deals."""

    __tablename__ = "merchants"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=32, unique=True, index=True)
    name_zh: str | None = Field(default=None, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    category: str = Field(max_length=32)
    description_zh: str | None = Field(default=None, max_length=1000)
    description_en: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=32)
    rating_sum: int = 0  # sum of 1..5 star ratings; average = sum / count
    rating_count: int = 0
    status: str = Field(default=MerchantStatus.PENDING, max_length=16, index=True)
    owner_user_id: int | None = Field(default=None, foreign_key="users.id")
    # Money (`services.ledger`), in basis points of the paid amount (500 = 5%): the
    # platform's fee when it differs from `MoneyRules.fee_bp`, and the referral
    # commissions the merchant pays on its deals (levels 1, 2, 3) unless a deal says.
    fee_bp: int | None = None
    commission_l1_bp: int = 0
    commission_l2_bp: int = 0
    commission_l3_bp: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Store(SQLModel, table=True):
    """A physical shop of a merchant, where codes are redeemed."""

    __tablename__ = "stores"
    __table_args__ = (Index("ix_stores_lat_lon", "lat", "lon"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    key: str | None = Field(default=None, max_length=64, unique=True)  # stable import key
    name_zh: str | None = Field(default=None, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    address_zh: str | None = Field(default=None, max_length=300)
    address_en: str | None = Field(default=None, max_length=300)
    lat: float
    lon: float
    opening_hours: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    # IANA zone of the store's wall clock (hours, booking slots); None: the default.
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Deal(SQLModel, table=True):
    """A group-buy voucher on sale: pay online, use in store."""

    __tablename__ = "deals"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    key: str | None = Field(default=None, max_length=64, unique=True)  # stable import key
    title_zh: str | None = Field(default=None, max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    description_zh: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    usage_rules_zh: str | None = Field(default=None, max_length=1000)
    usage_rules_en: str | None = Field(default=None, max_length=1000)
    category: str = Field(max_length=32, index=True)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price: int  # minor units
    original_price: int  # minor units
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    stock: int | None = None  # units left to sell; None = unlimited
    sold: int = 0
    per_user_limit: int = 1
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DealStatus.DRAFT, max_length=16, index=True)
    refund_policy: str = Field(default=RefundPolicy.ANYTIME, max_length=16)
    photo: str | None = Field(default=None, max_length=300)  # file path or Telegram file_id
    search_text: str = Field(default="", max_length=8000)  # lower-cased words for matching
    # A group deal (拼团, `services.orders.groups`): `group_size` people (2-50) who pay
    # `group_price` each within `group_hours` of the group opening; None: not one.
    group_size: int | None = None
    group_price: int | None = None  # minor units, below `price`
    group_hours: int | None = None
    # This deal's referral commissions (basis points, levels 1-3); None: the merchant's.
    commission_l1_bp: int | None = None
    commission_l2_bp: int | None = None
    commission_l3_bp: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DealStore(SQLModel, table=True):
    """Which stores a deal can be redeemed at."""

    __tablename__ = "deal_stores"
    # Covering index for "the deals of these stores" (the radius query's join).
    __table_args__ = (Index("ix_deal_stores_store_deal", "store_id", "deal_id"),)

    deal_id: int = Field(foreign_key="deals.id", primary_key=True)
    store_id: int = Field(foreign_key="stores.id", primary_key=True)


class Order(SQLModel, table=True):
    """A purchase of `quantity` units of a deal; moves along its state machine only."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    deal_id: int = Field(foreign_key="deals.id", index=True)
    quantity: int
    unit_price: int
    discount: int = 0
    total: int
    currency: str = Field(min_length=3, max_length=3)
    status: str = Field(default=OrderStatus.PENDING, max_length=16, index=True)
    provider: str | None = Field(default=None, max_length=32)
    provider_ref: str | None = Field(default=None, max_length=200, unique=True)
    charge_id: str | None = Field(default=None, max_length=200, unique=True)  # the payment
    refunded: int = 0  # minor units given back so far
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    coupon_id: int | None = Field(default=None, foreign_key="coupons.id")  # gave `discount`
    # A seat in a 拼团 group: its codes are issued when the group fills.
    group_id: int | None = Field(default=None, foreign_key="buy_groups.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the buyer of an expired order was told its hold ran out (and its payment
    # closed at the provider); None while that is still to do.
    expiry_told_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BuyGroup(SQLModel, table=True):
    """A 拼团 group of a group deal: it fills when `size` members have paid before
    `closes_at`, else every member is refunded (`services.orders.groups`)."""

    __tablename__ = "buy_groups"
    __table_args__ = (Index("ix_buy_groups_status_closes", "status", "closes_at"),
                      Index("ix_buy_groups_deal_status", "deal_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deals.id")
    opener_id: int = Field(foreign_key="users.id")
    size: int
    held: int = 0  # seats taken: members, and orders being paid (released with the hold)
    joined: int = 0  # members: paid orders
    status: str = Field(default=GroupStatus.OPEN, max_length=16)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # filled or failed


class Seating(SQLModel, table=True):
    """How a store takes table bookings (`services.bookings`): its slot grid, how long a
    sitting lasts, how far ahead it books, and its deposit. Tables are `TableType` rows."""

    __tablename__ = "seatings"

    store_id: int = Field(foreign_key="stores.id", primary_key=True)
    slot_minutes: int = 30  # offered start times, every this many minutes
    stay_minutes: int = 90  # a sitting occupies the table this long
    horizon_days: int = 14  # bookable this many days ahead
    last_seating_minutes: int = 60  # the last start, this long before closing
    closed_days: str = Field(default="", max_length=7)  # weekday digits, 0 = Monday
    deposit: int = 0  # minor units per booking; 0: none (unless the booker's no-shows)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    cancel_hours: int = 2  # a deposit comes back on a cancellation this long before
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TableType(SQLModel, table=True):
    """`tables` tables of `seats` seats at a store; 0 tables: no longer offered (kept
    for its bookings)."""

    __tablename__ = "table_types"
    __table_args__ = (UniqueConstraint("store_id", "seats"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="stores.id", index=True)
    seats: int
    tables: int


class TableUnit(SQLModel, table=True):
    """How many tables of a type are taken in one 15-minute unit (UTC start). A booking
    takes every unit its stay overlaps with one conditional UPDATE (`taken < tables`)."""

    __tablename__ = "table_units"
    __table_args__ = (UniqueConstraint("table_type_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    table_type_id: int = Field(foreign_key="table_types.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    taken: int = 0


class BookingStatus(StrEnum):
    HELD = "held"  # the table is held while its deposit is paid
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    COMPLETED = "completed"  # the sitting passed unmarked
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # the deposit was not paid in time


class Booking(SQLModel, table=True):
    """A table booked at a store for `party` people, `starts_at` to `ends_at` (UTC)."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_store_starts", "store_id", "starts_at"),
                      Index("ix_bookings_user_starts", "user_id", "starts_at"),
                      Index("ix_bookings_status_hold", "status", "hold_until"))

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)  # shown at the door
    store_id: int = Field(foreign_key="stores.id")
    table_type_id: int = Field(foreign_key="table_types.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")  # None: a walk-in
    name: str | None = Field(default=None, max_length=60)
    party: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=BookingStatus.CONFIRMED, max_length=16)
    walk_in: bool = False
    deposit: int = 0  # minor units asked (0: none)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    provider: str | None = Field(default=None, max_length=32)
    provider_ref: str | None = Field(default=None, max_length=200, unique=True)
    charge_id: str | None = Field(default=None, max_length=200, unique=True)
    deposit_paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hold_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late_minutes: int = 0  # "running late" said by the booker
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # left CONFIRMED


class StaffRole(StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class MerchantStaff(SQLModel, table=True):
    """Who may act for a merchant: its owner and its staff (optionally tied to one store)."""

    __tablename__ = "merchant_staff"
    __table_args__ = (UniqueConstraint("merchant_id", "user_id", name="uq_staff_merchant_user"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(default=StaffRole.STAFF, max_length=16)
    store_id: int | None = Field(default=None, foreign_key="stores.id")  # None: every store
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffInvite(SQLModel, table=True):
    """A one-time link an owner shares to make someone staff of the merchant."""

    __tablename__ = "staff_invites"

    token: str = Field(primary_key=True, max_length=32)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, foreign_key="users.id")
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RedemptionCode(SQLModel, table=True):
    """One unit of a paid order, shown at the counter; redeemed at most once."""

    __tablename__ = "redemption_codes"
    __table_args__ = (Index("ix_redemption_codes_status_until", "status", "valid_until"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    deal_id: int = Field(foreign_key="deals.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(default=CodeStatus.ISSUED, max_length=16)
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_by: int | None = Field(default=None, foreign_key="users.id")
    redeemed_store_id: int | None = Field(default=None, foreign_key="stores.id")
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the shopper was asked to rate the visit: once per code, even when a
    # redemption is undone and the code redeemed again.
    rating_asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RedemptionRequest(SQLModel, table=True):
    """The one-time id a redemption confirm carries: a double tap redeems once."""

    __tablename__ = "redemption_requests"

    id: str = Field(primary_key=True, max_length=24)
    code_id: int = Field(foreign_key="redemption_codes.id", index=True)
    staff_user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16)


class RedemptionAttempt(SQLModel, table=True):
    """The audit trail: every check, confirm and undo, with who did it and how it went."""

    __tablename__ = "redemption_attempts"
    __table_args__ = (Index("ix_redemption_attempts_user_time", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    action: str = Field(max_length=16)  # check, confirm, undo
    entered: str = Field(default="", max_length=40)  # what was typed, cut short
    code_id: int | None = Field(default=None, foreign_key="redemption_codes.id")
    store_id: int | None = Field(default=None, foreign_key="stores.id")
    outcome: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RedemptionLock(SQLModel, table=True):
    """A person locked out of redeeming after too many wrong codes."""

    __tablename__ = "redemption_locks"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    locked_until: datetime = Field(sa_type=UTCDateTime)


class Refund(SQLModel, table=True):
    """Money going back for some codes of an order; retried until the provider agrees."""

    __tablename__ = "refunds"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    # A booking's deposit going back (then `order_id` is None and `codes` 0).
    booking_id: int | None = Field(default=None, foreign_key="bookings.id", index=True)
    provider: str = Field(max_length=32)
    charge_id: str = Field(max_length=200, index=True)  # the payment the money goes back to
    amount: int  # minor units
    currency: str = Field(min_length=3, max_length=3)
    codes: int  # how many codes it covers
    reason: str = Field(max_length=16)  # shopper, expired, late_payment, double_payment
    status: str = Field(default="pending", max_length=16, index=True)  # pending, done, manual
    reference: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VisitRating(SQLModel, table=True):
    """A shopper's 1-5 stars for a redeemed code's visit (one per code)."""

    __tablename__ = "visit_ratings"

    code_id: int = Field(foreign_key="redemption_codes.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    stars: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Follow(SQLModel, table=True):
    """A user following a merchant (for its pushes and storefront)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "merchant_id", name="uq_follows_user_merchant"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    source: str = Field(default="bot", max_length=32)  # bot, poster, deal_card, text
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConversationState(SQLModel, table=True):
    """Where a user is in a multi-step flow, per chat; any worker can continue it."""

    __tablename__ = "conversation_states"

    chat_id: int = Field(sa_type=BigInteger, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, primary_key=True)  # Telegram id
    flow: str = Field(max_length=32)
    step: str = Field(default="", max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VocabularyVersion(SQLModel, table=True):
    """One row: how many times what the NLU parser knows has changed (merchants approved,
    suspended or restored; deals published, renamed, paused, resumed or ended; places
    imported). Bumped in the transaction of the change; every process compares its
    parser's version with it and rebuilds the parser when it moved."""

    __tablename__ = "vocabulary_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class SchedulerLeader(SQLModel, table=True):
    """One row: the scheduler role's fencing epoch. Each worker that becomes the leader
    (`bot.scale.leader`) adds one and keeps the number; the leader's writes that matter
    (push claims, campaign runs) check it in their transaction, so a deposed leader's
    late write is refused (`services.platform.fencing`)."""

    __tablename__ = "scheduler_leader"

    id: int = Field(default=1, primary_key=True)
    epoch: int = Field(default=0, sa_type=BigInteger)
    holder: str = Field(default="", max_length=200)
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SavedSearch(SQLModel, table=True):
    """A search a user ran, so the page buttons of an old result message keep working."""

    __tablename__ = "saved_searches"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    query: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # A search the user typed (not a re-sort or a page of an old one): the database logs
    # its "search" event as the row goes in (a trigger, migration 0013; a later SQLite
    # migration that rebuilds this table must create the trigger again).
    logged: bool = False


class Event(SQLModel, table=True):
    """Something a user did that tells us about their taste (search, view, buy, ...).

    Feeds ranking now and push personalization later; kept small on purpose.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_user_time", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=16)  # search, view, click, buy, redeem, push_opened, ...
    category: str | None = Field(default=None, max_length=32)
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    merchant_id: int | None = Field(default=None, foreign_key="merchants.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Place(SQLModel, table=True):
    """A named place people type instead of sharing a location (the gazetteer)."""

    __tablename__ = "places"

    id: int | None = Field(default=None, primary_key=True)
    name_zh: str = Field(max_length=80, index=True)
    name_en: str = Field(default="", max_length=120)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    kind: str = Field(default="landmark", max_length=16)  # district, landmark, mall, metro
    city: str = Field(default="", max_length=40)
    lat: float
    lon: float


class CouponKind(StrEnum):
    AMOUNT_OFF = "amount_off"  # 满减: `amount_off` off an order of at least `min_spend`
    PERCENT_OFF = "percent_off"  # 折扣: `percent_off` % off, at most `cap`
    FREE_ITEM = "free_item"  # 赠品: `item` free at the counter


class CouponTemplateStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    EXHAUSTED = "exhausted"  # every coupon of `total_quantity` claimed


class CouponTemplate(SQLModel, table=True):
    """A kind of coupon a merchant hands out; users claim `Coupon`s of it."""

    __tablename__ = "coupon_templates"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    kind: str = Field(max_length=16)
    title_zh: str | None = Field(default=None, max_length=120)
    title_en: str | None = Field(default=None, max_length=120)
    item_zh: str | None = Field(default=None, max_length=120)  # FREE_ITEM: what is free
    item_en: str | None = Field(default=None, max_length=120)
    amount_off: int = 0  # minor units
    percent_off: int = 0  # 1..99
    cap: int | None = None  # minor units; PERCENT_OFF's largest discount
    min_spend: int = 0  # minor units
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    valid_days: int | None = None  # a claimed coupon is good this many days...
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # ...and not after
    total_quantity: int | None = None  # None: unlimited
    claimed: int = 0
    per_user_limit: int = 1
    welcome: bool = False  # dropped into the wallet of whoever follows the merchant
    status: str = Field(default=CouponTemplateStatus.ACTIVE, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    HELD = "held"  # applied to a pending order
    USED = "used"
    EXPIRED = "expired"


class Coupon(SQLModel, table=True):
    """A coupon in a user's wallet (`/coupons`)."""

    __tablename__ = "coupons"
    __table_args__ = (Index("ix_coupons_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="coupon_templates.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    status: str = Field(default=CouponStatus.AVAILABLE, max_length=16)
    source: str = Field(default="claim", max_length=16)  # welcome, campaign, claim
    claim_key: str = Field(max_length=64, unique=True)  # one claim per key, however often tapped
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"  # a one-off campaign that ran
    CANCELLED = "cancelled"
    MISSED = "missed"  # a one-off whose time and whole window passed without a run


class Campaign(SQLModel, table=True):
    """A merchant's push to followers: what, to whom, when (once or recurring)."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchants.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    template_id: int | None = Field(default=None, foreign_key="coupon_templates.id")
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    audience: str = Field(max_length=16)  # all, nearby, interest, lapsed
    radius_m: int | None = None  # nearby: within this of any of the merchant's stores
    category: str | None = Field(default=None, max_length=32)  # interest
    schedule: str = Field(max_length=8)  # once, weekly, daily
    run_at: datetime = Field(sa_type=UTCDateTime)  # once: when; recurring: the first time
    weekday: int | None = None  # weekly: 0 = Monday
    local_time: int = 0  # recurring: minutes after midnight in `timezone`
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    window_minutes: int = 180  # pushes go out within this long after each start
    status: str = Field(default=CampaignStatus.SCHEDULED, max_length=16, index=True)
    report_chat_id: int | None = Field(default=None, sa_type=BigInteger)  # the merchant's chat
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignRun(SQLModel, table=True):
    """One occurrence of a campaign: planned once, whatever fires it how often."""

    __tablename__ = "campaign_runs"
    __table_args__ = (UniqueConstraint("campaign_id", "occurrence", name="uq_runs_occurrence"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    occurrence: datetime = Field(sa_type=UTCDateTime)  # the scheduled start
    window_end: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="sending", max_length=16, index=True)  # sending, done
    audience_size: int = 0
    progress_message_id: int | None = Field(default=None, sa_type=BigInteger)
    coupon_gone: bool = False  # the coupon ran out; the merchant was told
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryStatus(StrEnum):
    PLANNED = "planned"  # waiting for `send_at`
    SENDING = "sending"  # handed to Telegram; never sent again, whatever happens next
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot (403)
    FAILED = "failed"  # Telegram refused it (400) or the network kept failing
    DROPPED = "dropped"  # no allowed moment left in the window, or nothing left to offer
    SUPERSEDED = "superseded"  # another campaign the user is likelier to use won
    CAPPED = "capped"  # the user's daily maximum was reached


class Delivery(SQLModel, table=True):
    """One push to one user for one campaign run; the unique key makes it at-most-once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", name="uq_deliveries_run_user"),
        Index("ix_deliveries_status_send_at", "status", "send_at"),
        Index("ix_deliveries_status_window_end", "status", "window_end"),
        Index("ix_deliveries_user_send_at", "user_id", "send_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="campaign_runs.id")
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    chat_id: int = Field(sa_type=BigInteger)
    send_at: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DeliveryStatus.PLANNED, max_length=16)
    deferred: bool = False  # moved later than the start (quiet hours, cap, usual hour)
    score: float = 0.0  # how likely the user is to use it (personalization)
    reason: str | None = Field(default=None, max_length=32)  # why dropped / failed
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxStatus(StrEnum):
    PENDING = "pending"  # owed, not handed to Telegram yet (or put back after a 5xx)
    SENDING = "sending"  # claimed by the sender: on its way
    SENT = "sent"
    FAILED = "failed"  # refused for good (blocked, bad request, attempts used up)
    IN_DOUBT = "in_doubt"  # found `sending` after a crash: it may have arrived; never re-sent
    DROPPED = "dropped"  # no longer owed before it was due (a cancelled booking's reminder)


class OutboxMessage(SQLModel, table=True):
    """A message the system owes someone, written in the same transaction as the change
    it reports; `bot.outbox` renders it (kind + params, in the recipient's language at
    send time) and delivers it once. `dedupe_key` makes one event one row."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_try_at", "status", "next_try_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str = Field(max_length=96, unique=True, index=True)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_try_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)
    # Who took the row to send it (a process's outbox taker id, `services.platform.outbox`):
    # a `sending` row is in doubt only once its taker is gone.
    taken_by: int | None = Field(default=None, sa_type=BigInteger)


class TasteProfile(SQLModel, table=True):
    """What the event log says about a user, kept up to date for planning pushes."""

    __tablename__ = "taste_profiles"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    affinity: dict[str, float] = Field(default_factory=dict,
                                       sa_column=Column(JSON, nullable=False))
    price_median: int | None = None  # minor units, of deals viewed or bought
    lat: float | None = None  # usual area
    lon: float | None = None
    active_hour: int | None = None  # usual local hour of activity, 0..23
    events: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MoneyRules(SQLModel, table=True):
    """One row: the platform's money settings as every process applies them (written
    from the configuration at start-up, `services.ledger.rules`). Basis points of the
    paid amount: 500 = 5%."""

    __tablename__ = "money_rules"

    id: int = Field(default=1, primary_key=True)
    fee_bp: int = 500  # the platform's fee unless the merchant has its own
    commission_cap_bp: int = 3000  # levels 1+2+3 of any deal together at most this
    referral_levels: int = 3  # commissions go this many levels above the buyer (1..3)
    release_after_days: int = 7  # a commission is available this long after redemption


class LedgerAccount(SQLModel, table=True):
    """A balance in the books: a kind (`services.ledger.books.AccountKind`) and whose
    it is (`ref`: a provider, a merchant id, a user id; "" for the platform's own)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("kind", "ref", "currency", name="uq_ledger_account"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    ref: str = Field(default="", max_length=40)
    currency: str = Field(min_length=3, max_length=3)


class LedgerEntry(SQLModel, table=True):
    """One money event, posted once (`key` is its cause) and never changed: a
    correction is another entry (`reverses_id`). Its lines sum to zero."""

    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=96, unique=True, index=True)
    kind: str = Field(max_length=24, index=True)
    currency: str = Field(min_length=3, max_length=3)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    code_id: int | None = Field(default=None, foreign_key="redemption_codes.id", index=True)
    refund_id: int | None = Field(default=None, foreign_key="refunds.id")
    payout_id: int | None = Field(default=None, foreign_key="payouts.id")
    reverses_id: int | None = Field(default=None, foreign_key="ledger_entries.id", index=True)
    posted_at: datetime = Field(sa_type=UTCDateTime, index=True)


class LedgerLine(SQLModel, table=True):
    """An amount on one account (minor units; debit positive, credit negative)."""

    __tablename__ = "ledger_lines"
    __table_args__ = (Index("ix_ledger_lines_account_entry", "account_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledger_entries.id", index=True)
    account_id: int = Field(foreign_key="ledger_accounts.id")
    amount: int
    order_id: int | None = Field(default=None, index=True)  # the entry's, for per-order sums
    detail: str = Field(default="", max_length=16)  # sale, coupon, fee, l1, l2, l3, ...


class PayoutStatus(StrEnum):
    REQUESTED = "requested"
    PAID = "paid"
    CANCELLED = "cancelled"


class Payout(SQLModel, table=True):
    """Money the platform transfers out (outside the bot): to a merchant from its
    payable, or to a user from their available commission."""

    __tablename__ = "payouts"

    id: int | None = Field(default=None, primary_key=True)
    payee: str = Field(max_length=16)  # merchant, user
    payee_id: int = Field(index=True)
    amount: int
    currency: str = Field(min_length=3, max_length=3)
    status: str = Field(default=PayoutStatus.REQUESTED, max_length=16, index=True)
    reference: str | None = Field(default=None, max_length=120)  # the transfer's, when paid
    requested_by: int = Field(foreign_key="users.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    paid_by: int | None = Field(default=None, foreign_key="users.id")
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UpdateSeen(SQLModel, table=True):
    """A Telegram update a webhook worker took (`services.platform.update_ids`, on the
    embedded default: without Redis). "taking" while a worker handles it, held until
    `until_ms` (renewed while it works; a dead worker's lease runs out and the next retry
    takes it); "done" once handled, kept a day so a repeated delivery changes nothing;
    "unsent" once handled with replies not yet known to have gone out (`replies`, held
    under the lease until `until_ms` as a taking is, then plain "done")."""

    __tablename__ = "update_ledger"

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True,
                                            autoincrement=False))
    state: str = Field(max_length=8)  # taking, unsent, done
    holder: str = Field(max_length=32)  # the taker's token
    until_ms: int = Field(sa_type=BigInteger, index=True)  # lease end; done: when done
    replies: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
