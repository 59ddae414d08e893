"""What the stand-in records: the calls the bot made and the messages it sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One Bot API request, with its decoded parameters and how it was answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    ok: bool
    result_or_error: Any  # the result on success; the error body ({"error_code", ...}) if not
    at: float  # when it was answered (while a long poll waits: when it arrived)
    # False while a long poll (getUpdates) waits: it is recorded when it arrives, so a
    # test can see the bot asking; `ok` and the result are filled in when it is answered.
    answered: bool = True


@dataclass
class SentMessage:
    """A message the bot sent into a chat, kept up to date by later edits."""

    message_id: int
    chat_id: int
    kind: str  # text, photo, venue, location, invoice, document
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: bytes | None = None
    params: dict[str, Any] = field(default_factory=dict)
    edited: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard, rows of {"text", "callback_data" | "url"}."""
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    def button_texts(self) -> list[str]:
        """The labels of the inline buttons, in reading order."""
        return [b["text"] for row in self.buttons for b in row]

    def find_button(self, which: str | int) -> dict[str, Any]:
        """A button by its position in reading order (0-based) or by (part of) its label."""
        flat = [b for row in self.buttons for b in row]
        if isinstance(which, int):
            if not 0 <= which < len(flat):
                raise LookupError(f"message {self.message_id} has no button #{which}: "
                                  f"{self.button_texts()}")
            return flat[which]
        for button in flat:
            if button["text"] == which:
                return button
        for button in flat:
            if which in button["text"]:
                return button
        raise LookupError(f"message {self.message_id} has no button {which!r}: "
                          f"{self.button_texts()}")
