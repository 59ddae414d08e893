"""Settings: defaults, then an optional `config.toml`, then `O2O_*` environment variables.

Every key is documented, with its default, in `config.example.toml`; a test keeps the
two in step. A bad value stops start-up with one line naming the key (see
`ConfigError`), never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.pictures.poster import FONT_DIRS

ENV_PREFIX = "O2O_"
DEFAULT_CONFIG_FILE = "config.toml"


class ConfigError(Exception):
    """A setting is missing or wrong; `str()` is the one line shown to the operator."""


class Settings(BaseSettings):
    """All settings of the assistant. Field names are the TOML keys; env vars add `O2O_`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, case_sensitive=False,
        # Lists and tables from the environment are read by `_collection_from_text`
        # (123,456 or JSON or empty), not by pydantic-settings, which takes JSON only
        # and fails with a traceback.
        enable_decoding=False,
    )

    bot_token: SecretStr | None = Field(
        default=None, description="Telegram bot token from @BotFather; needed by `o2o run`."
    )
    telegram_payment_provider_token: SecretStr | None = Field(
        default=None,
        description="Provider token for Telegram Payments invoices (empty for Telegram Stars).",
    )
    bot_username: str = Field(
        default="o2o_demo_bot",
        description="Bot username for links made where Telegram can't be asked (the shell).",
    )
    api_base: str = Field(
        default="https://api.telegram.org",
        description="Bot API base URL; point it at a local Bot API server or the stand-in.",
    )
    transport: Literal["aiogram", "ptb"] = Field(
        default="aiogram",
        description="Telegram library for `o2o run`: aiogram or python-telegram-bot (ptb).",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///o2o.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://...",
    )
    default_language: Literal["zh", "en"] = "zh"
    default_timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    search_page_size: int = Field(default=5, ge=1, le=10)
    conversation_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)
    admin_ids: list[int] = Field(default_factory=list)
    seed_demo_on_empty: bool = True
    polling_timeout: int = Field(default=30, ge=0, le=50)
    updates_in_flight: int = Field(
        default=16, ge=1, le=1000,
        description="Updates handled at once; the rest wait in arrival order, and one "
                    "chat's updates go one at a time.")
    database_pool_size: int = Field(
        default=0, ge=0, le=500,
        description="PostgreSQL connections one worker's pool holds at most; 0: "
                    "updates_in_flight + 4. Each worker also holds one for the scheduler "
                    "election: keep workers x (this + 1) under the server's "
                    "max_connections, with room for everyone else.")
    updates_waiting_max: int = Field(
        default=200, ge=1, le=100_000,
        description="Long polling fetches more updates only while fewer than this wait.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "console", "json"] = Field(
        default="auto",
        description="Log lines as key=value (console) or JSON; auto: JSON unless on a terminal.")
    shell_files_dir: str = "o2o-files"
    payment_provider: Literal["sandbox", "telegram", "stripe"] = Field(
        default="sandbox",
        description="Who takes the money: sandbox (local test page), telegram, stripe.",
    )
    order_hold_minutes: int = Field(default=15, ge=1, le=24 * 60)
    stripe_secret_key: SecretStr | None = Field(
        default=None, description="Stripe secret key (sk_...); set it as O2O_STRIPE_SECRET_KEY."
    )
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="Signing secret of the Stripe webhook endpoint (whsec_...)."
    )
    stripe_api_base: str = Field(
        default="https://api.stripe.com",
        description="Stripe API base URL (a local stand-in in tests).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web server binds.")
    web_port: int = Field(default=8080, ge=0, le=65535,
                          description="Port of the web server (payment page, webhooks); 0: off.")
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="How buyers' browsers and providers reach the web server.",
    )
    webhook_url: str = Field(
        default="",
        description="`o2o run --webhook`: the https URL Telegram posts updates to (the "
                    "reverse proxy in front of the workers); empty: public_url + webhook_path.")
    webhook_path: str = Field(
        default="/telegram/webhook", pattern=r"^/[A-Za-z0-9_./-]{0,200}$",
        description="The path of the web server the webhook is served on.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The webhook's secret token (1-256 of A-Z a-z 0-9 _ -), checked on every "
                    "update; set it as O2O_WEBHOOK_SECRET.")
    webhook_max_connections: int = Field(
        default=40, ge=1, le=100,
        description="Most connections Telegram opens to the webhook at once (1-100).")
    webhook_drop_pending_updates: bool = Field(
        default=False,
        description="setWebhook drops the updates Telegram holds (every worker's start).")
    webhook_update_lease_seconds: int = Field(
        default=30, ge=2, le=600,
        description="A worker handling an update holds it this long, renewed while it "
                    "works; a dead worker's update is handled by the next retry after it.")
    redis_url: str = Field(
        default="",
        description="Redis for what workers share (redis://host:6379/0); empty: none.")
    redis_prefix: str = Field(
        default="o2o", pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Prefix of every Redis key of this deployment.")
    miniapp_buy_max_age_minutes: int = Field(
        default=60, ge=1, le=24 * 60,
        description="Mini App: launch data older than this may not buy, follow or claim.")
    miniapp_browse_max_age_minutes: int = Field(
        default=24 * 60, ge=1, le=7 * 24 * 60,
        description="Mini App: launch data older than this no longer shows the user's "
                    "follow state (the shop stays readable).")
    miniapp_public_key: str = Field(
        default="e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d",
        pattern=r"^([0-9a-f]{64})?$",
        description="Telegram's Ed25519 key (hex) for launch data's `signature`; empty: "
                    "the HMAC alone.")
    miniapp_photo_dir: str = Field(
        default="o2o-photos",
        description="Mini App: folder where deal photos fetched from Telegram are kept.")
    miniapp_photo_cache_mb: int = Field(
        default=64, ge=1, le=100_000,
        description="Mini App: the most the photo folder holds (MB); the least recently "
                    "shown go first.")
    poster_font: str = Field(
        default="",
        description="Font file for posters and charts (a CJK font for Chinese); empty: search.",
    )
    font_dirs: list[str] = Field(
        default_factory=lambda: list(FONT_DIRS),
        description="Folders searched for a CJK font (posters, charts); empty: none.",
    )
    push_rate: float = Field(default=30.0, gt=0, le=10_000,
                             description="Pushes sent per second, all chats together.")
    push_max_per_day: int = Field(default=2, ge=1, le=20,
                                  description="Most pushes a user gets per day (all merchants).")
    coupon_floor_percent: int = Field(
        default=10, ge=0, le=100,
        description="A new coupon that takes a deal below this share of its price (or to "
                    "nothing) is shown with a warning and needs a second confirmation.",
    )
    booking_no_show_deposit: int = Field(
        default=5000, ge=0, le=10_000_000,
        description="The deposit (minor units) a booking needs from someone with three "
                    "no-shows in 90 days, at a store that asks none itself; 0: none.",
    )
    platform_fee_percent: float = Field(
        default=5.0, ge=0, le=100,
        description="The platform's fee, in percent of what a buyer pays (merchants may "
                    "have their own, set by an admin).",
    )
    commission_cap_percent: float = Field(
        default=30.0, ge=0, le=100,
        description="The most a merchant's referral commissions (levels 1+2+3 together) "
                    "may be, in percent of what a buyer pays.",
    )
    referral_levels: int = Field(
        default=3, ge=1, le=3,
        description="How many levels above the buyer commissions go (1 to 3).",
    )
    commission_release_days: int = Field(
        default=7, ge=0, le=365,
        description="Days after a code is redeemed before its commissions can be withdrawn.",
    )

    # Running at scale (README "Running at scale"): shared limits, start-up, shutdown.
    send_rate: float = Field(
        default=30.0, gt=0, le=10_000,
        description="Messages a second the bot sends over all chats, all workers and the "
                    "push sender together (with Redis).")
    send_rate_per_chat: float = Field(
        default=1.0, gt=0, le=100, description="Messages a second to one private chat.")
    send_burst_per_chat: int = Field(
        default=3, ge=1, le=100,
        description="Messages that may go to one chat at once before its rate applies.")
    send_per_group_per_minute: int = Field(
        default=20, ge=1, le=1000, description="Messages a minute to one group chat.")
    flood_burst: int = Field(
        default=10, ge=0, le=1000,
        description="Messages a user may send at once before being slowed; 0: no flood "
                    "control.")
    flood_rate: float = Field(
        default=2.0, gt=0, le=1000,
        description="Messages a second a user is served at once they went over the burst.")
    startup_wait_seconds: float = Field(
        default=60.0, ge=0, le=3600,
        description="How long start-up waits for the database and Redis to answer.")
    shutdown_grace_seconds: float = Field(
        default=10.0, ge=0, le=600,
        description="On SIGTERM, how long updates in hand may take to finish.")

    @model_validator(mode="after")
    def _fee_and_cap_fit(self) -> Settings:
        if self.platform_fee_percent + self.commission_cap_percent > 100:
            raise ValueError("platform_fee_percent + commission_cap_percent exceed 100")
        return self

    @field_validator("*", mode="before")
    @classmethod
    def _collection_from_text(cls, value: Any, info: ValidationInfo) -> Any:
        kind = collection_kind(info.field_name or "")
        if kind is None or not isinstance(value, str):
            return value
        return parse_collection(value, kind)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        elif value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("api_base", "stripe_api_base", "public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an https:// URL (or empty: public_url + webhook_path)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix:// (empty: none)")
        return value

    def webhook_address(self) -> str:
        """The URL registered with setWebhook."""
        return self.webhook_url or self.public_url.rstrip("/") + self.webhook_path

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("must be an ISO 4217 code such as CNY")
        return value.upper()

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        digits, sep, rest = value.get_secret_value().strip().partition(":")
        if not (digits.isdigit() and sep and rest):
            raise ValueError("must look like 123456:ABC-DEF... (as @BotFather gives it)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file (the file's values arrive as init kwargs).
        return (env_settings, init_settings)


# Sample items per element type, for the examples in error messages.
_SAMPLES: dict[Any, tuple[str, str]] = {int: ("123", "456"), float: ("1.5", "2"),
                                        str: ("abc", "def")}


def collection_kind(name: str) -> type[list[Any]] | type[dict[Any, Any]] | None:
    """`list` or `dict` when the setting `name` holds a list or a table, else None."""
    field = Settings.model_fields.get(name)
    if field is None:
        return None
    annotation = field.annotation
    if get_origin(annotation) in (Union, type(int | None)):  # Optional[...]: the inner type
        annotation = next((a for a in get_args(annotation) if a is not type(None)), annotation)
    origin = get_origin(annotation) or annotation
    if origin in (list, tuple, set, frozenset):
        return list
    if origin is dict:
        return dict
    return None


def collection_example(name: str) -> str:
    """How to write the list or table setting `name` in the environment, e.g.
    `O2O_ADMIN_IDS=123,456 or O2O_ADMIN_IDS='[123, 456]' (empty: none)`."""
    env = ENV_PREFIX + name.upper()
    args = get_args(Settings.model_fields[name].annotation)
    if collection_kind(name) is dict:
        key, value = (_SAMPLES.get(a, _SAMPLES[str]) for a in (args or (str, str))[:2])
        return (f"{env}={key[0]}={value[0]},{key[1]}={value[1]} or "
                f"{env}='{json.dumps({key[0]: value[0], key[1]: value[1]})}' (empty: none)")
    first, second = _SAMPLES.get(args[0] if args else str, _SAMPLES[str])
    listed = json.dumps([first, second]) if not first[0].isdigit() else f"[{first}, {second}]"
    return f"{env}={first},{second} or {env}='{listed}' (empty: none)"


def parse_collection(text: str, kind: type) -> Any:
    """A list or table setting written as text: empty (none), JSON (`[123, 456]`,
    `{"a": "b"}`) or comma-separated (`123,456`; `a=b,c=d` for a table). Items are
    checked by the model afterwards; a shape that cannot be read raises ValueError."""
    text = text.strip()
    if not text:
        return kind()
    if text[0] in "[{":
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
        if not isinstance(value, kind):
            raise ValueError(f"must be a {'table' if kind is dict else 'list'}")
        return value
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError("has an empty item between commas")
    if kind is list:
        return items
    pairs = [item.partition("=") for item in items]
    if not all(sep and key.strip() for key, sep, _ in pairs):
        raise ValueError("each item must be written key=value")
    return {key.strip(): value.strip() for key, _, value in pairs}


def _describe(error: dict[str, Any], from_file: set[str], config_path: Path | None) -> str:
    loc = error.get("loc", ())
    key = ".".join(str(p) for p in loc) or "?"
    field = key.split(".")[0]
    env_name = ENV_PREFIX + field.upper()
    in_env = env_name in os.environ
    if in_env:
        where = env_name
    elif field in from_file and config_path is not None:
        where = f"{config_path}: {field}"
    else:
        where = field
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "unknown setting (see config.example.toml for the keys)"
    elif collection_kind(field) is not None:
        if len(loc) > 1:  # one item is wrong: say which
            place = loc[1] + 1 if isinstance(loc[1], int) else loc[1]
            message = f"item {place} ({error.get('input')!r}): {message}"
        example = collection_example(field)
        if not in_env:  # the TOML spelling: the JSON form without the quotes
            example = f"{field} = " + example.split("'")[1]
        message = f"{message}; write it like {example}"
    return f"config error: {where}: {message}"


def load_settings(config_path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings; raise ConfigError with one clear line if anything is wrong.

    `config_path` defaults to $O2O_CONFIG, then ./config.toml when it exists. `overrides`
    (from command-line flags) win over everything.
    """
    path: Path | None = None
    if config_path is None:
        config_path = os.environ.get("O2O_CONFIG")
        if config_path is None and Path(DEFAULT_CONFIG_FILE).is_file():
            config_path = DEFAULT_CONFIG_FILE
    file_values: dict[str, Any] = {}
    if config_path is not None:
        path = Path(config_path)
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config error: {path}: file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config error: {path}: not valid TOML ({exc})") from None
    values = {**file_values, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        if overrides:
            # Flags beat the environment too: apply them after loading.
            base = Settings(**file_values)
            return base.model_copy(update=_validated_overrides(overrides))
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0], set(file_values), path)) from None


def _validated_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in overrides.items() if v is not None}
    if not clean:
        return {}
    # Validate each flag through the model so flags get the same checks as the file.
    checked = Settings.model_validate({**clean})
    return {k: getattr(checked, k) for k in clean}
