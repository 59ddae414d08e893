"""Telegram Mini App launch data (`initData`): checked before anything trusts it.

Telegram hands a Mini App a query string (`Telegram.WebApp.initData`); the page sends it
with every call and the web server (`bot/miniapp.py`) checks it here:

- the HMAC, per "Validating data received via the Mini App": every field but `hash`,
  as the decoded `key=value` pairs, sorted by key and joined with newlines, signed with
  HMAC-SHA256 keyed by HMAC-SHA256("WebAppData", bot token); compared in constant time.
  The pairs are the raw decoded strings, never parsed and re-encoded (a `user` JSON
  with escaped slashes must stay as it came);
- the Ed25519 `signature` when present ("Validating data for Third-Party Use"):
  "<bot id>:WebAppData" and the sorted pairs without `hash` and `signature`, checked
  with Telegram's public key;
- its age: `auth_date` no older than the caller's limit (an hour for buying; aiogram's
  helper checks no age) and not from the future;
- its shape: bounded size, each key once, `user` a JSON object with an integer id.

Launch modes differ (a menu button and an inline button carry `query_id`, a direct
link does not, iOS sends `chat_instance`/`chat_type` instead, an inline-mode button no
`user`): every field but `hash` and `auth_date` is optional, and the user is None when
there is none. Nothing of ours is imported: pure functions of their inputs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# Telegram's Ed25519 keys for third-party validation (core.telegram.org/bots/webapps).
TELEGRAM_PUBLIC_KEY = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
TELEGRAM_TEST_PUBLIC_KEY = "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"

INIT_DATA_MAX = 8192  # characters; real launch data is well under 2 KB
FIELDS_MAX = 32
USER_MAX = 2048  # characters of the `user` JSON
FUTURE_SKEW = timedelta(seconds=60)  # clocks differ a little; more than this is forged


class InitDataError(Exception):
    """Launch data that must not be trusted; `reason` says why (missing, too_big,
    malformed, duplicate_key, no_hash, bad_hash, bad_signature, no_auth_date, stale,
    from_future, bad_user)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user a validated launch names."""

    telegram_id: int
    first_name: str
    last_name: str
    username: str
    language_code: str | None


@dataclass(frozen=True)
class WebAppLaunch:
    """Validated launch data: who opened the app, when, and how."""

    auth_date: datetime
    user: WebAppUser | None  # None for launches that carry none (inline mode)
    query_id: str | None  # inline and menu buttons; not direct links
    start_param: str | None  # a direct link's startapp=..., when it came through
    chat_type: str | None
    chat_instance: str | None


def _pairs(raw: str) -> dict[str, str]:
    """The decoded pairs of `raw`, each key once, or InitDataError."""
    if not raw:
        raise InitDataError("missing")
    if len(raw) > INIT_DATA_MAX:
        raise InitDataError("too_big")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True,
                          max_num_fields=FIELDS_MAX, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:  # bad escapes, too many fields
        raise InitDataError("malformed") from exc
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InitDataError("duplicate_key")
        fields[key] = value
    return fields


def check_string(fields: dict[str, str], *, drop: tuple[str, ...] = ("hash",)) -> str:
    """Telegram's data-check string: the pairs but `drop`, sorted, one `key=value` a line."""
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in drop)


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _hash_of(fields: dict[str, str], bot_token: str) -> str:
    return hmac.new(_secret(bot_token), check_string(fields).encode(),
                    hashlib.sha256).hexdigest()


def _bot_id(bot_token: str) -> str:
    return bot_token.split(":", 1)[0]


def _signature_message(fields: dict[str, str], bot_token: str) -> bytes:
    body = check_string(fields, drop=("hash", "signature"))
    return f"{_bot_id(bot_token)}:WebAppData\n{body}".encode()


def _check_signature(fields: dict[str, str], bot_token: str, public_key: str) -> None:
    signature = fields["signature"]
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(raw, _signature_message(fields, bot_token))
    except (ValueError, InvalidSignature) as exc:
        raise InitDataError("bad_signature") from exc


def _user(text: str | None) -> WebAppUser | None:
    if text is None:
        return None
    if len(text) > USER_MAX:
        raise InitDataError("bad_user")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InitDataError("bad_user") from exc
    if not isinstance(data, dict):
        raise InitDataError("bad_user")
    user_id = data.get("id")
    if type(user_id) is not int or not 0 < user_id < 2**52:
        raise InitDataError("bad_user")

    def text_of(key: str, most: int = 128) -> str:
        value = data.get(key)
        return value[:most] if isinstance(value, str) else ""

    language = data.get("language_code")
    return WebAppUser(user_id, text_of("first_name"), text_of("last_name"),
                      text_of("username", 64),
                      language[:16] if isinstance(language, str) else None)


def validate_init_data(raw: str, bot_token: str, now: datetime, max_age: timedelta,
                       public_key: str | None = TELEGRAM_PUBLIC_KEY) -> WebAppLaunch:
    """The launch `raw` describes, once its hash (and signature, when present and a
    `public_key` is given) prove Telegram made it for this bot, no longer than `max_age`
    ago. Raises InitDataError otherwise; the caller answers 401 and changes nothing."""
    fields = _pairs(raw)
    given = fields.get("hash", "")
    if len(given) != 64:
        raise InitDataError("no_hash")
    if not hmac.compare_digest(_hash_of(fields, bot_token).encode(), given.encode()):
        raise InitDataError("bad_hash")
    if "signature" in fields and public_key:
        _check_signature(fields, bot_token, public_key)
    stamp = fields.get("auth_date", "")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise InitDataError("no_auth_date")
    when = datetime.fromtimestamp(int(stamp), tz=now.tzinfo)
    if when > now + FUTURE_SKEW:
        raise InitDataError("from_future")
    if now - when > max_age:
        raise InitDataError("stale")
    return WebAppLaunch(
        auth_date=when,
        user=_user(fields.get("user")),
        query_id=fields.get("query_id") or None,
        start_param=fields.get("start_param") or None,
        chat_type=fields.get("chat_type") or None,
        chat_instance=fields.get("chat_instance") or None,
    )


def sign_init_data(fields: dict[str, str], bot_token: str,
                   private_key: Ed25519PrivateKey | None = None) -> str:
    """Launch data as Telegram would make it for `bot_token` (tests, benchmarks and
    local trials, which have no Telegram): `fields` with `signature` (when a private
    key is given) and `hash` added, URL-encoded."""
    signed = dict(fields)
    signed.pop("hash", None)
    if private_key is not None:
        signed.pop("signature", None)
        raw = private_key.sign(_signature_message(signed, bot_token))
        signed["signature"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    signed["hash"] = _hash_of(signed, bot_token)
    return urlencode(signed)
