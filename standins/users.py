"""Playing a Telegram user against the stand-in: what they send, what they receive."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from standins.models import SentMessage

if TYPE_CHECKING:
    from standins.server import BotApiStandin

_ids = itertools.count(1)


class FakeUser:
    """A user in a private chat with the bot. Every `send...` queues a real update."""

    def __init__(self, standin: BotApiStandin, user_id: int, first_name: str,
                 language_code: str | None, username: str | None) -> None:
        self.standin = standin
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.callback_answers: list[dict[str, Any]] = []
        self.inline_answers: list[dict[str, Any]] = []
        self._seen = 0

    # ----------------------------------------------------------------- identity

    def as_json(self) -> dict[str, Any]:
        """The Telegram `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> dict[str, Any]:
        """The Telegram `Chat` object of the private chat."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.standin.next_message_id(self.id),
            "date": int(time.time()),
            "chat": self.chat_json(),
            "from": self.as_json(),
            **content,
        }

    # ----------------------------------------------------------------- sending

    async def send(self, text: str) -> dict[str, Any]:
        """A text message; a leading /command gets its `bot_command` entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.standin.enqueue({"message": self._message(**content)})

    async def send_location(self, lat: float, lon: float,
                            live_period: int | None = None) -> dict[str, Any]:
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        if live_period:
            location["live_period"] = live_period
        return self.standin.enqueue({"message": self._message(location=location)})

    async def send_venue(self, lat: float, lon: float, title: str,
                         address: str) -> dict[str, Any]:
        location = {"latitude": lat, "longitude": lon}
        venue = {"location": location, "title": title, "address": address}
        return self.standin.enqueue({"message": self._message(location=location, venue=venue)})

    async def send_sticker(self) -> dict[str, Any]:
        sticker = {"file_id": f"sticker-{next(_ids)}", "file_unique_id": "s", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return self.standin.enqueue({"message": self._message(sticker=sticker)})

    async def send_voice(self, duration: int = 3) -> dict[str, Any]:
        voice = {"file_id": f"voice-{next(_ids)}", "file_unique_id": "v", "duration": duration}
        return self.standin.enqueue({"message": self._message(voice=voice)})

    async def send_document(self, file_name: str, data: bytes,
                            mime_type: str = "text/csv") -> dict[str, Any]:
        file_id = self.standin.store_file(data, f"documents/{file_name}")
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(data)}
        return self.standin.enqueue({"message": self._message(document=document)})

    async def send_photo(self, data: bytes) -> dict[str, Any]:
        file_id = self.standin.store_file(data, f"photos/{next(_ids)}.jpg")
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600,
                  "file_size": len(data)}]
        return self.standin.enqueue({"message": self._message(photo=photo)})

    async def press(self, message: SentMessage | int, button: str | int) -> dict[str, Any]:
        """Press an inline button of one of the bot's messages (by label or 0-based index)."""
        if isinstance(message, int):
            found = self.standin.message(self.id, message)
            if found is None:
                raise LookupError(f"no bot message {message} in chat {self.id}")
            message = found
        chosen = message.find_button(button)
        if "callback_data" not in chosen:
            raise LookupError(f"button {chosen['text']!r} is a link, not a callback button")
        query = {
            "id": str(next(_ids)),
            "from": self.as_json(),
            "chat_instance": str(self.id),
            "data": chosen["callback_data"],
            "message": self.standin.message_json(message),
        }
        self.standin.pending_queries[query["id"]] = self
        return self.standin.enqueue({"callback_query": query})

    async def inline_query(self, query: str, offset: str = "") -> dict[str, Any]:
        data = {"id": str(next(_ids)), "from": self.as_json(), "query": query, "offset": offset}
        self.standin.pending_queries[data["id"]] = self
        return self.standin.enqueue({"inline_query": data})

    async def pre_checkout(self, invoice_payload: str, total_amount: int,
                           currency: str) -> dict[str, Any]:
        data = {"id": str(next(_ids)), "from": self.as_json(), "currency": currency,
                "total_amount": total_amount, "invoice_payload": invoice_payload}
        self.standin.pending_queries[data["id"]] = self
        return self.standin.enqueue({"pre_checkout_query": data})

    async def successful_payment(self, invoice_payload: str, total_amount: int, currency: str,
                                 telegram_payment_charge_id: str,
                                 provider_payment_charge_id: str = "") -> dict[str, Any]:
        payment = {"currency": currency, "total_amount": total_amount,
                   "invoice_payload": invoice_payload,
                   "telegram_payment_charge_id": telegram_payment_charge_id,
                   "provider_payment_charge_id": provider_payment_charge_id}
        return self.standin.enqueue({"message": self._message(successful_payment=payment)})

    # ----------------------------------------------------------------- receiving

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages in this chat, oldest first (deleted ones included)."""
        return self.standin.chat_messages(self.id)

    @property
    def last_message(self) -> SentMessage | None:
        return self.messages[-1] if self.messages else None

    async def wait_reply(self, timeout: float = 5.0) -> SentMessage:
        """The next bot message in this chat this user has not read yet (waits for it)."""
        def unread() -> bool:
            return len(self.messages) > self._seen

        await self.standin.wait_until(unread, timeout,
                                      f"no new message for user {self.id}")
        message = self.messages[self._seen]
        self._seen += 1
        return message

    async def wait_for(self, predicate: Callable[[SentMessage], bool],
                       timeout: float = 5.0) -> SentMessage:
        """The first bot message in this chat (read or not) that satisfies `predicate`."""
        def match() -> bool:
            return any(predicate(m) for m in self.messages)

        await self.standin.wait_until(match, timeout, f"no matching message for user {self.id}")
        return next(m for m in self.messages if predicate(m))

    async def drain(self, settle: float = 0.3) -> list[SentMessage]:
        """Read everything that arrives until nothing new comes for `settle` seconds."""
        read: list[SentMessage] = []
        while True:
            try:
                read.append(await self.wait_reply(timeout=settle))
            except TimeoutError:
                return read
