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

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
    order_id: int = Field(foreign_key="orders.id", index=True)
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


class SavedSearch(SQLModel, table=True):
    """A search a user ran, so the page buttons of an old result message keep working."""

    __tablename__ = "saved_searches"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    query: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


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


def table_names() -> list[str]:
    """Names of all tables, in dependency order."""
    return [t.name for t in SQLModel.metadata.sorted_tables]
