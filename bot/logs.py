"""What every log line goes through before it is written: the turn's context, and the
redaction of secrets.

- The turn's context: `update_id` and `user_id` (the user's internal id) are bound as
  context variables for the whole turn (`bot.transports.common.handle_update`,
  `handlers.router.load_user_and_state`) and merged into every line, the standard
  library's too (aiogram's, SQLAlchemy's).
- `redact` never lets out the bot token (`123456:AA...`, also inside a Bot API URL), a
  payment secret (Stripe's `sk_`/`rk_`/`whsec_` keys, a provider token) or a full
  redemption code (`7QH4-K2MX-9TDA` shows as `****-****-9TDA`): in any field, the
  message and a formatted traceback included. A field whose name says it holds a secret
  (`token`, `secret`, `password`, `authorization`, `api_key`) is hidden whole.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}")  # also in /bot<token>/
_PAYMENT_SECRET = re.compile(
    r"\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9]{8,}"
    r"|(?<!\d)\d{6,}:(?:LIVE|TEST):[A-Za-z0-9_-]{8,})")
# A redemption code as shown (three groups of four of Crockford's alphabet), or typed
# without separators (twelve such symbols with at least one digit and one letter).
_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}[- ][0-9A-HJKMNP-TV-Z]{4}[- ]"
                   r"([0-9A-HJKMNP-TV-Z]{4})\b")
_CODE_RUN = re.compile(r"\b(?=[0-9A-HJKMNP-TV-Z]*\d)(?=[0-9A-HJKMNP-TV-Z]*[A-Z])"
                       r"[0-9A-HJKMNP-TV-Z]{8}([0-9A-HJKMNP-TV-Z]{4})\b")
_SECRET_FIELDS = ("token", "secret", "password", "authorization", "api_key")


def redact_text(text: str) -> str:
    """`text` with bot tokens, payment secrets and full redemption codes hidden."""
    if not text:
        return text
    text = _TOKEN.sub("<bot-token>", text)
    text = _PAYMENT_SECRET.sub("<payment-secret>", text)
    text = _CODE.sub(r"****-****-\1", text)
    return _CODE_RUN.sub(r"********\1", text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redacted(v) for v in value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(str(value))


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: hide secrets in every field (see the module docstring).
    Runs after the traceback is formatted, before the renderer."""
    for key, value in list(event.items()):
        lowered = key.lower()
        if any(word in lowered for word in _SECRET_FIELDS) and value not in (None, ""):
            event[key] = "<hidden>"
        elif key in ("update_id", "user_id") and value is None:
            del event[key]  # not known (yet) on this line
        else:
            event[key] = _redacted(value)
    return event
