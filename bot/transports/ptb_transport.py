"""Telegram through python-telegram-bot: the same handlers as the aiogram transport.

`o2o run --transport ptb` selects it. Updates enter through `PtbTransport.on_update`,
from long polling or from the webhook (`o2o run --webhook`, `bot.webhook`).
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    KeyboardButton,
    LabeledPrice,
    MenuButtonCommands,
    MenuButtonDefault,
    MenuButtonWebApp,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.runtime import PushOutcome, Runtime
from bot.transports.common import (
    Failure,
    attach,
    deliver,
    deliver_owed,
    finish,
    handle_update,
    push_once,
    start_in_background,
)
from bot.transports.intake import chat_of, poll
from bot.transports.push_lane import PushLane, carries, split_text
from handlers.core import (
    DOCUMENT_FETCH_MAX,
    AnswerButton,
    AnswerInline,
    AnswerPreCheckout,
    ButtonPress,
    Buttons,
    Document,
    EditText,
    Event,
    Incoming,
    InlineQuery,
    Location,
    MemberStatus,
    Photo,
    PreCheckout,
    Reply,
    SendDocument,
    Sender,
    SendInvoice,
    SendPhoto,
    SendText,
    SendVenue,
    SetMenuButton,
    SuccessfulPayment,
    Text,
    Unsupported,
    parse_command,
)
from handlers.i18n import LANGUAGES, t
from handlers.menu import MENU_COMMANDS

log = structlog.get_logger("o2o.telegram")


def _markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, callback_data=b.data)
                if b.data is not None
                else InlineKeyboardButton(b.text, web_app=WebAppInfo(b.url or ""))
                if b.web_app
                else InlineKeyboardButton(b.text, url=b.url)
                for b in row
            ]
            for row in buttons
        ]
    )


def _sender(user: Any) -> Sender:
    return Sender(user.id, user.first_name or "", user.username, user.language_code)


def _message_event(message: Message, bot_username: str | None) -> Event:
    if message.successful_payment is not None:
        sp = message.successful_payment
        return SuccessfulPayment(sp.invoice_payload, sp.total_amount, sp.currency,
                                 sp.telegram_payment_charge_id,
                                 sp.provider_payment_charge_id or "")
    if message.venue is not None:
        v = message.venue
        return Location(v.location.latitude, v.location.longitude,
                        venue_title=v.title, venue_address=v.address)
    if message.location is not None:
        loc = message.location
        return Location(loc.latitude, loc.longitude, live=bool(loc.live_period))
    if message.text is not None:
        command = parse_command(message.text, bot_username)
        return command if command is not None else Text(message.text)
    if message.photo:
        biggest = message.photo[-1]
        return Photo(biggest.file_id, biggest.width, biggest.height, message.caption or "")
    if message.document is not None:
        doc = message.document
        return Document(doc.file_id, doc.file_name or "", doc.mime_type or "",
                        doc.file_size or 0)
    kind = next(
        (k for k in ("sticker", "voice", "audio", "video", "video_note", "photo", "document",
                     "contact", "poll", "animation", "dice", "game")
         if getattr(message, k, None)),
        "other",
    )
    return Unsupported(kind=kind)


def incoming_from(update: Update, bot_username: str | None) -> Incoming | None:
    """Our neutral event for a PTB update, or None for updates we do not handle."""
    if update.callback_query is not None:
        q = update.callback_query
        message = q.message
        chat_id = message.chat.id if message is not None else q.from_user.id
        event: Event = ButtonPress(q.data or "", message.message_id if message else None, q.id)
        return Incoming(_sender(q.from_user), chat_id, event, update.update_id)
    if update.inline_query is not None:
        iq = update.inline_query
        return Incoming(_sender(iq.from_user), iq.from_user.id,
                        InlineQuery(iq.id, iq.query, iq.offset), update.update_id)
    if update.pre_checkout_query is not None:
        pc = update.pre_checkout_query
        return Incoming(_sender(pc.from_user), pc.from_user.id,
                        PreCheckout(pc.id, pc.invoice_payload, pc.total_amount, pc.currency),
                        update.update_id)
    if update.my_chat_member is not None:
        cm = update.my_chat_member
        blocked = cm.new_chat_member.status in ("kicked", "left")
        return Incoming(_sender(cm.from_user), cm.chat.id, MemberStatus(blocked), update.update_id)
    if update.edited_message is not None and update.edited_message.location is not None:
        m = update.edited_message
        if m.from_user is None:
            return None
        loc = m.location
        assert loc is not None
        return Incoming(_sender(m.from_user), m.chat.id,
                        Location(loc.latitude, loc.longitude, live=True, update=True),
                        update.update_id)
    if update.message is not None and update.message.from_user is not None:
        m = update.message
        return Incoming(_sender(m.from_user), m.chat.id, _message_event(m, bot_username),
                        update.update_id)
    return None


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify_error(exc: Exception) -> Failure | None:
    """python-telegram-bot's exceptions in the terms of the shared retry policy."""
    if isinstance(exc, RetryAfter):
        return Failure("retry_after", exc.message, _seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Failure("forbidden", exc.message)
    if isinstance(exc, BadRequest):
        return Failure("bad_request", exc.message)
    if isinstance(exc, NetworkError):
        return Failure("network", str(exc))
    return None


class PtbTransport:
    """Runs the conversation on Telegram with python-telegram-bot."""

    def __init__(self, runtime: Runtime, token: str, api_base: str) -> None:
        self.runtime = runtime
        self.application = (
            Application.builder()
            .token(token)
            .base_url(f"{api_base}/bot")
            .base_file_url(f"{api_base}/file/bot")
            .concurrent_updates(True)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.bot_username: str | None = None
        # Campaign pushes go the lean way; anything else a push carries comes back here.
        self.push_lane = PushLane(api_base, token, self.push)
        attach(runtime, self.send, self.refund_stars, self.push_lane.push)

    async def send(self, chat_id: int, replies: list[Reply]) -> int:
        """Send an owed message outside an update (the outbox sender); a refusal is
        raised as `NotDelivered` (see `deliver_owed`)."""
        return await deliver_owed(chat_id, replies, self._perform_once, classify_error)

    async def push(self, chat_id: int, reply: Reply) -> PushOutcome:
        """Send one push once through the library, saying exactly how it went (no
        retries here: the push sender paces, pauses on 429 and marks blocked users
        itself). Plain text pushes take the `PushLane` instead."""
        return await push_once(chat_id, reply, self._perform_once, classify_error)

    async def refund_stars(self, user_id: int, charge_id: str) -> bool:
        """Give Telegram Stars back (refundStarPayment)."""
        try:
            return bool(await self.application.bot.refund_star_payment(user_id, charge_id))
        except BadRequest as exc:
            log.warning("star refund refused", user=user_id, error=exc.message)
            return False

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle one update (from polling or from the webhook)."""
        incoming = incoming_from(update, self.bot_username)
        if incoming is None:
            return
        if isinstance(incoming.event, Document):
            incoming = replace(incoming, event=await self._fetched(incoming.event))
        await handle_update(self.runtime, incoming, self.perform, update.update_id)

    async def _fetched(self, document: Document) -> Document:
        """The document with its bytes downloaded (when small enough to fetch)."""
        if document.size > DOCUMENT_FETCH_MAX:
            return document
        try:
            file = await self.application.bot.get_file(document.file_id)
            data = bytes(await file.download_as_bytearray())
        except (BadRequest, NetworkError) as exc:
            log.warning("document download failed", error=exc.message)
            return document
        return replace(document, content=data)

    async def perform(self, chat_id: int, reply: Reply) -> bool:
        """Carry out one reply (see `deliver` for retries). False: stop this chat's replies."""
        return await deliver(chat_id, reply, self._perform_once, classify_error)

    async def _perform_once(self, chat_id: int, reply: Reply) -> int | None:
        """Carry out one reply once; the id of the message sent, for texts."""
        bot = self.application.bot
        if carries(reply):  # plain JSON or multipart, without the library's models
            return await self.push_lane.send_reply(chat_id, reply)
        match reply:
            case SendText(text=text, buttons=buttons, keyboard=keyboard, remove_keyboard=remove):
                markup: Any = _markup(buttons)
                if keyboard:
                    markup = ReplyKeyboardMarkup(
                        [[KeyboardButton(k.text, request_location=k.request_location)
                          for k in row] for row in keyboard],
                        resize_keyboard=True, one_time_keyboard=True,
                    )
                elif remove and markup is None:
                    markup = ReplyKeyboardRemove()
                pieces = split_text(text)
                for piece in pieces[:-1]:
                    await bot.send_message(chat_id, piece)
                sent = await bot.send_message(chat_id, pieces[-1], reply_markup=markup)
                return sent.message_id
            case SendPhoto(photo=photo, caption=caption, buttons=buttons, filename=filename):
                file: Any = photo
                if isinstance(photo, str) and Path(photo).is_file():
                    file = Path(photo).read_bytes()
                await bot.send_photo(chat_id, file, caption=caption or None, filename=filename,
                                     reply_markup=_markup(buttons))
            case SendDocument(data=data, filename=filename, caption=caption):
                await bot.send_document(chat_id, data, filename=filename,
                                        caption=caption or None)
            case SendVenue(lat=lat, lon=lon, title=title, address=address):
                await bot.send_venue(chat_id, latitude=lat, longitude=lon, title=title,
                                     address=address)
            case EditText(message_id=message_id, text=text, buttons=buttons):
                await bot.edit_message_text(split_text(text)[0], chat_id=chat_id,
                                            message_id=message_id, reply_markup=_markup(buttons))
            case AnswerButton(query_id=query_id, text=text, alert=alert):
                await bot.answer_callback_query(query_id, text=text or None, show_alert=alert)
            case AnswerPreCheckout(query_id=query_id, ok=ok, error=error):
                await bot.answer_pre_checkout_query(query_id, ok=ok,
                                                    error_message=None if ok else error)
            case AnswerInline(query_id=query_id, results=results, next_offset=offset,
                              cache_time=cache_time):
                await bot.answer_inline_query(
                    query_id,
                    [
                        InlineQueryResultArticle(
                            r.id, r.title, InputTextMessageContent(r.text),
                            description=r.description, reply_markup=_markup(r.buttons),
                        )
                        for r in results
                    ],
                    cache_time=cache_time, next_offset=offset, is_personal=True,
                )
            case SendInvoice(title=title, description=description, payload=payload,
                             currency=currency, amount=amount, label=label):
                token = self.runtime.settings.telegram_payment_provider_token
                await bot.send_invoice(
                    chat_id, title, description, payload, currency,
                    [LabeledPrice(label, amount)],
                    provider_token=token.get_secret_value() if token else "",
                )
            case SetMenuButton(text=text, url=url):
                await bot.set_chat_menu_button(chat_id, MenuButtonWebApp(
                    text, WebAppInfo(url)) if url else MenuButtonDefault())

    async def register_commands(self) -> None:
        """Publish the command menu in Chinese and English (and the default language)."""
        bot = self.application.bot
        for lang in LANGUAGES:
            await bot.set_my_commands(
                [BotCommand(c, t(lang, f"cmd-{c}")) for c in MENU_COMMANDS], language_code=lang
            )
        default = self.runtime.settings.default_language
        await bot.set_my_commands([BotCommand(c, t(default, f"cmd-{c}")) for c in MENU_COMMANDS])

    async def register_menu_button(self) -> None:
        """The bot's default menu button: its commands (a chat whose user follows a
        merchant gets that shop's Mini App instead, `SetMenuButton`)."""
        await self.application.bot.set_chat_menu_button(menu_button=MenuButtonCommands())

    def parse(self, data: dict[str, Any]) -> Update:
        """A webhook's JSON body as PTB's Update."""
        update = Update.de_json(data, self.application.bot)
        if update is None:
            raise ValueError("not an update")
        return update

    async def set_webhook(self, url: str, secret: str, max_connections: int,
                          drop_pending: bool) -> None:
        """Register the webhook (setWebhook) for every update kind."""
        await self.application.bot.set_webhook(
            url, secret_token=secret, max_connections=max_connections,
            drop_pending_updates=drop_pending, allowed_updates=Update.ALL_TYPES)

    async def run_webhook(self, webhook: Any) -> None:
        """Serve updates posted to the webhook (`bot.webhook.Webhook`) until SIGTERM."""
        async with self.application:
            me = await self.application.bot.get_me()
            self.bot_username = me.username
            options = self.runtime.app.options
            self.runtime.app.options = replace(
                options, bot_username=me.username or options.bot_username)
            await self.application.start()
            menu = start_in_background(self.runtime, self.register_commands,
                                   self.register_menu_button)
            try:
                await webhook.serve(self.parse, self.application.process_update,
                                    self.set_webhook, self.perform)
            finally:
                await finish(menu)
                await self.application.stop()
        await self.push_lane.close()
        log.info("webhook stopped", library="python-telegram-bot")

    async def run_polling(self) -> None:
        """Long-poll until SIGINT or SIGTERM."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with self.application:
            me = await self.application.bot.get_me()
            self.bot_username = me.username
            options = self.runtime.app.options
            self.runtime.app.options = replace(
                options, bot_username=me.username or options.bot_username
            )
            await self.application.bot.delete_webhook(drop_pending_updates=False)
            await self.application.start()
            log.info("polling started", bot=me.username, library="python-telegram-bot")
            # The menu goes out beside the first getUpdates: nobody waits for it.
            menu = start_in_background(self.runtime, self.register_commands,
                                   self.register_menu_button)
            settings = self.runtime.settings
            bot = self.application.bot

            async def fetch(offset: int | None) -> tuple[Update, ...]:
                return await bot.get_updates(
                    offset=offset, timeout=settings.polling_timeout,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=settings.polling_timeout + 10)

            await poll(fetch, chat_of, self.application.process_update,
                       in_flight=settings.updates_in_flight,
                       waiting_max=settings.updates_waiting_max, stop=stop,
                       drain_seconds=settings.shutdown_grace_seconds)
            await finish(menu)
            await self.application.stop()
        await self.push_lane.close()
        log.info("polling stopped")
