"""Campaign pushes and plain text replies straight to the Bot API: one JSON `sendMessage`.

A broadcast at 1,000 pushes a second spent about 0.7 ms of CPU per push inside
aiogram (building the method as a pydantic model, form-encoding it, validating
Telegram's answer back into a full `Message`): 70% of a core before any of our own
work, which held the sender under its rate. A push needs none of that. It is one text
with inline buttons, and of the answer only the message id or the error matters. Both
transports therefore hand pushes to this lane, on one pooled aiohttp session to the
same API base. Anything that is not such a text goes to the transport's own sender.

A chat turn's text replies are the same kind of message (a result list: a text and a
dozen buttons, about thirty pydantic models there and back through aiogram), and so
are its pictures (a code's QR, a deal's photo: one multipart `sendPhoto`, whose answer
aiogram would read into a full `Message` with every size of the photo), so the
transports send those here too (`send_reply`, `carries`), under their usual retry
policy.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from bot.runtime import Pusher, PushOutcome
from handlers.core import (
    TELEGRAM_CAPTION_MAX,
    TELEGRAM_TEXT_MAX,
    AnswerButton,
    Button,
    Buttons,
    EditText,
    Reply,
    SendPhoto,
    SendText,
)

CONNECTIONS = 200  # open to the Bot API at once: 1,000/s at answers of up to 0.2 s
TIMEOUT = 30.0  # seconds a push may take before it counts as a network error


class PushLane:
    """Sends pushes with plain HTTP; see the module docstring."""

    def __init__(self, api_base: str, token: str, fallback: Pusher) -> None:
        self.base = f"{api_base.rstrip('/')}/bot{token}"
        self.url = f"{self.base}/sendMessage"
        self.fallback = fallback
        self._session: aiohttp.ClientSession | None = None

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        """Send one push once and say what Telegram answered (no retries: the push
        sender paces, pauses on a 429 and marks blocked users itself)."""
        if not plain_text(reply):
            return await self.fallback(chat_id, reply)
        assert isinstance(reply, SendText)
        try:
            async with self._client().post(self.url, json=_body(chat_id, reply)) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return PushOutcome("network", error=f"{type(exc).__name__}: {exc}"[:200])
        return outcome_of(answer)

    async def send_reply(self, chat_id: int, reply: Reply) -> int | None:
        """Send one reply the lane carries (see `carries`) once; the message id (None
        for a button's answer). Telegram's refusal, or a network error, is raised as
        `LaneRefused` for the caller's retry policy (`bot.transports.common.deliver`)."""
        method, body = _request(chat_id, reply)
        url = f"{self.base}/{method}"
        try:
            request = (self._client().post(url, data=body) if isinstance(body, aiohttp.FormData)
                       else self._client().post(url, json=body))
            async with request as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise LaneRefused(PushOutcome(
                "network", error=f"{type(exc).__name__}: {exc}"[:200])) from exc
        outcome = outcome_of(answer)
        if outcome.kind != "sent":
            raise LaneRefused(outcome)
        return outcome.message_id

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                timeout=aiohttp.ClientTimeout(total=TIMEOUT),
                json_serialize=_compact_json)
        return self._session

    async def close(self) -> None:
        """Close the pooled connections (when the transport stops)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
            await asyncio.sleep(0)  # let aiohttp finish closing its transports


def outcome_of(answer: Any) -> PushOutcome:
    """Telegram's JSON answer to one sendMessage, in the push sender's terms."""
    if not isinstance(answer, dict):
        return PushOutcome("network", error="not a Bot API answer")
    if answer.get("ok") is True:
        result = answer.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return PushOutcome("sent", message_id=message_id if isinstance(message_id, int)
                           else None)
    code = answer.get("error_code")
    error = str(answer.get("description") or f"error {code}")[:200]
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if code == 429 or isinstance(retry_after, int | float):
        return PushOutcome("retry_after", retry_after=float(retry_after or 1), error=error)
    if code == 403:
        return PushOutcome("forbidden", error=error)
    if code == 400:
        return PushOutcome("bad_request", error=error)
    # 5xx and the like: Telegram took the request and failed; whether the message went
    # out is unknown, so it is not sent again.
    return PushOutcome("network", error=error)


class LaneRefused(Exception):
    """Telegram did not take a text sent through the lane: `outcome` says how."""

    def __init__(self, outcome: PushOutcome) -> None:
        super().__init__(f"{outcome.kind}: {outcome.error}")
        self.outcome = outcome


def _body(chat_id: int, reply: SendText) -> dict[str, Any]:
    body: dict[str, Any] = {"chat_id": chat_id, "text": reply.text}
    if reply.buttons:
        body["reply_markup"] = _markup(reply.buttons)
    return body


def split_text(text: str, limit: int = TELEGRAM_TEXT_MAX) -> list[str]:
    """Cut a long text into Telegram-sized pieces, at line breaks where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces


def plain_text(reply: Reply) -> bool:
    """Is this reply a text (with inline buttons at most) that the lane can send?"""
    return (isinstance(reply, SendText) and not reply.keyboard and not reply.remove_keyboard
            and 0 < len(reply.text) <= TELEGRAM_TEXT_MAX)


def carries(reply: Reply) -> bool:
    """Can the lane send this chat reply: a plain text (`plain_text`), a picture as
    bytes or a Telegram file id (not a local file) with a caption that fits and inline
    buttons at most, an edit of a text, or a button's answer?"""
    if isinstance(reply, SendPhoto):
        return (len(reply.caption) <= TELEGRAM_CAPTION_MAX
                and (isinstance(reply.photo, bytes) or not Path(reply.photo).is_file()))
    if isinstance(reply, EditText):
        return bool(reply.text)
    return isinstance(reply, AnswerButton) or plain_text(reply)


def _request(chat_id: int, reply: Reply) -> tuple[str, dict[str, Any] | aiohttp.FormData]:
    """The Bot API method and its body for a reply the lane carries."""
    match reply:
        case SendPhoto():
            return "sendPhoto", _photo_form(chat_id, reply)
        case EditText(message_id=message_id, text=text, buttons=buttons):
            body: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id,
                                    "text": split_text(text)[0]}
            if buttons:  # none: the edit takes the buttons away, as Telegram does
                body["reply_markup"] = _markup(buttons)
            return "editMessageText", body
        case AnswerButton(query_id=query_id, text=text, alert=alert):
            answer: dict[str, Any] = {"callback_query_id": query_id, "show_alert": alert}
            if text:
                answer["text"] = text
            return "answerCallbackQuery", answer
        case SendText():
            return "sendMessage", _body(chat_id, reply)
    raise TypeError(f"the lane does not carry {type(reply).__name__}")


def _photo_form(chat_id: int, reply: SendPhoto) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    if isinstance(reply.photo, bytes):
        form.add_field("photo", reply.photo, filename=reply.filename,
                       content_type="application/octet-stream")
    else:
        form.add_field("photo", reply.photo)  # a Telegram file id
    if reply.caption:
        form.add_field("caption", reply.caption)
    if reply.buttons:
        form.add_field("reply_markup", _compact_json(_markup(reply.buttons)))
    return form


def _markup(buttons: Buttons) -> dict[str, Any]:
    return {"inline_keyboard": [[_button(b) for b in row] for row in buttons]}


def _button(button: Button) -> dict[str, Any]:
    if button.data is not None:
        return {"text": button.text, "callback_data": button.data}
    if button.web_app:  # opens the Mini App inside Telegram
        return {"text": button.text, "web_app": {"url": button.url or ""}}
    return {"text": button.text, "url": button.url or ""}


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
