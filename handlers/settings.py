"""`/settings`: pushes (pause, how many a day, quiet hours, time zone) and language.

The settings screen shows every value, the user's local time (so a wrong time zone is
easy to spot) and a button for each change. Quiet hours, the daily cap and the time
zone may be typed: those buttons open the "settings" flow at the step asking for that
value, which reads the typed answer and asks again, with the reason, when it makes no
sense. Each change is saved at once and answered with the screen again under a short
"saved" line; `/cancel` (or the Back button) leaves without a change.

Buttons (declared in `handlers.payloads`):
  ChooseLanguage   zh, en, or auto (follow Telegram)
  SettingsPress    pause / resume pushes; `max`, `quiet`, `tz` alone ask for the value
                   (the flow's step); `max` with a count and `quiet` with a start and an
                   end (minutes after local midnight; 0 and 0: none) set it; `show` goes
                   back to the screen
"""

from __future__ import annotations

from datetime import timedelta

from handlers.common import answer_press, stale_replies
from handlers.core import Button, ButtonPress, Buttons, Reply, SendText, Text
from handlers.i18n import normalize_language
from handlers.payloads import ChooseLanguage, SettingsPress, SettingsStep
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
    pause = (Button(t("settings-resume-button"), data=SettingsPress("resume").pack())
             if settings.paused
             else Button(t("settings-pause-button"), data=SettingsPress("pause").pack()))
    buttons: Buttons = (
        (
            Button("中文", data=ChooseLanguage("zh").pack()),
            Button("English", data=ChooseLanguage("en").pack()),
            Button(t("language-auto"), data=ChooseLanguage("auto").pack()),
        ),
        (pause, Button(t("settings-max-button"), data=SettingsPress("max").pack())),
        (Button(t("settings-quiet-button"), data=SettingsPress("quiet").pack()),
         Button(t("settings-timezone-button"), data=SettingsPress("tz").pack())),
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


@router.button(ChooseLanguage, role=Role.SHOPPER)
async def choose_language(req: Request, press: ChooseLanguage) -> list[Reply]:
    """Speak Chinese, English, or whatever Telegram says the user's language is."""
    chosen = None if press.language == "auto" else press.language
    await set_language(req.db, req.user.id, chosen)
    req.lang = (
        normalize_language(req.incoming.sender.language_code, req.app.options.default_language)
        if chosen is None
        else chosen
    )
    await _leave_settings_flow(req)
    t = req.t
    return [
        answer_press(req, t("language-set")),
        await _screen(req, t("language-set"), chosen_language=chosen, language_changed=True),
    ]


# --------------------------------------------------------------- push buttons


@router.button(SettingsPress, role=Role.SHOPPER)
async def settings_button(req: Request, press: SettingsPress) -> Reply | list[Reply]:
    """Every push-settings button (see the module's docstring); values a button of
    this version never carries (a count with Pause, a minute past midnight) are stale."""
    t = req.t
    match press:
        case SettingsPress(action="pause" | "resume" as action, value=None, end=None):
            paused = action == "pause"
            changed = await set_push_paused(req.db, req.user.id, paused, req.now())
            await _leave_settings_flow(req)
            key = ("settings-paused" if changed else "settings-already-paused") if paused else (
                "settings-resumed" if changed else "settings-already-on")
            return [answer_press(req, t(key)), await _screen(req, t(key))]
        case SettingsPress(action="max" | "quiet" | "tz" as step, value=None, end=None):
            await req.enter_flow(FLOW, step)
            return _ask(req, step)
        case SettingsPress(action="max", value=int() as count, end=None):
            # A pressed count obeys the rule of a typed one (the cap may have changed).
            return await _save_max(req, parse_max_per_day(str(count), _cap(req)))
        case SettingsPress(action="quiet", value=int() as start, end=int() as end) if (
                start < MINUTES_PER_DAY and end < MINUTES_PER_DAY):
            return await _save_quiet(req, start, end)
        case SettingsPress(action="show", value=None, end=None):
            await _leave_settings_flow(req)
            return await _screen(req)
    return stale_replies(req)


def _cap(req: Request) -> int:
    """The platform's cap on pushes per user per day."""
    return req.app.options.push_max_per_day


async def _leave_settings_flow(req: Request) -> None:
    """Leave the settings flow if the user is in it (and no other flow)."""
    if req.state is not None and req.state.flow == FLOW:
        await req.leave_flow()


def _ask(req: Request, step: SettingsStep, problem: str = "") -> list[Reply]:
    """Ask for the value of `step`, after the reason the last answer was wrong, if any."""
    t = req.t
    cap = _cap(req)
    back = (Button(t("settings-back-button"), data=SettingsPress("show").pack()),)
    if step == "max":
        counts = [Button(str(n), data=SettingsPress("max", n).pack()) for n in range(1, cap + 1)]
        rows = tuple(tuple(counts[i : i + PER_ROW]) for i in range(0, len(counts), PER_ROW))
        question, buttons = t("settings-ask-max", cap=cap), (*rows, back)
    elif step == "quiet":
        presets = tuple(Button(format_quiet_hours(start, end),
                               data=SettingsPress("quiet", start, end).pack())
                        for start, end in QUIET_PRESETS)
        off = Button(t("settings-quiet-off-button"),
                     data=SettingsPress("quiet", *NO_QUIET_HOURS).pack())
        question, buttons = t("settings-ask-quiet"), ((*presets, off), back)
    else:
        question, buttons = t("settings-ask-timezone"), (back,)
    text = f"{problem}\n{question}" if problem else question
    return [SendText(text, buttons=buttons)]


def _problem(req: Request, refused: Refused) -> str:
    return req.t(f"settings-bad-{refused.reason}", cap=_cap(req))


async def _save_max(req: Request, count: int | Refused) -> list[Reply]:
    """Save the daily cap, or ask again with the reason it was refused."""
    cap = _cap(req)
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
    replies: list[Reply] = []
    if isinstance(req.incoming.event, ButtonPress):  # a typed answer has no spinner
        replies.append(answer_press(req, t("settings-saved")))
    replies.append(await _screen(req, t("settings-saved")))
    return replies


# --------------------------------------------------------------- typed answers


settings_flow = router.flow(FLOW, role=Role.SHOPPER)


def _not_text(req: Request, step: SettingsStep) -> list[Reply] | None:
    """A location, photo or file sent where text is asked: the question again."""
    if isinstance(req.incoming.event, Text):
        return None
    return _ask(req, step, req.t("settings-bad-not_text"))


@settings_flow.step("max")
async def typed_max(req: Request) -> list[Reply]:
    """A typed daily cap; a wrong one is asked again."""
    return _not_text(req, "max") or await _save_max(req, parse_max_per_day(req.text, _cap(req)))


@settings_flow.step("quiet")
async def typed_quiet_hours(req: Request) -> list[Reply]:
    """Typed quiet hours ("23点到7点"); wrong ones are asked again."""
    if (asked := _not_text(req, "quiet")) is not None:
        return asked
    window = parse_quiet_hours(req.text)
    if isinstance(window, Refused):
        return _ask(req, "quiet", _problem(req, window))
    return await _save_quiet(req, window.start, window.end)


@settings_flow.step("tz")
async def typed_timezone(req: Request) -> list[Reply]:
    """A typed time zone ("东京", "UTC+8"); a wrong one is asked again."""
    if (asked := _not_text(req, "tz")) is not None:
        return asked
    zone = parse_timezone(req.text)
    if isinstance(zone, Refused):
        return _ask(req, "tz", _problem(req, zone))
    await set_timezone(req.db, req.user.id, zone, req.now())
    return await _saved(req)


@settings_flow.step()
async def older_step(req: Request) -> list[Reply]:
    """A step of an older version of this flow: leave it and show the screen."""
    await req.leave_flow()
    return [await _screen(req)]


@router.intent("settings", role=Role.SHOPPER)
async def settings_intent(req: Request, intent: Intent, text: str) -> Reply:
    """"推送设置" / "notification settings"."""
    return await settings(req)
