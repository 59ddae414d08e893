"""A webhook turn's replies as the text the update-id ledger keeps with its done-mark,
and back (`services.platform.update_ids`: "unsent" until they went out).

A worker killed after an update's done-mark and before its replies all went out left
them in the ledger; the worker that takes the update's next delivery sends them again
(`bot.webhook`). So only what can be sent again, and should be, is kept:

- messages (texts with their buttons or keyboard, photos, documents, venues, invoices,
  edits, the chat's menu button, `Notify` for another chat), field by field as JSON;
- not the answers to a button press, a pre-checkout or an inline query: Telegram takes
  them only for a few seconds, and a delivery again comes after a lease;
- not an outbox row claimed in the turn (`Delivered` and the messages it covers): owed
  messages stay the outbox's (a row left `sending` by a dead worker is in doubt, never
  sent again);
- picture and file bytes up to `BYTES_KEPT_MAX` each (a QR code, a chart); a larger one
  is kept as its caption in a text message (with its buttons), or left out when it has
  none: the ledger is no file store. A Telegram file id is kept as it is.

JSON keeps every character (emoji, CJK) as it is; bytes go as base64.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import typing
from typing import Any

import structlog

from handlers.core import (
    AnswerButton,
    AnswerInline,
    AnswerPreCheckout,
    Button,
    Delivered,
    InlineResult,
    KeyButton,
    Notify,
    Reply,
    SendDocument,
    SendPhoto,
    SendText,
)

log = structlog.get_logger("o2o.webhook")

BYTES_KEPT_MAX = 64 * 1024  # a picture's or a file's bytes kept for a second try
_EXPIRING = (AnswerButton, AnswerPreCheckout, AnswerInline)
_TYPES: dict[str, type] = {cls.__name__: cls for cls in (
    *typing.get_args(Reply), Button, KeyButton, InlineResult)}


def keep(chat_id: int, replies: list[Reply]) -> str | None:
    """The replies of a turn in `chat_id` as the ledger keeps them; None when nothing
    is worth sending again (see the module docstring)."""
    kept: list[Reply] = []
    for reply in replies:
        if isinstance(reply, Delivered):  # the outbox's: drop the messages it covers
            _drop_last(kept, reply.messages)
        elif not isinstance(reply, _EXPIRING):
            kept.append(reply)
    kept = [small for reply in kept if (small := _small(reply)) is not None]
    if not kept:
        return None
    return json.dumps({"chat": chat_id, "replies": [_encode(r) for r in kept]},
                      ensure_ascii=False, separators=(",", ":"))


def restore(text: str) -> tuple[int, list[Reply]]:
    """The chat and the replies `keep` kept."""
    data = json.loads(text)
    return int(data["chat"]), [_decode(r) for r in data["replies"]]


def _drop_last(kept: list[Reply], messages: int) -> None:
    """Remove the last `messages` messages (a `Notify` counts each one it carries)."""
    while messages > 0 and kept:
        last = kept.pop()
        if isinstance(last, Notify) and len(last.replies) > messages:
            kept.append(Notify(last.chat_id, last.replies[:-messages]))
            return
        messages -= len(last.replies) if isinstance(last, Notify) else 1


def _small(reply: Reply) -> Reply | None:
    """The reply as kept: bytes over `BYTES_KEPT_MAX` become the caption alone."""
    if isinstance(reply, Notify):
        inner = [s for r in reply.replies if (s := _small(r)) is not None]
        return Notify(reply.chat_id, tuple(inner)) if inner else None  # type: ignore[arg-type]
    data = (reply.photo if isinstance(reply, SendPhoto) else
            reply.data if isinstance(reply, SendDocument) else None)
    if not isinstance(data, bytes) or len(data) <= BYTES_KEPT_MAX:
        return reply
    log.info("reply too large to keep; its caption kept", bytes=len(data))
    assert isinstance(reply, SendPhoto | SendDocument)
    if not reply.caption:
        return None
    buttons = reply.buttons if isinstance(reply, SendPhoto) else ()
    return SendText(reply.caption, buttons=buttons)


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                  if getattr(value, f.name) != f.default}
        return {"_": type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "b64" in value:
            return base64.b64decode(value["b64"])
        cls = _TYPES[value["_"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "_"})
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value
