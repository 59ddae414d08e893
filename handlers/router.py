"""Routing an `Incoming` event to the handler function that owns it.

Each flow module declares a `Router` and registers its functions with decorators
(`@router.command("start")`, `@router.button("d")`, ...). `dispatch` looks the user up,
works out their language, finds the handler and turns any failure into a polite reply:
nothing a user sends can crash the bot or show them a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from handlers.core import (
    TELEGRAM_TEXT_MAX,
    AnswerButton,
    ButtonPress,
    Command,
    Document,
    Incoming,
    InlineQuery,
    Location,
    MemberStatus,
    Photo,
    PreCheckout,
    Reply,
    SendText,
    SuccessfulPayment,
    Text,
    Unsupported,
    button_ints,
)
from handlers.i18n import Translator, normalize_language
from handlers.vocabulary import load_vocabulary
from nlu import Intent, Parser
from services.campaigns import CampaignScheduler
from services.clock import utcnow
from services.conversations import FlowState, arrive, clear_state, get_state, set_state
from services.database import Database
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.poster import FONT_DIRS
from services.users import UserProfile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    """The settings handlers care about (the runtime fills them from the config)."""

    default_language: str = "zh"
    default_timezone: str = "Asia/Shanghai"
    page_size: int = 5
    conversation_ttl: timedelta = timedelta(minutes=30)
    order_hold: timedelta = timedelta(minutes=15)
    admin_ids: tuple[int, ...] = ()  # Telegram ids of platform admins
    bot_username: str = "o2o_demo_bot"  # learnt from Telegram by `o2o run`
    poster_font: str | None = None  # a font file for posters and charts; None = search
    font_dirs: tuple[str, ...] = FONT_DIRS  # where to search for a CJK font
    push_max_per_day: int = 2  # the platform's cap on pushes per user per day (all merchants)
    coupon_floor_percent: int = 10  # a coupon leaving less of a deal's price needs confirming


@dataclass
class App:
    """What every handler can reach: the database, options and the clock."""

    db: Database
    options: Options = field(default_factory=Options)
    clock: Callable[[], datetime] = utcnow
    parser: Parser | None = None  # built from the database on first use
    campaigns: CampaignScheduler | None = None  # the bot's timer; None: stored, run at start
    payments: Payments = field(default_factory=lambda: Payments(
        "sandbox", {"sandbox": SandboxProvider("http://127.0.0.1:8080")}))
    # The newest vocabulary version seen in the database, and the one `parser` was built
    # at (see storage.models.VocabularyVersion).
    vocabulary_version: int = 0
    parser_version: int = 0
    _building: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False,
                                    compare=False)

    def saw_vocabulary(self, version: int) -> None:
        """The vocabulary version read with an arriving update: when it moved past the
        parser's, the parser is rebuilt the next time it is needed."""
        self.vocabulary_version = max(self.vocabulary_version, version)

    async def understanding(self) -> Parser:
        """The NLU parser, its vocabulary loaded from the database the first time and
        again whenever the version seen moved on (another process, or this one, approved
        a merchant or published a deal)."""
        if self.parser is None or self.parser_version < self.vocabulary_version:
            async with self._building:  # one rebuild at a time, not one per waiting text
                if self.parser is None or self.parser_version < self.vocabulary_version:
                    # The version is taken before the words are read: a change committed
                    # meanwhile is in the words and moves the version again, so it is
                    # at worst rebuilt once more, never missed.
                    version = self.vocabulary_version
                    began = time.perf_counter()
                    vocabulary = await load_vocabulary(self.db)
                    self.parser, self.parser_version = Parser(vocabulary), version
                    log.info("vocabulary version %d built: %d words in %.0f ms", version,
                             vocabulary.size, (time.perf_counter() - began) * 1000)
        return self.parser


@dataclass
class Request:
    """One event being handled, with the user, their language and their flow state."""

    app: App
    incoming: Incoming
    user: UserProfile
    lang: str
    state: FlowState | None = None
    router: Router | None = None  # the routes this event is dispatched through

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    @property
    def db(self) -> Database:
        return self.app.db

    @property
    def chat_id(self) -> int:
        return self.incoming.chat_id

    def now(self) -> datetime:
        return self.app.clock()

    def button_ints(self, count: int) -> list[int] | None:
        """The integers in the pressed button's data (`b:12:3` -> [12, 3] for 2); None
        when this is not a button press or its data is malformed (forged, old)."""
        event = self.incoming.event
        return button_ints(event.data, count) if isinstance(event, ButtonPress) else None

    async def enter_flow(self, flow: str, step: str = "", **data: object) -> None:
        """Start (or move within) a multi-step flow; it expires if abandoned."""
        self.state = FlowState(flow, step, dict(data))
        await set_state(self.db, self.chat_id, self.incoming.sender.id, self.state,
                        self.app.options.conversation_ttl, self.now())

    async def leave_flow(self) -> bool:
        """Leave the current flow; True when there was one."""
        self.state = None
        return await clear_state(self.db, self.chat_id, self.incoming.sender.id)


Result = list[Reply] | Reply | None
Handler = Callable[[Request], Awaitable[Result]]
# What a flow does with free text the parser understood as one of its intents.
IntentHandler = Callable[[Request, Intent, str], Awaitable[Result]]


H = TypeVar("H", Handler, IntentHandler)


class Router:
    """A table from event kinds (and command names, button prefixes, flows, the parser's
    intents) to handlers."""

    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[str, Handler] = {}
        self.flows: dict[str, Handler] = {}
        self.drafts: set[str] = set()  # flows that collect a draft (see `flow`)
        self.singles: dict[str, Handler] = {}
        self.intents: dict[str, IntentHandler] = {}

    def _register(self, table: dict[str, H], *keys: str) -> Callable[[H], H]:
        def decorate(fn: H) -> H:
            for key in keys:
                if key in table:
                    raise ValueError(f"{key!r} is registered twice")
                table[key] = fn
            return fn

        return decorate

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """Handle `/name` (several names may share one handler)."""
        return self._register(self.commands, *names)

    def button(self, prefix: str) -> Callable[[Handler], Handler]:
        """Handle presses of buttons whose data is `prefix` or starts with `prefix:`."""
        return self._register(self.buttons, prefix)

    def flow(self, name: str, *, draft: bool = False) -> Callable[[Handler], Handler]:
        """Handle text and locations from users who are inside flow `name`.

        `draft`: the flow collects several answers (a deal, a store, an application).
        Another command keeps such a flow, to be resumed with the next answer, and the
        user is told so; a command ends any other flow (a single pending question).
        """
        if draft:
            self.drafts.add(name)
        return self._register(self.flows, name)

    def on(self, kind: str) -> Callable[[Handler], Handler]:
        """Handle one kind of event: text, location, photo, document, inline,
        pre_checkout, payment, unsupported, member_status, unknown_command, stale_button,
        too_long, error."""
        return self._register(self.singles, kind)

    def intent(self, *names: str) -> Callable[[IntentHandler], IntentHandler]:
        """Act on free text the parser understood as intent `name` (the handler gets the
        request, the parse and the text as typed)."""
        return self._register(self.intents, *names)

    def include(self, other: Router) -> None:
        """Merge another router's handlers into this one (names must not clash)."""
        for mine, theirs in (
            (self.commands, other.commands),
            (self.buttons, other.buttons),
            (self.flows, other.flows),
            (self.singles, other.singles),
        ):
            for key, fn in theirs.items():
                self._register(mine, key)(fn)
        for name, act in other.intents.items():
            self._register(self.intents, name)(act)
        self.drafts |= other.drafts


def _as_list(result: Result) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, list):
        return result
    return [result]


def _pick(router: Router, req: Request) -> Handler | None:
    event = req.incoming.event
    flow = router.flows.get(req.state.flow) if req.state else None
    match event:
        case Command(name=name):
            return router.commands.get(name) or router.singles.get("unknown_command")
        case Text(text=text):
            if len(text) > TELEGRAM_TEXT_MAX:
                return router.singles.get("too_long")
            return flow or router.singles.get("text")
        case Location():
            return flow or router.singles.get("location")
        case Photo():
            return flow or router.singles.get("photo") or router.singles.get("unsupported")
        case Document():
            return flow or router.singles.get("document") or router.singles.get("unsupported")
        case ButtonPress(data=data):
            return router.buttons.get(data.split(":", 1)[0]) or router.singles.get("stale_button")
        case InlineQuery():
            return router.singles.get("inline")
        case PreCheckout():
            return router.singles.get("pre_checkout")
        case SuccessfulPayment():
            return router.singles.get("payment")
        case MemberStatus():
            return router.singles.get("member_status")
        case Unsupported():
            return router.singles.get("unsupported")
    return None  # pragma: no cover - every event kind is matched above


CANCEL = "cancel"  # the command that leaves a flow, and says so itself


def _same_step(a: FlowState, b: FlowState) -> bool:
    return (a.flow, a.step, a.data) == (b.flow, b.step, b.data)


def _with_cancel_hint(t: Translator, replies: list[Reply]) -> list[Reply]:
    """A flow asked its step again after input it could not use: the question ends with
    a line saying that /cancel leaves (on the last text, above its buttons), unless the
    question says so already."""
    hint = t("flow-cancel-hint")
    for i in range(len(replies) - 1, -1, -1):
        reply = replies[i]
        if isinstance(reply, SendText):
            if "/cancel" in reply.text:
                return replies
            replies[i] = replace(reply, text=f"{reply.text}\n{hint}")
            return replies
    return [*replies, SendText(hint)]


async def _after_command(req: Request, router: Router, interrupted: FlowState,
                         replies: list[Reply]) -> list[Reply]:
    """A command arrived in the middle of a flow: say what became of it.

    A draft (see `Router.flow`) the command left alone is kept and resumes with the next
    answer; one the command replaced (another flow started: there is one per chat) or
    ended is gone; the user is told which. Any other flow is a single pending question,
    which the command ends: nothing typed is lost.
    """
    event = req.incoming.event
    if isinstance(event, Command) and event.name == CANCEL:
        return replies
    now = await get_state(req.db, req.chat_id, req.incoming.sender.id, req.now())
    kept = now is not None and _same_step(now, interrupted)
    t = req.t
    if interrupted.flow not in router.drafts:
        if kept:
            await clear_state(req.db, req.chat_id, req.incoming.sender.id)
        return replies
    what = t(f"flow-draft-{interrupted.flow}")
    if kept:
        return [*replies, SendText(t("flow-draft-kept", draft=what))]
    return [SendText(t("flow-draft-dropped", draft=what)), *replies]


async def dispatch(app: App, router: Router, incoming: Incoming) -> list[Reply]:
    """Handle one event and return the replies to carry out, in order."""
    sender = incoming.sender
    lang = normalize_language(sender.language_code, app.options.default_language)
    req: Request | None = None
    try:
        in_flow = isinstance(incoming.event, Text | Location | ButtonPress | Photo | Document)
        command = isinstance(incoming.event, Command)
        # The user, their flow state and the vocabulary version in one read.
        user, state, vocabulary_version = await arrive(
            app.db,
            sender.id,
            incoming.chat_id if in_flow or command else None,
            first_name=sender.first_name,
            username=sender.username,
            language_code=sender.language_code,
            default_timezone=app.options.default_timezone,
            now=app.clock(),
        )
        app.saw_vocabulary(vocabulary_version)
        lang = user.language or lang
        req = Request(app, incoming, user, lang, state if in_flow else None, router=router)
        # The flow a command arrives in the middle of.
        interrupted: FlowState | None = state if command else None
        handler = _pick(router, req)
        asked = req.state
        replies = _as_list(await handler(req)) if handler else []
        if asked is not None and req.state is asked and handler is router.flows.get(asked.flow):
            # The flow's handler neither moved on nor left: it asked its question again.
            replies = _with_cancel_hint(req.t, replies)
        if interrupted is not None:
            replies = await _after_command(req, router, interrupted, replies)
    except Exception:
        log.exception("handler failed for update %s", incoming.update_id)
        fallback = router.singles.get("error")
        replies = []
        if fallback is not None and req is not None:
            try:
                replies = _as_list(await fallback(req))
            except Exception:  # pragma: no cover - the error handler itself failed
                log.exception("error handler failed")
        if not replies:
            replies = [SendText(Translator(lang)("error-generic"))]
    event = incoming.event
    # Telegram shows a spinner on a pressed button until the press is answered.
    if (
        isinstance(event, ButtonPress)
        and event.query_id is not None
        and not any(isinstance(r, AnswerButton) for r in replies)
    ):
        replies.insert(0, AnswerButton(event.query_id))
    return replies
