"""A local stand-in for the Telegram Bot API, served over HTTP on 127.0.0.1.

It speaks the methods the bot uses, answers as Telegram does (including Telegram's own
error texts), records every call, lets tests play users, and returns errors on demand:
429 with retry_after, 403 for a user who blocked the bot, 400 for bad requests.
Accepts parameters the ways real clients send them: query string, JSON, urlencoded
and multipart forms (JSON-encoded fields such as reply_markup are decoded).
With a webhook set (setWebhook) it POSTs updates to it as Telegram does
(`standins.delivery`) and refuses getUpdates (409).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from standins.delivery import WebhookDelivery
from standins.models import Call, SentMessage
from standins.users import FakeUser

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 64

_JSON_FIELDS = {
    "reply_markup", "commands", "results", "prices", "entities", "caption_entities",
    "allowed_updates", "scope", "menu_button", "link_preview_options", "reply_parameters",
    "media", "button",
}
_INT_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "total_amount", "cache_time",
    "live_period", "user_id", "max_tip_amount", "max_connections",
}
_FLOAT_FIELDS = {"latitude", "longitude"}
_BOOL_FIELDS = {"show_alert", "ok", "is_personal", "drop_pending_updates",
                "disable_notification"}
_HTML_TAGS = ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
              "tg-spoiler", "blockquote")


async def serve_app(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (port 0 picks a free one); the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
    return runner, int(sockets[0].getsockname()[1])


class Served:
    """What both stand-ins share: served by an aiohttp runner until `stop`, usable as
    `async with`. Subclasses bind in `start` and keep the runner in `_runner`."""

    _runner: web.AppRunner | None = None

    async def start(self) -> object:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class ApiError(Exception):
    """An error answer: Telegram's code and description (and retry_after for 429)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


@dataclass
class _Injected:
    method: str | None
    error: ApiError
    chat_id: int | None
    times: int


NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"


class BotApiStandin(Served):
    """The stand-in server. Use as `async with BotApiStandin() as api:`."""

    def __init__(self, token: str = "123456:TEST", *, bot_username: str = "o2o_test_bot",
                 host: str = "127.0.0.1", port: int = 0, record_calls: bool = True,
                 max_calls: int = 100_000) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the stand-in serves on the loopback interface only")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.host = host
        self.port = port
        self.record_calls = record_calls
        self.calls: deque[Call] = deque(maxlen=max_calls)
        self.method_counts: dict[str, int] = {}
        self.users: dict[int, FakeUser] = {}
        self.pending_queries: dict[str, FakeUser] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # Menu buttons: a chat's (by chat id), and the bot's default (key None).
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.invoice_links: dict[str, dict[str, Any]] = {}  # slug -> createInvoiceLink's params
        self.webhook: dict[str, Any] = {}
        self._chats: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._confirmed = 0
        self._files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)
        self._injected: list[_Injected] = []
        self._blocked: set[int] = set()
        self._changed = asyncio.Condition()
        self._limits: tuple[float, float] | None = None
        self._last_per_chat: dict[int, float] = {}
        self._global_sends: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.delivery: WebhookDelivery | None = None  # while a webhook is set
        # Webhook delivery's pace (see WebhookDelivery); tests may shorten it.
        self.webhook_timeout = 10.0
        self.webhook_retry_base = 0.25
        self.webhook_retry_max = 4.0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind and serve (port 0 picks a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner, self.port = await serve_app(app, self.host, self.port)

    async def stop(self) -> None:
        """Answer any waiting long poll (with no updates), stop delivering to a
        webhook, then stop serving."""
        self._closing = True
        if self.delivery is not None:
            await self.delivery.stop()
            self.delivery = None
        async with self._changed:
            self._changed.notify_all()
        await super().stop()

    @property
    def base_url(self) -> str:
        """What the bot takes as its API base, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------ test controls

    def user(self, user_id: int, first_name: str = "Ann", language_code: str | None = "zh",
             username: str | None = None) -> FakeUser:
        """A user to play (the same object for the same id)."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(self, user_id, first_name, language_code, username)
            self._chats.setdefault(user_id, [])
        return self.users[user_id]

    def inject_error(self, method: str | None, error_code: int, description: str, *,
                     retry_after: int | None = None, chat_id: int | None = None,
                     times: int = 1) -> None:
        """Answer the next `times` calls of `method` (None: any) with this error."""
        self._injected.append(
            _Injected(method, ApiError(error_code, description, retry_after), chat_id, times)
        )

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403; a my_chat_member update."""
        self._blocked.add(user_id)
        self._member_update(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot (a my_chat_member update says so)."""
        self._blocked.discard(user_id)
        self._member_update(user_id, "kicked", "member")

    def rate_limit(self, per_chat_per_second: float = 1.0,
                   global_per_second: float = 30.0) -> None:
        """Emulate Telegram's flood control with 429 answers (off by default)."""
        self._limits = (per_chat_per_second, global_per_second)

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; returns it with its update_id."""
        update = {"update_id": next(self._update_ids), **update}
        if self.delivery is not None:
            self.delivery.add(update)
        else:
            self._updates.append(update)
        self._notify()
        return update

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        return [c for c in self.calls if c.method == method]

    async def wait_for_call(self, method: str, predicate: Callable[[Call], bool] | None = None,
                            timeout: float = 5.0) -> Call:
        """The first recorded call of `method` satisfying `predicate` (waits for it)."""
        def match() -> Call | None:
            return next((c for c in self.calls
                         if c.method == method and (predicate is None or predicate(c))), None)

        await self.wait_until(lambda: match() is not None, timeout, f"no {method} call")
        found = match()
        assert found is not None
        return found

    async def wait_until(self, condition: Callable[[], bool], timeout: float,
                         what: str = "condition") -> None:
        """Wait until `condition()` holds; TimeoutError naming `what` after `timeout`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
            except TimeoutError:
                raise TimeoutError(f"{what} within {timeout} s") from None

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        return self._chats.get(chat_id, [])

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        return next((m for m in self.chat_messages(chat_id) if m.message_id == message_id), None)

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def store_file(self, data: bytes, path: str) -> str:
        file_id = f"file-{next(self._file_ids)}"
        self._files[file_id] = (path, data)
        return file_id

    # ------------------------------------------------------------ internals

    def _notify(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        # No running loop means nobody can be waiting.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(notify())

    def _member_update(self, user_id: int, old: str, new: str) -> None:
        user = self.user(user_id)
        bot = {"id": self.bot_id, "is_bot": True, "first_name": "O2O",
               "username": self.bot_username}
        self.enqueue({"my_chat_member": {
            "chat": user.chat_json(), "from": user.as_json(), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot},
            "new_chat_member": {"status": new, "user": bot,
                                **({"until_date": 0} if new == "kicked" else {})},
        }})

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if part.name is None:
                        continue
                    if part.filename is not None:  # type: ignore[union-attr]
                        files[part.name] = bytes(await part.read())  # type: ignore[union-attr]
                        params[part.name] = f"attach://{part.name}"
                    else:
                        params[part.name] = await part.text()  # type: ignore[union-attr]
            else:
                params.update(dict(await request.post()))
        return {k: self._decode(k, v) for k, v in params.items()}, files

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_FIELDS and value[:1] in "[{":
            try:
                return json.loads(value)
            except ValueError:
                return value
        if key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            return int(value)
        if key in _FLOAT_FIELDS:
            try:
                return float(value)
            except ValueError:
                return value
        if key in _BOOL_FIELDS:
            return value.lower() in ("true", "1")
        return value

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await self._params(request)
        self.method_counts[method] = self.method_counts.get(method, 0) + 1
        # A long poll may wait `timeout` seconds for an update: it is recorded (and
        # waiters woken) when it arrives, or waiting for the bot to poll again would
        # last until the poll ends, 30 s with the usual timeout.
        polling = method.lower() == "getupdates"
        call = Call(method, params, files, True, None, time.time(), answered=not polling)
        if polling:
            if self.record_calls:
                self.calls.append(call)
            self._notify()
        try:
            self._check_injected(method, params)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, files)
        except ApiError as exc:
            self._record(call, False, exc.body(), polling)
            return web.json_response(exc.body(), status=exc.code)
        self._record(call, True, result, polling)
        return web.json_response({"ok": True, "result": result})

    def _record(self, call: Call, ok: bool, outcome: Any, recorded: bool) -> None:
        """The call answered: `ok` and its result or error body (`recorded`: the call
        is in `calls` already, since it arrived)."""
        call.ok, call.result_or_error, call.answered, call.at = ok, outcome, True, time.time()
        if not (recorded and self.record_calls) and (self.record_calls or not ok):
            self.calls.append(call)
        self._notify()

    def _check_injected(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        for rule in self._injected:
            if rule.times <= 0:
                continue
            if rule.method not in (None, method):
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.times -= 1
            raise rule.error
        self._injected = [r for r in self._injected if r.times > 0]

    def _chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        if self._limits is not None:
            self._flood_check(chat_id)
        return chat_id

    def _flood_check(self, chat_id: int) -> None:
        assert self._limits is not None
        per_chat, per_second = self._limits
        now = time.monotonic()
        last = self._last_per_chat.get(chat_id)
        if last is not None and now - last < 1.0 / per_chat:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        while self._global_sends and now - self._global_sends[0] > 1.0:
            self._global_sends.popleft()
        if len(self._global_sends) >= per_second:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._last_per_chat[chat_id] = now
        self._global_sends.append(now)

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(str(data).encode()) > CALLBACK_DATA_MAX:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the "
                                        "inline keyboard")
        return markup

    @staticmethod
    def _check_text(text: Any, parse_mode: Any, limit: int, too_long: str) -> str:
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(400, too_long)
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            stack: list[str] = []
            for closing, tag in re.findall(r"<(/?)([a-z\-]+)[^>]*>", text):
                if tag not in _HTML_TAGS:
                    raise ApiError(400, f"Bad Request: can't parse entities: Unsupported "
                                        f"start tag \"{tag}\"")
                if not closing:
                    stack.append(tag)
                elif not stack or stack.pop() != tag:
                    raise ApiError(400, "Bad Request: can't parse entities: Can't find end "
                                        "tag corresponding to start tag")
            if stack:
                raise ApiError(400, "Bad Request: can't parse entities: Can't find end tag "
                                    "corresponding to start tag")
        return text

    def _bot_json(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "O2O",
                "username": self.bot_username}

    def message_json(self, message: SentMessage) -> dict[str, Any]:
        """A sent message as the Telegram `Message` object."""
        user = self.users.get(message.chat_id)
        chat = user.chat_json() if user else {"id": message.chat_id, "type": "private"}
        data: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                                "chat": chat, "from": self._bot_json()}
        if message.text is not None:
            data["text"] = message.text
        if message.caption:
            data["caption"] = message.caption
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.kind == "photo":
            file_id = message.params.get("_file_id", "photo")
            data["photo"] = [{"file_id": file_id, "file_unique_id": file_id,
                              "width": 512, "height": 512}]
        elif message.kind == "venue":
            p = message.params
            location = {"latitude": p["latitude"], "longitude": p["longitude"]}
            data["location"] = location
            data["venue"] = {"location": location, "title": p.get("title", ""),
                             "address": p.get("address", "")}
        elif message.kind == "location":
            data["location"] = {"latitude": message.params["latitude"],
                                "longitude": message.params["longitude"]}
        elif message.kind == "invoice":
            p = message.params
            data["invoice"] = {"title": p.get("title", ""), "description": p.get("description", ""),
                               "start_parameter": p.get("start_parameter", ""),
                               "currency": p.get("currency", ""),
                               "total_amount": sum(x.get("amount", 0)
                                                   for x in p.get("prices") or [])}
        elif message.kind == "document":
            file_id = message.params.get("_file_id", "document")
            data["document"] = {"file_id": file_id, "file_unique_id": file_id}
        return data

    def _store(self, chat_id: int, kind: str, params: dict[str, Any], *,
               text: str | None = None, caption: str | None = None,
               photo: bytes | None = None) -> dict[str, Any]:
        message = SentMessage(
            message_id=self.next_message_id(chat_id), chat_id=chat_id, kind=kind, text=text,
            caption=caption, reply_markup=self._check_markup(params.get("reply_markup")),
            photo=photo, params=params,
        )
        self._chats.setdefault(chat_id, []).append(message)
        return self.message_json(message)

    def _upload(self, field: str, params: dict[str, Any], files: dict[str, bytes],
                kind: str) -> tuple[bytes | None, str]:
        value = params.get(field)
        if field in files:
            data = files[field]
            return data, self.store_file(data, f"{kind}s/{len(self._files) + 1}")
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            data = files[value[9:]]
            return data, self.store_file(data, f"{kind}s/{len(self._files) + 1}")
        if isinstance(value, str) and value:
            stored = self._files.get(value)
            return (stored[1] if stored else None), value
        raise ApiError(400, f"Bad Request: there is no {field} in the request")

    # ------------------------------------------------------------ methods

    async def _m_getme(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {**self._bot_json(), "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": True}

    async def _m_getupdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.delivery is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = params.get("limit") if isinstance(params.get("limit"), int) else 100
        timeout = params.get("timeout") if isinstance(params.get("timeout"), int) else 0
        allowed = params.get("allowed_updates")

        def wanted() -> list[dict[str, Any]]:
            if not allowed:
                return self._updates
            return [u for u in self._updates if any(k in allowed for k in u if k != "update_id")]

        if not wanted() and timeout:
            try:
                await self.wait_until(lambda: bool(wanted()) or self._closing, float(timeout))
            except TimeoutError:
                return []
        return wanted()[: max(1, min(100, limit))]

    async def _m_deletewebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = {}
        if self.delivery is not None:  # what was not taken yet waits for getUpdates
            undelivered = await self.delivery.stop()
            self.delivery = None
            self._updates = sorted(self._updates + undelivered, key=lambda u: u["update_id"])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setwebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._m_deletewebhook(params, files)
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                "for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: bad webhook: secret token contains "
                                "unallowed characters")
        connections = params.get("max_connections", 40)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        allowed = params.get("allowed_updates")
        waiting = [] if params.get("drop_pending_updates") else list(self._updates)
        if self.delivery is not None:
            if self.webhook == params:  # the same webhook again: nothing changes
                return True
            waiting = [] if params.get("drop_pending_updates") else await self.delivery.stop()
        self._updates = []
        self.webhook = dict(params)
        self.delivery = WebhookDelivery(
            url, str(secret) if secret else None, max_connections=connections,
            allowed=allowed if isinstance(allowed, list) else None, notify=self._notify,
            timeout=self.webhook_timeout, retry_base=self.webhook_retry_base,
            retry_max=self.webhook_retry_max)
        self.delivery.start()
        for update in waiting:
            self.delivery.add(update)
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.delivery is None:
            return {"url": "", "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}
        info: dict[str, Any] = {
            "url": self.delivery.url, "has_custom_certificate": False,
            "pending_update_count": len(self.delivery.pending),
            "max_connections": self.delivery.max_connections}
        if self.delivery.allowed is not None:
            info["allowed_updates"] = self.delivery.allowed
        if self.delivery.last_error is not None:
            info["last_error_date"] = int(self.delivery.last_error[0])
            info["last_error_message"] = self.delivery.last_error[1]
        return info

    async def _m_logout(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {}
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        return (scope_type, str(params.get("language_code") or ""))

    async def _m_setmycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = commands
        return True

    async def _m_getmycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _m_deletemycommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def _m_setchatmenubutton(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None and not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        button = params.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind == "web_app":
            url = (button.get("web_app") or {}).get("url", "")
            if not isinstance(url, str) or not url.startswith("https://"):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
            if not isinstance(button.get("text"), str) or not button["text"]:
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        elif kind not in ("commands", "default"):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        if kind == "default":
            self.menu_buttons.pop(chat_id, None)  # a chat's: back to the bot's default
        else:
            self.menu_buttons[chat_id] = button
        return True

    async def _m_getchatmenubutton(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None and chat_id in self.menu_buttons:
            return self.menu_buttons[chat_id]
        return self.menu_buttons.get(None, {"type": "default"})

    async def _m_sendchataction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._chat(params)
        return True

    async def _m_sendmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"), TEXT_MAX,
                                "Bad Request: message is too long")
        return self._store(chat_id, "text", params, text=text)

    async def _m_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        caption = params.get("caption")
        if isinstance(caption, str) and len(caption) > CAPTION_MAX:
            raise ApiError(400, "Bad Request: message caption is too long")
        data, file_id = self._upload("photo", params, files, "photo")
        params["_file_id"] = file_id
        return self._store(chat_id, "photo", params, caption=caption, photo=data)

    async def _m_senddocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        data, file_id = self._upload("document", params, files, "document")
        params["_file_id"] = file_id
        return self._store(chat_id, "document", params, caption=params.get("caption"),
                           photo=None if data is None else data)

    async def _m_sendvenue(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        for key in ("latitude", "longitude", "title", "address"):
            if key not in params:
                raise ApiError(400, f"Bad Request: {key} is required")
        return self._store(chat_id, "venue", params)

    async def _m_sendlocation(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        return self._store(chat_id, "location", params)

    async def _m_sendinvoice(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat(params)
        if not params.get("prices"):
            raise ApiError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
        return self._store(chat_id, "invoice", params, text=None)

    async def _m_createinvoicelink(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        for key in ("title", "description", "payload", "currency"):
            if not isinstance(params.get(key), str) or not params[key]:
                raise ApiError(400, f"Bad Request: {key} is required")
        if len(params["title"]) > 32 or len(params["description"]) > 255:
            raise ApiError(400, "Bad Request: INVOICE_TITLE_INVALID")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices or not all(
                isinstance(p, dict) and isinstance(p.get("amount"), int) and p["amount"] > 0
                for p in prices):
            raise ApiError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
        slug = f"standin-invoice-{next(self._file_ids)}"
        self.invoice_links[slug] = params
        return f"https://t.me/${slug}"

    async def _m_refundstarpayment(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not params.get("telegram_payment_charge_id"):
            raise ApiError(400, "Bad Request: CHARGE_ID_EMPTY")
        return True

    async def _m_edittext_common(self, params: dict[str, Any], *, field: str) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        message = self.message(chat_id, params.get("message_id", -1))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = self._check_markup(params.get("reply_markup"))
        if field == "text":
            text = self._check_text(params.get("text"), params.get("parse_mode"), TEXT_MAX,
                                    "Bad Request: MESSAGE_TOO_LONG")
            if text == message.text and markup == message.reply_markup:
                raise ApiError(400, NOT_MODIFIED)
            message.text = text
        elif field == "caption":
            caption = params.get("caption")
            if caption == message.caption and markup == message.reply_markup:
                raise ApiError(400, NOT_MODIFIED)
            message.caption = caption
        elif markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        message.edited += 1
        return self.message_json(message)

    async def _m_editmessagetext(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return await self._m_edittext_common(params, field="text")

    async def _m_editmessagecaption(self, params: dict[str, Any],
                                    files: dict[str, bytes]) -> Any:
        return await self._m_edittext_common(params, field="caption")

    async def _m_editmessagereplymarkup(self, params: dict[str, Any],
                                        files: dict[str, bytes]) -> Any:
        return await self._m_edittext_common(params, field="markup")

    async def _m_deletemessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        message = self.message(chat_id, params.get("message_id", -1)) if isinstance(
            chat_id, int) else None
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        return True

    def _answer_query(self, params: dict[str, Any], key: str) -> FakeUser:
        user = self.pending_queries.pop(str(params.get(key, "")), None)
        if user is None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        return user

    async def _m_answercallbackquery(self, params: dict[str, Any],
                                     files: dict[str, bytes]) -> Any:
        user = self._answer_query(params, "callback_query_id")
        user.callback_answers.append(params)
        return True

    async def _m_answerinlinequery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        user = self._answer_query(params, "inline_query_id")
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        user.inline_answers.append(params)
        return True

    async def _m_answerprecheckoutquery(self, params: dict[str, Any],
                                        files: dict[str, bytes]) -> Any:
        user = self._answer_query(params, "pre_checkout_query_id")
        if not params.get("ok") and not params.get("error_message"):
            raise ApiError(400, "Bad Request: error_message is required when ok is false")
        user.callback_answers.append(params)
        return True

    async def _m_getchat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        user = self.users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {**user.chat_json(), "accent_color_id": 0, "max_reaction_count": 11}

    async def _m_getfile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data),
                "file_path": path}

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored_path, data in self._files.values():
            if stored_path == path:
                return web.Response(body=data)
        return web.Response(status=404)
