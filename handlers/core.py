"""The neutral vocabulary between transports and handlers.

A transport (aiogram, python-telegram-bot, the console shell) turns what arrives into
one `Incoming` event and carries out the reply actions a handler returns. Nothing here
knows about any Telegram library, so one conversation runs unchanged on all of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

CALLBACK_DATA_MAX_BYTES = 64  # Telegram's limit for inline button data
TELEGRAM_TEXT_MAX = 4096
TELEGRAM_CAPTION_MAX = 1024


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Sender:
    """Who sent the event, as Telegram describes them."""

    id: int
    first_name: str = ""
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Text:
    """Free text typed by the user."""

    text: str


@dataclass(frozen=True)
class Command:
    """A `/command args` message; `name` is lower-case without the slash or @bot suffix."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Location:
    """A shared location, a venue, or a live-location update."""

    lat: float
    lon: float
    live: bool = False
    update: bool = False  # a later position of a live location already shared
    venue_title: str | None = None
    venue_address: str | None = None


@dataclass(frozen=True)
class ButtonPress:
    """A press of an inline button; `data` is its callback data."""

    data: str
    message_id: int | None = None
    query_id: str | None = None


@dataclass(frozen=True)
class InlineQuery:
    """`@bot words` typed in any chat."""

    query_id: str
    query: str
    offset: str = ""


@dataclass(frozen=True)
class PreCheckout:
    """Telegram asks whether a payment may go ahead."""

    query_id: str
    payload: str
    total_amount: int
    currency: str


@dataclass(frozen=True)
class SuccessfulPayment:
    """Telegram reports a completed payment."""

    payload: str
    total_amount: int
    currency: str
    telegram_charge_id: str
    provider_charge_id: str = ""


@dataclass(frozen=True)
class Photo:
    """A picture the user sent; `file_id` lets the bot send the same picture again."""

    file_id: str
    width: int = 0
    height: int = 0
    caption: str = ""


# Files up to this size are fetched by the transport before the handler sees them.
DOCUMENT_FETCH_MAX = 20 * 1024 * 1024  # Telegram's getFile limit for bots


@dataclass(frozen=True)
class Document:
    """A file the user sent. `content` holds its bytes when the transport fetched them
    (files up to `DOCUMENT_FETCH_MAX`); None when it was too big to fetch."""

    file_id: str
    file_name: str = ""
    mime_type: str = ""
    size: int = 0
    content: bytes | None = None


@dataclass(frozen=True)
class Unsupported:
    """Anything we do not handle (sticker, voice, file, ...); `kind` names it."""

    kind: str


@dataclass(frozen=True)
class MemberStatus:
    """The user blocked (`blocked=True`) or unblocked the bot."""

    blocked: bool


Event = (
    Text
    | Command
    | Location
    | ButtonPress
    | InlineQuery
    | PreCheckout
    | SuccessfulPayment
    | Photo
    | Document
    | Unsupported
    | MemberStatus
)


@dataclass(frozen=True)
class Incoming:
    """One thing that happened: who, in which chat, and what."""

    sender: Sender
    chat_id: int
    event: Event
    update_id: int | None = None


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Button:
    """An inline button: either `data` (sent back on press) or `url` (opens a link;
    with `web_app`, inside Telegram as a Mini App, which needs an https address)."""

    text: str
    data: str | None = None
    url: str | None = None
    web_app: bool = False

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has exactly one of data or url")
        if self.web_app and not (self.url or "").startswith("https://"):
            raise ValueError(f"a Mini App button needs an https url: {self.url!r}")
        if self.data is not None and len(self.data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data over {CALLBACK_DATA_MAX_BYTES} bytes: {self.data!r}")


@dataclass(frozen=True)
class KeyButton:
    """A reply-keyboard button; `request_location` asks the client to share location."""

    text: str
    request_location: bool = False


Buttons = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendText:
    """Send a text message, with inline buttons or a reply keyboard."""

    text: str
    buttons: Buttons = ()
    keyboard: tuple[tuple[KeyButton, ...], ...] = ()
    remove_keyboard: bool = False


@dataclass(frozen=True)
class SendPhoto:
    """Send a picture: PNG/JPEG bytes or an existing Telegram file id / path."""

    photo: bytes | str
    caption: str = ""
    buttons: Buttons = ()
    filename: str = "image.png"


@dataclass(frozen=True)
class SendDocument:
    """Send a file (a CSV export, say) with an optional caption."""

    data: bytes
    filename: str
    caption: str = ""


@dataclass(frozen=True)
class SendVenue:
    """Send a place on the map with its name and address."""

    lat: float
    lon: float
    title: str
    address: str


@dataclass(frozen=True)
class EditText:
    """Replace the text and buttons of a message the bot sent earlier."""

    message_id: int
    text: str
    buttons: Buttons = ()


@dataclass(frozen=True)
class AnswerButton:
    """Acknowledge a button press (a small toast, or an alert box)."""

    query_id: str
    text: str = ""
    alert: bool = False


@dataclass(frozen=True)
class AnswerPreCheckout:
    """Say yes or no to a pre-checkout query; `error` is shown to the user on no."""

    query_id: str
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class InlineResult:
    """One result offered in inline mode."""

    id: str
    title: str
    description: str
    text: str
    buttons: Buttons = ()


@dataclass(frozen=True)
class AnswerInline:
    """Answer an inline query with results."""

    query_id: str
    results: tuple[InlineResult, ...]
    next_offset: str = ""
    cache_time: int = 30


@dataclass(frozen=True)
class SendInvoice:
    """A Telegram Payments invoice (amount in minor units)."""

    title: str
    description: str
    payload: str
    currency: str
    amount: int
    label: str


@dataclass(frozen=True)
class SetMenuButton:
    """Set this chat's menu button (beside the message box): with `url`, a Mini App
    (an https address) under `text`; without, back to the bot's default (its commands)."""

    text: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if self.url is not None and not (self.url.startswith("https://") and self.text):
            raise ValueError(f"a Mini App menu button needs text and an https url: {self.url!r}")


@dataclass(frozen=True)
class Notify:
    """Replies for another chat than the one being answered (e.g. the shopper whose code
    staff just redeemed). A failure there never stops the replies to this chat."""

    chat_id: int
    replies: tuple[SendText | SendPhoto | SendVenue | SendDocument, ...]


@dataclass(frozen=True)
class Delivered:
    """Not a message: the `messages` messages before it (counting each one a `Notify`
    carries) carried out outbox row `outbox_id`, claimed by the handler to answer in its
    own turn. The transport marks the row sent once they all went out; when none did it
    goes back to its sender (`bot.outbox`)."""

    outbox_id: int
    messages: int


Reply = (
    SendText
    | SendPhoto
    | SendDocument
    | SendVenue
    | EditText
    | AnswerButton
    | AnswerPreCheckout
    | AnswerInline
    | SendInvoice
    | SetMenuButton
    | Notify
    | Delivered
)


def keyboard_rows(buttons: list[Button], per_row: int = 1) -> Buttons:
    """Lay out buttons `per_row` to a row."""
    return tuple(
        tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)
    )


def parse_command(text: str, bot_username: str | None = None) -> Command | None:
    """`/Start@o2o_bot payload` -> Command("start", "payload"); None if not a command.

    The command itself is read NFKC-normalised, so `／ｓｔａｒｔ` typed with a Chinese
    input method (full-width letters) is /start too; its arguments are kept as typed.
    A command addressed to another bot (`/start@other_bot`) is not ours: None.
    """
    text = text.lstrip()
    head, args = [*text.split(maxsplit=1), ""][:2] if text else ("", "")
    head = unicodedata.normalize("NFKC", head)
    if not head.startswith("/") or len(head) < 2:
        return None
    name, _, target = head[1:].partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    name = name.strip().lower()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return Command(name[:64], args.strip())

