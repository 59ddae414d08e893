"""Routing an `Incoming` event to the handler function that owns it.

Each flow module declares a `Router` and registers its functions with decorators, each
saying who may use it (`handlers.roles.Role`):

    @router.command("newdeal", role=Role.OWNER, area="deal")
    @router.button(DealPause, role=Role.OWNER, area="deal")   # typed button data
    newdeal = router.flow("newdeal", role=Role.OWNER, area="deal", draft=True)
    @newdeal.step("title")                                     # one function per step
    @router.intent("search_deals", role=Role.SHOPPER)          # what the parser understood
    @router.on("location", role=Role.SHOPPER)                  # one kind of event

The route table (`Router.routes()`) is what the authorization tests are generated from.
`dispatch` runs every event through one ordered chain of middlewares (errors, the
button spinner, the app's own extras such as metrics or throttling, the user and their
flow state, the language, the route and its role, the flow's bookkeeping) and ends in
the handler: nothing a user sends can crash the bot or show them a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from structlog.contextvars import bind_contextvars

from handlers.buttons import Payload
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
)
from handlers.i18n import Translator, normalize_language
from handlers.roles import Role, admit, refusal_reply
from handlers.vocabulary import load_vocabulary
from nlu import Intent, Parser
from services.marketing.campaigns import CampaignScheduler
from services.merchants.deals import Seller
from services.payments import Payments
from services.payments.sandbox import SandboxProvider
from services.pictures.poster import FONT_DIRS
from services.platform.clock import utcnow
from services.platform.conversations import FlowState, arrive, clear_state, get_state, set_state
from services.platform.database import Database
from services.platform.users import UserProfile

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
    booking_no_show_deposit: int = 5000  # minor units; three no-shows in 90 days need it
    # Where the Mini App storefronts are served (`public_url`); None when that is not
    # https, which Telegram's web_app buttons require: then no "Open the shop" button.
    miniapp_base: str | None = None


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
    # Extra steps every event passes through (metrics, throttling, per-chat isolation),
    # after the error catcher and before the user is read: see `dispatch`.
    middlewares: tuple[Middleware, ...] = ()
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

    async def warm(self) -> None:
        """Build the parser now, at the vocabulary version of the database: a bot calls
        this right after it starts, so the first shopper's text does not wait about a
        second for jieba's dictionary, the patterns and the vocabulary. jieba and the
        patterns load in a thread."""
        from nlu.literals import prepare
        from nlu.text import jieba_module
        from services.catalog.deal_cards import vocabulary_version

        await asyncio.to_thread(lambda: (jieba_module().initialize(), prepare()))
        self.saw_vocabulary(await vocabulary_version(self.db))
        await self.understanding()

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
    user: UserProfile = field(default=None)  # type: ignore[assignment]  # set on arrival
    lang: str = ""
    state: FlowState | None = None
    router: Router | None = None  # the routes this event is dispatched through
    route: Route | None = None  # the route chosen for it
    payload: Payload | None = None  # a pressed button's data, unpacked
    owned: Seller | None = None  # the owner's merchant, loaded by owner roles (`seller`)

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

    @property
    def seller(self) -> Seller:
        """The merchant the person owns, with its stores: loaded by the router for routes
        declared `Role.OWNER` or `Role.OWNER_ANY_STATUS` (anywhere else it is an error)."""
        if self.owned is None:
            raise LookupError("req.seller is loaded only on routes with an owner role")
        return self.owned

    @property
    def args(self) -> str:
        """What follows a command (`/redeem 1234` -> "1234"); "" for other events."""
        event = self.incoming.event
        return event.args if isinstance(event, Command) else ""

    @property
    def text(self) -> str:
        """The text typed (a text message); "" for other events."""
        event = self.incoming.event
        return event.text if isinstance(event, Text) else ""

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
P = TypeVar("P", bound=Payload)
ButtonHandler = Callable[[Request, P], Awaitable[Result]]
H = TypeVar("H", bound=Callable[..., Awaitable[Result]])

# The kinds of event `Router.on` accepts (each is produced by `_pick` below).
EVENT_KINDS = frozenset({
    "text", "location", "photo", "document", "inline", "pre_checkout", "payment",
    "unsupported", "member_status", "unknown_command", "stale_button", "too_long",
    "error",
})
ROUTE_KINDS = ("command", "button", "flow", "intent", "event")


@dataclass(frozen=True)
class Route:
    """One line of the route table: what it answers, who may use it, who handles it."""

    kind: str  # command, button, flow, intent, event
    key: str  # the command name, button prefix, flow name, intent name or event kind
    handler: Callable[..., Awaitable[Result]]
    role: Role
    area: str | None = None  # whose refusal words to use ("deal", "store", ...)
    payload: type[Payload] | None = None  # a button's declared data
    flow: Flow | None = None  # a flow's declared steps

    @property
    def name(self) -> str:
        """How the route is written in the table: `/newdeal`, `button dp`, ..."""
        return f"/{self.key}" if self.kind == "command" else f"{self.kind} {self.key}"


class Flow:
    """A multi-step conversation (a draft deal, a campaign, an application), as PTB's
    ConversationHandler: the steps are declared, and the router sends the user's next
    message to the function of the step the flow is at (`req.state.step`). A function
    registered with `@flow.step()` (no name) takes any step without one of its own.

    `draft`: the flow collects several answers. Another command keeps such a flow, to be
    resumed with the next answer, and the user is told so; a command ends any other
    flow (a single pending question).
    """

    def __init__(self, name: str, *, role: Role, area: str | None, draft: bool) -> None:
        self.name = name
        self.role = role
        self.area = area
        self.draft = draft
        self.steps: dict[str, Handler] = {}
        self.any_step: Handler | None = None

    def step(self, *names: str) -> Callable[[Handler], Handler]:
        """Handle the user's answer at step `name` (several may share a function)."""
        def decorate(fn: Handler) -> Handler:
            if not names:
                if self.any_step is not None:
                    raise ValueError(f"flow {self.name!r} has two catch-all steps")
                self.any_step = fn
            for name in names:
                if name in self.steps:
                    raise ValueError(f"step {name!r} of flow {self.name!r} is declared twice")
                self.steps[name] = fn
            return fn

        return decorate

    def __call__(self, fn: Handler) -> Handler:
        """`@router.flow(...)` on a function: one function takes every step."""
        return self.step()(fn)

    def handler_for(self, step: str) -> Handler | None:
        """The function that takes the user's answer at `step`."""
        return self.steps.get(step) or self.any_step


class Router:
    """The route table: event kinds, command names, button data classes, flows and the
    parser's intents, each with its role and handler."""

    def __init__(self) -> None:
        self.table: dict[tuple[str, str], Route] = {}

    # -- registering

    def _add(self, route: Route) -> None:
        if (route.kind, route.key) in self.table:
            raise ValueError(f"{route.name!r} is registered twice")
        if not isinstance(route.role, Role):
            raise TypeError(f"{route.name!r} must declare a Role, not {route.role!r}")
        self.table[(route.kind, route.key)] = route

    def command(self, *names: str, role: Role,
                area: str | None = None) -> Callable[[Handler], Handler]:
        """Handle `/name` (several names may share one handler)."""
        def decorate(fn: Handler) -> Handler:
            for name in names:
                self._add(Route("command", name, fn, role, area))
            return fn

        return decorate

    def button(self, payload: type[P], *, role: Role,
               area: str | None = None) -> Callable[[ButtonHandler[P]], ButtonHandler[P]]:
        """Handle presses of buttons carrying `payload` (a `handlers.buttons.Payload`
        class); the handler gets the request and the unpacked data."""
        def decorate(fn: ButtonHandler[P]) -> ButtonHandler[P]:
            self._add(Route("button", payload.prefix, fn, role, area, payload=payload))
            return fn

        return decorate

    def flow(self, name: str, *, role: Role, area: str | None = None,
             draft: bool = False) -> Flow:
        """Declare flow `name`; add its steps with `@flow.step("name")` (or decorate one
        function with the flow itself to take every step)."""
        declared = Flow(name, role=role, area=area, draft=draft)
        self._add(Route("flow", name, _run_flow_step, role, area, flow=declared))
        return declared

    def on(self, kind: str, *, role: Role,
           area: str | None = None) -> Callable[[Handler], Handler]:
        """Handle one kind of event (see `EVENT_KINDS`)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"no event kind {kind!r}; the kinds are {sorted(EVENT_KINDS)}")

        def decorate(fn: Handler) -> Handler:
            self._add(Route("event", kind, fn, role, area))
            return fn

        return decorate

    def intent(self, *names: str, role: Role,
               area: str | None = None) -> Callable[[IntentHandler], IntentHandler]:
        """Act on free text the parser understood as intent `name` (the handler gets the
        request, the parse and the text as typed)."""
        def decorate(fn: IntentHandler) -> IntentHandler:
            for name in names:
                self._add(Route("intent", name, fn, role, area))
            return fn

        return decorate

    def include(self, other: Router) -> None:
        """Merge another router's routes into this one (names must not clash)."""
        for route in other.table.values():
            self._add(route)

    # -- reading

    def routes(self) -> list[Route]:
        """Every route, in the order registered."""
        return list(self.table.values())

    def get(self, kind: str, key: str) -> Route | None:
        """The route of this kind and key, if any."""
        return self.table.get((kind, key))

    def flow_of(self, name: str) -> Flow | None:
        """The declared flow `name`."""
        route = self.table.get(("flow", name))
        return route.flow if route else None

    @property
    def drafts(self) -> set[str]:
        """The flows that collect a draft (see `Flow`)."""
        return {r.key for r in self.table.values() if r.flow is not None and r.flow.draft}

    async def run_intent(self, req: Request, intent: Intent, text: str) -> Result | None:
        """Act on `intent` through its route, role checked; None when no flow declared
        it (the caller decides what unplaced words mean)."""
        route = self.get("intent", intent.name)
        if route is None:
            return None
        refused = await _admit(req, route)
        if refused is not None:
            return refused
        return await route.handler(req, intent, text) or []


    async def run_event(self, req: Request, *kinds: str) -> Result:
        """Handle the event with the first of `kinds`' event routes, its role checked, as
        if no flow were waiting (a flow that hands on what it cannot use)."""
        route = _event_route(self, *kinds)
        if route is None:
            return None
        refused = await _admit(req, route)
        if refused is not None:
            return refused
        return await route.handler(req)


async def _run_flow_step(req: Request) -> Result:
    """A flow route's handler: the declared step's function."""
    assert req.route is not None and req.route.flow is not None and req.state is not None
    handler = req.route.flow.handler_for(req.state.step)
    if handler is None:
        # A step this version does not know (state from an older release): start over.
        log.warning("flow %s has no step %r", req.state.flow, req.state.step)
        await req.leave_flow()
        fallback = req.router.get("event", "stale_button") if req.router else None
        return await fallback.handler(req) if fallback else None
    return await handler(req)


def _as_list(result: Result) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, list):
        return result
    return [result]


def _event_route(router: Router, *kinds: str) -> Route | None:
    for kind in kinds:
        route = router.get("event", kind)
        if route is not None:
            return route
    return None


def _pick(router: Router, req: Request) -> Route | None:
    """The route for this event (a flow in progress takes text, locations and files)."""
    event = req.incoming.event
    flow = router.get("flow", req.state.flow) if req.state else None
    match event:
        case Command(name=name):
            return router.get("command", name) or _event_route(router, "unknown_command")
        case Text(text=text):
            if len(text) > TELEGRAM_TEXT_MAX:
                return _event_route(router, "too_long")
            return flow or _event_route(router, "text")
        case Location():
            return flow or _event_route(router, "location")
        case Photo():
            return flow or _event_route(router, "photo", "unsupported")
        case Document():
            return flow or _event_route(router, "document", "unsupported")
        case ButtonPress(data=data):
            return router.get("button", data.split(":", 1)[0]) or _event_route(
                router, "stale_button")
        case InlineQuery():
            return _event_route(router, "inline")
        case PreCheckout():
            return _event_route(router, "pre_checkout")
        case SuccessfulPayment():
            return _event_route(router, "payment")
        case MemberStatus():
            return _event_route(router, "member_status")
        case Unsupported():
            return _event_route(router, "unsupported")
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

    A draft (see `Flow`) the command left alone is kept and resumes with the next
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


# --------------------------------------------------------------------------- the chain

Next = Callable[[Request], Awaitable[list[Reply]]]
Middleware = Callable[[Request, Next], Awaitable[list[Reply]]]


async def catch_errors(req: Request, call_next: Next) -> list[Reply]:
    """Any failure below becomes a polite reply (the route table's `error` handler, or
    the generic apology) and a logged traceback; the user never sees a stack trace."""
    try:
        return await call_next(req)
    except Exception:
        log.exception("handler failed for update %s", req.incoming.update_id)
    fallback = req.router.get("event", "error") if req.router else None
    replies: list[Reply] = []
    if fallback is not None and req.user is not None:
        try:
            replies = _as_list(await fallback.handler(req))
        except Exception:  # pragma: no cover - the error handler itself failed
            log.exception("error handler failed")
    lang = req.lang or normalize_language(req.incoming.sender.language_code,
                                          req.app.options.default_language)
    return replies or [SendText(Translator(lang)("error-generic"))]


async def answer_button(req: Request, call_next: Next) -> list[Reply]:
    """Telegram shows a spinner on a pressed button until the press is answered: answer
    it when the handler did not."""
    replies = await call_next(req)
    event = req.incoming.event
    if (isinstance(event, ButtonPress) and event.query_id is not None
            and not any(isinstance(r, AnswerButton) for r in replies)):
        replies.insert(0, AnswerButton(event.query_id))
    return replies


_IN_FLOW = (Text, Location, ButtonPress, Photo, Document)


async def hold_reads(req: Request, call_next: Next) -> list[Reply]:
    """The turn's reads share one database connection (see `Database.holding_reads`)."""
    async with req.app.db.holding_reads():
        return await call_next(req)


async def load_user_and_state(req: Request, call_next: Next) -> list[Reply]:
    """The user (made on first contact), for messages and presses their flow state, and
    the parser's vocabulary version, in one read (most updates need all three)."""
    sender, app = req.incoming.sender, req.app
    in_flow = isinstance(req.incoming.event, _IN_FLOW)
    command = isinstance(req.incoming.event, Command)
    req.user, state, vocabulary_version = await arrive(
        app.db, sender.id, req.incoming.chat_id if in_flow or command else None,
        first_name=sender.first_name, username=sender.username,
        language_code=sender.language_code, default_timezone=app.options.default_timezone,
        now=app.clock(),
    )
    app.saw_vocabulary(vocabulary_version)
    bind_contextvars(user_id=req.user.id)  # on the turn's log lines
    req.state = state if in_flow else None
    if command and state is not None:
        return await _interrupting(req, state, call_next)
    return await call_next(req)


async def _interrupting(req: Request, interrupted: FlowState, call_next: Next) -> list[Reply]:
    replies = await call_next(req)
    assert req.router is not None
    return await _after_command(req, req.router, interrupted, replies)


async def choose_language(req: Request, call_next: Next) -> list[Reply]:
    """The user's chosen language, else their Telegram app's, else the default."""
    req.lang = req.user.language or normalize_language(
        req.incoming.sender.language_code, req.app.options.default_language)
    return await call_next(req)


async def find_route(req: Request, call_next: Next) -> list[Reply]:
    """The route for the event; a button's data unpacked into its declared class (data
    that does not unpack is a stale button, answered before any handler runs)."""
    assert req.router is not None
    route = _pick(req.router, req)
    event = req.incoming.event
    if route is not None and route.payload is not None and isinstance(event, ButtonPress):
        req.payload = route.payload.unpack(event.data)
        if req.payload is None:
            route = _event_route(req.router, "stale_button")
    req.route = route
    return await call_next(req)


async def _admit(req: Request, route: Route) -> list[Reply] | None:
    """None when the person may use `route` (what the role implies loaded into the
    request), else the refusal."""
    admission = await admit(
        route.role, route.area, db=req.db, user_id=req.user.id,
        telegram_id=req.incoming.sender.id, admin_ids=req.app.options.admin_ids, t=req.t)
    if admission.refusal is not None:
        return [refusal_reply(admission.refusal)]
    if admission.seller is not None:
        req.owned = admission.seller
    return None


async def check_role(req: Request, call_next: Next) -> list[Reply]:
    """The route's role, checked on every event before its handler runs."""
    if req.route is not None:
        refused = await _admit(req, req.route)
        if refused is not None:
            # Lost the right mid-flow (an answer, or a press of one of the flow's buttons
            # under the same role): the flow ends, and its draft with it.
            flow = req.router.get("flow", req.state.flow) if req.state and req.router else None
            if req.route.kind == "flow" or (flow is not None and flow.role == req.route.role):
                await req.leave_flow()
            return refused
    return await call_next(req)


async def keep_flow(req: Request, call_next: Next) -> list[Reply]:
    """A flow's step that neither moved on nor left asked its question again: it ends
    with a line saying that /cancel leaves."""
    asked = req.state
    route = req.route
    replies = await call_next(req)
    if (asked is not None and req.state is asked and route is not None
            and route.kind == "flow" and route.key == asked.flow):
        replies = _with_cancel_hint(req.t, replies)
    return replies


async def run_handler(req: Request) -> list[Reply]:
    """The end of the chain: the route's handler."""
    route = req.route
    if route is None:
        return []
    if route.payload is not None:
        return _as_list(await route.handler(req, req.payload))
    return _as_list(await route.handler(req))


# Outside in. `App.middlewares` (metrics, throttling, per-chat isolation) go between
# the button spinner and the user's arrival: they see every event, before any read.
BEFORE_APP = (catch_errors, answer_button)
AFTER_APP = (hold_reads, load_user_and_state, choose_language, find_route, check_role, keep_flow)


def chain(middlewares: tuple[Middleware, ...] | list[Middleware]) -> Next:
    """The middlewares wrapped around `run_handler`, outermost first."""
    call: Next = run_handler
    for middleware in reversed(middlewares):
        call = _wrap(middleware, call)
    return call


def _wrap(middleware: Middleware, call_next: Next) -> Next:
    async def step(req: Request) -> list[Reply]:
        return await middleware(req, call_next)

    return step


async def dispatch(app: App, router: Router, incoming: Incoming) -> list[Reply]:
    """Handle one event and return the replies to carry out, in order."""
    req = Request(app, incoming, router=router)
    return await chain((*BEFORE_APP, *app.middlewares, *AFTER_APP))(req)
