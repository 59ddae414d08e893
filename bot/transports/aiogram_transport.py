"""Telegram through aiogram: updates in, reply actions out.

Long polling (`o2o run`) or a webhook (`o2o run --webhook`, `bot.webhook`): updates
enter through `AiogramTransport.feed` either way.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    FSInputFile,
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
    PreCheckoutQuery,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    WebAppInfo,
)
from aiogram.types import InlineQuery as AioInlineQuery

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

def inline_markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Our buttons as an aiogram inline keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, callback_data=b.data)
                if b.data is not None
                else InlineKeyboardButton(text=b.text, web_app=WebAppInfo(url=b.url))
                if b.web_app
                else InlineKeyboardButton(text=b.text, url=b.url)
                for b in row
            ]
            for row in buttons
        ]
    )


def _sender(user: Any) -> Sender:
    return Sender(
        id=user.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
    )


def message_event(message: Message, bot_username: str | None) -> Event:
    """What a Telegram message means to our handlers."""
    if message.successful_payment is not None:
        sp = message.successful_payment
        return SuccessfulPayment(
            payload=sp.invoice_payload,
            total_amount=sp.total_amount,
            currency=sp.currency,
            telegram_charge_id=sp.telegram_payment_charge_id,
            provider_charge_id=sp.provider_payment_charge_id or "",
        )
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
    kind = message.content_type
    return Unsupported(kind=str(getattr(kind, "value", kind)))


def classify_error(exc: Exception) -> Failure | None:
    """aiogram's exceptions in the terms of the shared retry policy."""
    if isinstance(exc, TelegramRetryAfter):
        return Failure("retry_after", exc.message, float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return Failure("forbidden", exc.message)
    if isinstance(exc, TelegramBadRequest):
        return Failure("bad_request", exc.message)
    if isinstance(exc, TelegramNetworkError):
        return Failure("network", str(exc))
    return None


class AiogramTransport:
    """Runs the conversation on Telegram with aiogram."""

    def __init__(self, runtime: Runtime, token: str, api_base: str) -> None:
        self.runtime = runtime
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
        self.bot = Bot(token=token, session=session)
        self.dp = Dispatcher()
        self.bot_username: str | None = None
        self._register()
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
            return bool(await self.bot.refund_star_payment(user_id, charge_id))
        except TelegramBadRequest as exc:
            log.warning("star refund refused", user=user_id, error=exc.message)
            return False

    def _register(self) -> None:
        dp = self.dp

        @dp.message()
        async def on_message(message: Message) -> None:
            if message.from_user is None:
                return
            event = await self._fetched(message_event(message, self.bot_username))
            await self.handle(Incoming(_sender(message.from_user), message.chat.id, event))

        @dp.edited_message()
        async def on_edited(message: Message) -> None:
            # Live locations arrive as edits of the location message.
            if message.from_user is None or message.location is None:
                return
            loc = message.location
            event = Location(loc.latitude, loc.longitude, live=True, update=True)
            await self.handle(Incoming(_sender(message.from_user), message.chat.id, event))

        @dp.callback_query()
        async def on_button(query: CallbackQuery) -> None:
            chat_id = query.message.chat.id if query.message else query.from_user.id
            message_id = query.message.message_id if query.message else None
            event = ButtonPress(data=query.data or "", message_id=message_id, query_id=query.id)
            await self.handle(Incoming(_sender(query.from_user), chat_id, event))

        @dp.inline_query()
        async def on_inline(query: AioInlineQuery) -> None:
            event = InlineQuery(query_id=query.id, query=query.query, offset=query.offset)
            await self.handle(Incoming(_sender(query.from_user), query.from_user.id, event))

        @dp.pre_checkout_query()
        async def on_pre_checkout(query: PreCheckoutQuery) -> None:
            event = PreCheckout(query.id, query.invoice_payload, query.total_amount,
                                query.currency)
            await self.handle(Incoming(_sender(query.from_user), query.from_user.id, event))

        @dp.my_chat_member()
        async def on_member(update: ChatMemberUpdated) -> None:
            status = update.new_chat_member.status
            event = MemberStatus(blocked=status in ("kicked", "left"))
            await self.handle(Incoming(_sender(update.from_user), update.chat.id, event))

    async def _fetched(self, event: Event) -> Event:
        """A document with its bytes downloaded (when small enough to fetch)."""
        if not isinstance(event, Document) or event.size > DOCUMENT_FETCH_MAX:
            return event
        try:
            buffer = await self.bot.download(event.file_id)
        except (TelegramBadRequest, TelegramNetworkError) as exc:
            log.warning("document download failed", error=str(exc))
            return event
        return replace(event, content=buffer.read() if buffer is not None else None)

    async def feed(self, update: Update) -> None:
        """Handle one update (from polling or from the webhook)."""
        with structlog.contextvars.bound_contextvars(update_id=update.update_id):
            await self.dp.feed_update(self.bot, update)

    async def handle(self, incoming: Incoming) -> None:
        """Dispatch one event and carry out its replies; log how it went."""
        await handle_update(self.runtime, incoming, self.perform)

    async def perform(self, chat_id: int, reply: Reply) -> bool:
        """Carry out one reply (see `deliver` for retries). False: stop this chat's replies."""
        return await deliver(chat_id, reply, self._perform_once, classify_error)

    async def _perform_once(self, chat_id: int, reply: Reply) -> int | None:
        """Carry out one reply once; the id of the message sent, for texts."""
        bot = self.bot
        if carries(reply):  # plain JSON or multipart, without the library's models
            return await self.push_lane.send_reply(chat_id, reply)
        match reply:
            case SendText(text=text, buttons=buttons, keyboard=keyboard, remove_keyboard=remove):
                pieces = split_text(text)
                markup: Any = inline_markup(buttons)
                if keyboard:
                    markup = ReplyKeyboardMarkup(
                        keyboard=[
                            [KeyboardButton(text=k.text, request_location=k.request_location)
                             for k in row]
                            for row in keyboard
                        ],
                        resize_keyboard=True,
                        one_time_keyboard=True,
                    )
                elif remove and markup is None:
                    markup = ReplyKeyboardRemove()
                for piece in pieces[:-1]:
                    await bot.send_message(chat_id, piece)
                sent = await bot.send_message(chat_id, pieces[-1], reply_markup=markup)
                return sent.message_id
            case SendPhoto(photo=photo, caption=caption, buttons=buttons, filename=filename):
                file: Any
                if isinstance(photo, bytes):
                    file = BufferedInputFile(photo, filename=filename)
                elif Path(photo).is_file():
                    file = FSInputFile(photo)
                else:
                    file = photo  # a Telegram file_id
                await bot.send_photo(chat_id, file, caption=caption or None,
                                     reply_markup=inline_markup(buttons))
            case SendDocument(data=data, filename=filename, caption=caption):
                await bot.send_document(chat_id, BufferedInputFile(data, filename=filename),
                                        caption=caption or None)
            case SendVenue(lat=lat, lon=lon, title=title, address=address):
                await bot.send_venue(chat_id, latitude=lat, longitude=lon, title=title,
                                     address=address)
            case EditText(message_id=message_id, text=text, buttons=buttons):
                await bot.edit_message_text(text=split_text(text)[0], chat_id=chat_id,
                                            message_id=message_id,
                                            reply_markup=inline_markup(buttons))
            case AnswerButton(query_id=query_id, text=text, alert=alert):
                await bot.answer_callback_query(query_id, text=text or None, show_alert=alert)
            case AnswerPreCheckout(query_id=query_id, ok=ok, error=error):
                await bot.answer_pre_checkout_query(query_id, ok=ok,
                                                    error_message=None if ok else error)
            case AnswerInline(query_id=query_id, results=results, next_offset=offset,
                              cache_time=cache_time):
                await bot.answer_inline_query(
                    query_id,
                    results=[
                        InlineQueryResultArticle(
                            id=r.id,
                            title=r.title,
                            description=r.description,
                            input_message_content=InputTextMessageContent(message_text=r.text),
                            reply_markup=inline_markup(r.buttons),
                        )
                        for r in results
                    ],
                    cache_time=cache_time,
                    next_offset=offset,
                    is_personal=True,
                )
            case SendInvoice(title=title, description=description, payload=payload,
                             currency=currency, amount=amount, label=label):
                await bot.send_invoice(
                    chat_id,
                    title=title,
                    description=description,
                    payload=payload,
                    currency=currency,
                    prices=[LabeledPrice(label=label, amount=amount)],
                    provider_token=self._provider_token(),
                )
            case SetMenuButton(text=text, url=url):
                await bot.set_chat_menu_button(chat_id=chat_id, menu_button=MenuButtonWebApp(
                    text=text, web_app=WebAppInfo(url=url)) if url else MenuButtonDefault())

    def _provider_token(self) -> str:
        token = self.runtime.settings.telegram_payment_provider_token
        return token.get_secret_value() if token is not None else ""

    async def register_commands(self) -> None:
        """Publish the command menu in Chinese and English (and the default language)."""
        for lang in LANGUAGES:
            commands = [BotCommand(command=c, description=t(lang, f"cmd-{c}"))
                        for c in MENU_COMMANDS]
            await self.bot.set_my_commands(commands, language_code=lang)
        default = self.runtime.settings.default_language
        await self.bot.set_my_commands(
            [BotCommand(command=c, description=t(default, f"cmd-{c}")) for c in MENU_COMMANDS]
        )

    async def register_menu_button(self) -> None:
        """The bot's default menu button: its commands (a chat whose user follows a
        merchant gets that shop's Mini App instead, `SetMenuButton`)."""
        await self.bot.set_chat_menu_button(menu_button=MenuButtonCommands())

    async def _introduce(self) -> None:
        """Learn the bot's username from Telegram (getMe) for commands and links."""
        me = await self.bot.get_me()
        self.bot_username = me.username
        options = self.runtime.app.options
        self.runtime.app.options = replace(
            options, bot_username=me.username or options.bot_username
        )

    def parse(self, data: dict[str, Any]) -> Update:
        """A webhook's JSON body as aiogram's Update."""
        return Update.model_validate(data, context={"bot": self.bot})

    async def set_webhook(self, url: str, secret: str, max_connections: int,
                          drop_pending: bool) -> None:
        """Register the webhook (setWebhook) for the update kinds the bot handles."""
        await self.bot.set_webhook(
            url, secret_token=secret, max_connections=max_connections,
            drop_pending_updates=drop_pending,
            allowed_updates=self.dp.resolve_used_update_types())

    async def run_webhook(self, webhook: Any) -> None:
        """Serve updates posted to the webhook (`bot.webhook.Webhook`) until SIGTERM."""
        await self._introduce()
        menu = start_in_background(self.runtime, self.register_commands,
                                   self.register_menu_button)
        try:
            await webhook.serve(self.parse, self.feed, self.set_webhook, self.perform)
        finally:
            await finish(menu)
            await self.push_lane.close()
            await self.bot.session.close()
            log.info("webhook stopped")

    async def run_polling(self) -> None:
        """Long-poll Telegram until interrupted (SIGINT/SIGTERM)."""
        await self._introduce()
        await self.bot.delete_webhook(drop_pending_updates=False)
        log.info("polling started", bot=self.bot_username)
        # The menu goes out beside the first getUpdates: nobody waits for it.
        menu = start_in_background(self.runtime, self.register_commands,
                                   self.register_menu_button)
        settings = self.runtime.settings
        allowed = self.dp.resolve_used_update_types()

        async def fetch(offset: int | None) -> list[Update]:
            return await self.bot.get_updates(
                offset=offset, timeout=settings.polling_timeout, allowed_updates=allowed,
                request_timeout=settings.polling_timeout + 10)

        try:
            await poll(fetch, chat_of, self.feed, in_flight=settings.updates_in_flight,
                       waiting_max=settings.updates_waiting_max,
                       drain_seconds=settings.shutdown_grace_seconds)
        finally:
            await finish(menu)
            await self.push_lane.close()
            await self.bot.session.close()
            log.info("polling stopped")
