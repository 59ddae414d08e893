"""`/settings`: pushes (pause, how many a day, quiet hours, time zone) and language.

The settings screen shows every value, the user's local time (so a wrong time zone is
easy to spot) and a button for each change. Quiet hours, the daily cap and the time
zone may be typed: those buttons open the small "settings" flow, whose one step reads
the typed answer and asks again, with the reason, when it makes no sense. Each change
is saved at once and answered with the screen again under a short "saved" line;
`/cancel` (or the Back button) leaves without a change.

Buttons:
  lang:<zh|en|auto>      interface language ("auto": follow Telegram)
  set:pause / set:resume pause or resume pushes
  set:max[:<n>]          ask for the daily cap / set it to n (1 .. the platform's)
  set:quiet[:<s>:<e>]    ask for quiet hours / set them (minutes after local midnight)
  set:quiet:off          no quiet hours
  set:tz                 ask for the time zone (typed)
  set:show               back to the settings screen
"""

from __future__ import annotations

from datetime import timedelta

from handlers.common import stale_replies
from handlers.core import AnswerButton, Button, ButtonPress, Buttons, Reply, SendText, Text
from handlers.i18n import normalize_language
from handlers.roles import Role
from handlers.router import Request, Router
from nlu import Intent
from services.marketing.push_settings import (
    MINUTES_PER_DAY,
    NO_QUIET_HOURS,
    PushSettings,
    Refused,
    format_quiet_hours,
    get_push_settings,
    local_time,
    parse_max_per_day,
    parse_quiet_hours,
    parse_timezone,
    set_max_per_day,
    set_push_paused,
    set_quiet_hours,
    set_timezone,
)
from services.platform.users import set_language

router = Router()
FLOW = "settings"
STEPS = ("max", "quiet", "tz")  # what the flow waits for; also the button data naming them
QUIET_PRESETS = ((22 * 60, 8 * 60), (23 * 60, 7 * 60))
PER_ROW = 5


# ------------------------------------------------------------------ the screen


def _offset_label(settings: PushSettings, req: Request) -> str:
    """"UTC+8", "UTC-4", "UTC+5:30": the user's current offset from UTC."""
    offset = local_time(settings.timezone, req.now()).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _zone_label(settings: PushSettings, req: Request) -> str:
    """The zone's name with its offset; a bare offset for the fixed zones (Etc/GMT-8 has
    its sign inverted, which would only confuse)."""
    offset = _offset_label(settings, req)
    if settings.timezone == "UTC" or settings.timezone.startswith("Etc/"):
        return offset
    return f"{settings.timezone} ({offset})"


def _language_label(req: Request, chosen: str | None) -> str:
    return req.t("language-auto") if chosen is None else req.t(f"language-{req.lang}")


async def _screen(req: Request, saved: str = "", *, chosen_language: str | None = None,
                  language_changed: bool = False) -> SendText:
    """The settings with their buttons, under `saved` (what just changed), if any."""
    t = req.t
    cap = req.app.options.push_max_per_day
    settings = await get_push_settings(req.db, req.user.id, cap)
    language = chosen_language if language_changed else req.user.language
    lines = [saved] if saved else []
    lines += [
        t("settings-title"),
        t("settings-pushes-paused" if settings.paused else "settings-pushes-on"),
        t("settings-max", count=settings.max_per_day, cap=cap),
        t("settings-quiet", window=format_quiet_hours(settings.quiet_start, settings.quiet_end))
        if settings.has_quiet_hours else t("settings-quiet-off"),
        t("settings-timezone", zone=_zone_label(settings, req),
          time=local_time(settings.timezone, req.now()).strftime("%H:%M")),
        t("settings-language", language=_language_label(req, language)),
    ]
    pause = (Button(t("settings-resume-button"), data="set:resume") if settings.paused
             else Button(t("settings-pause-button"), data="set:pause"))
    buttons: Buttons = (
        (
            Button("中文", data="lang:zh"),
            Button("English", data="lang:en"),
            Button(t("language-auto"), data="lang:auto"),
        ),
        (pause, Button(t("settings-max-button"), data="set:max")),
        (Button(t("settings-quiet-button"), data="set:quiet"),
         Button(t("settings-timezone-button"), data="set:tz")),
    )
    return SendText("\n".join(lines), buttons=buttons)


@router.command("settings", role=Role.SHOPPER)
async def settings(req: Request) -> Reply:
    """The settings screen."""
    return await _screen(req)


@router.command("language", "lang", role=Role.SHOPPER)
async def language_command(req: Request) -> Reply:
    """`/language`: the same screen, where the language buttons are."""
    return await settings(req)


# ------------------------------------------------------------------- language


@router.button("lang", role=Role.SHOPPER)
async def choose_language(req: Request) -> list[Reply]:
    """Speak Chinese, English, or whatever Telegram says the user's language is."""
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    choice = event.data.split(":", 1)[1] if ":" in event.data else ""
    if choice not in ("zh", "en", "auto"):
        return stale_replies(req)
    chosen = None if choice == "auto" else choice
    await set_language(req.db, req.user.id, chosen)
    req.lang = (
        normalize_language(req.incoming.sender.language_code, req.app.options.default_language)
        if chosen is None
        else chosen
    )
    await _leave_settings_flow(req)
    t = req.t
    return [
        AnswerButton(event.query_id or "", t("language-set")),
        await _screen(req, t("language-set"), chosen_language=chosen, language_changed=True),
    ]


# --------------------------------------------------------------- push buttons


@router.button("set", role=Role.SHOPPER)
async def settings_button(req: Request) -> Reply | list[Reply]:
    """Every push-settings button (see the module's docstring for the data)."""
    event = req.incoming.event
    assert isinstance(event, ButtonPress)
    parts = event.data.split(":")[1:]
    action, values = (parts[0], parts[1:]) if parts else ("", [])
    t = req.t
    if action in ("pause", "resume") and not values:
        paused = action == "pause"
        changed = await set_push_paused(req.db, req.user.id, paused, req.now())
        await _leave_settings_flow(req)
        key = ("settings-paused" if changed else "settings-already-paused") if paused else (
            "settings-resumed" if changed else "settings-already-on")
        return [AnswerButton(event.query_id or "", t(key)), await _screen(req, t(key))]
    if action in STEPS and not values:
        await req.enter_flow(FLOW, action)
        return _ask(req, action)
    if action == "max" and len(values) == 1:
        return await _save_max(req, values[0])
    if action == "quiet" and values == ["off"]:
        return await _save_quiet(req, *NO_QUIET_HOURS)
    if action == "quiet" and len(values) == 2:
        minutes = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 4]
        if len(minutes) == 2 and all(m < MINUTES_PER_DAY for m in minutes):
            return await _save_quiet(req, *minutes)
    if action == "show" and not values:
        await _leave_settings_flow(req)
        return await _screen(req)
    return stale_replies(req)


async def _leave_settings_flow(req: Request) -> None:
    """Leave the settings flow if the user is in it (and no other flow)."""
    if req.state is not None and req.state.flow == FLOW:
        await req.leave_flow()


def _ask(req: Request, step: str, problem: str = "") -> list[Reply]:
    """Ask for the value of `step`, after the reason the last answer was wrong, if any."""
    t = req.t
    cap = req.app.options.push_max_per_day
    back = (Button(t("settings-back-button"), data="set:show"),)
    if step == "max":
        counts = [Button(str(n), data=f"set:max:{n}") for n in range(1, cap + 1)]
        rows = tuple(tuple(counts[i : i + PER_ROW]) for i in range(0, len(counts), PER_ROW))
        question, buttons = t("settings-ask-max", cap=cap), (*rows, back)
    elif step == "quiet":
        presets = tuple(Button(format_quiet_hours(start, end), data=f"set:quiet:{start}:{end}")
                        for start, end in QUIET_PRESETS)
        off = Button(t("settings-quiet-off-button"), data="set:quiet:off")
        question, buttons = t("settings-ask-quiet"), ((*presets, off), back)
    else:
        question, buttons = t("settings-ask-timezone"), (back,)
    text = f"{problem}\n{question}" if problem else question
    return [SendText(text, buttons=buttons)]


def _problem(req: Request, refused: Refused) -> str:
    return req.t(f"settings-bad-{refused.reason}", cap=req.app.options.push_max_per_day)


async def _save_max(req: Request, typed: str) -> list[Reply]:
    cap = req.app.options.push_max_per_day
    count = parse_max_per_day(typed, cap)
    if isinstance(count, Refused):
        return _ask(req, "max", _problem(req, count))
    # The platform's own cap is stored as "the platform default", so it follows the cap.
    await set_max_per_day(req.db, req.user.id, None if count == cap else count, req.now())
    return await _saved(req)


async def _save_quiet(req: Request, start: int, end: int) -> list[Reply]:
    await set_quiet_hours(req.db, req.user.id, start, end, req.now())
    return await _saved(req)


async def _saved(req: Request) -> list[Reply]:
    """Leave the flow and show the settings under "saved"."""
    await _leave_settings_flow(req)
    t = req.t
    event = req.incoming.event
    replies: list[Reply] = []
    if isinstance(event, ButtonPress):
        replies.append(AnswerButton(event.query_id or "", t("settings-saved")))
    replies.append(await _screen(req, t("settings-saved")))
    return replies


# --------------------------------------------------------------- typed answers


@router.flow(FLOW, role=Role.SHOPPER)
async def settings_step(req: Request) -> list[Reply]:
    """A typed daily cap, quiet hours or time zone; a wrong one is asked again."""
    state = req.state
    assert state is not None
    step = state.step
    if step not in STEPS:  # a step of an older version of this flow
        await req.leave_flow()
        return [await _screen(req)]
    event = req.incoming.event
    if not isinstance(event, Text):  # a location, photo or file where text is asked
        return _ask(req, step, req.t("settings-bad-not_text"))
    if step == "max":
        return await _save_max(req, event.text)
    if step == "quiet":
        window = parse_quiet_hours(event.text)
        if isinstance(window, Refused):
            return _ask(req, step, _problem(req, window))
        return await _save_quiet(req, window.start, window.end)
    zone = parse_timezone(event.text)
    if isinstance(zone, Refused):
        return _ask(req, step, _problem(req, zone))
    await set_timezone(req.db, req.user.id, zone, req.now())
    return await _saved(req)


@router.intent("settings", role=Role.SHOPPER)
async def settings_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"推送设置" / "notification settings"."""
    return await settings(req)
